namespace Vantage6.SocketIO.Engine;

/// <summary>
/// The Engine.IO parameters of a request's query string, read without building a query collection
/// (which a websocket request would keep for its whole life).
/// </summary>
internal readonly record struct EngineQuery(string? Transport, string? Sid, string? Eio, bool Jsonp)
{
    public static EngineQuery Parse(string? queryString)
    {
        string? transport = null, sid = null, eio = null;
        bool jsonp = false;
        var rest = (queryString ?? "").AsSpan().TrimStart('?');
        while (!rest.IsEmpty)
        {
            int amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            int eq = pair.IndexOf('=');
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? [] : pair[(eq + 1)..];
            // The first occurrence wins, as with a query collection's single value.
            if (name.SequenceEqual("transport")) transport ??= Decode(value);
            else if (name.SequenceEqual("sid")) sid ??= Decode(value);
            else if (name.SequenceEqual("EIO")) eio ??= Decode(value);
            else if (name.SequenceEqual("j")) jsonp = true;
        }
        return new EngineQuery(transport, sid, eio, jsonp);
    }

    private static string Decode(ReadOnlySpan<char> value) =>
        value.ContainsAny('%', '+') ? Uri.UnescapeDataString(value.ToString().Replace('+', ' ')) : value.ToString();
}
