using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Vantage6.SocketIO.Engine;

/// <summary>A websocket handshake read from a bare connection, already checked.</summary>
internal sealed record WebSocketRequestHead(string Key, string? Sid, IReadOnlyDictionary<string, string> Headers, string? RemoteAddress);

/// <summary>
/// Kestrel connection middleware: a connection whose first request is a well-formed Engine.IO websocket
/// handshake is served without the HTTP layer. Why: a websocket lives as long as its connection, and the
/// HTTP request it came in on would keep about 5 KB of request, header and stream state per socket for
/// nothing; its frames would also pass through that layer's locks and streams. Everything else —
/// other requests, anything unusual or malformed — goes on to the HTTP layer untouched (nothing read is
/// consumed), where the same request gets the same answer as without this middleware.
/// </summary>
public sealed class SocketConnectionMiddleware(ConnectionDelegate next, EngineServer engine, string path)
{
    private const int MaxHead = 16 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    private readonly byte[] _requestPrefix = Encoding.ASCII.GetBytes("GET " + path.TrimEnd('/'));

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        // Only a connection with a socket under it is taken over: its frames are written to the socket directly.
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var head = socket is null ? null : await PeekAsync(connection);
        if (head is null) await next(connection);
        else await engine.RunConnectionAsync(connection, socket!, head);
    }

    /// <summary>The checked handshake (its bytes consumed), or null with every byte left for the HTTP layer.</summary>
    private async Task<WebSocketRequestHead?> PeekAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(HeadTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                var verdict = Inspect(buffer, connection, out var head, out var headEnd);
                if (verdict == Verdict.Ours)
                {
                    input.AdvanceTo(headEnd);
                    return head;
                }
                if (verdict == Verdict.NotOurs || result.IsCompleted || result.IsCanceled || buffer.Length > MaxHead)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            // A slow or silent client: the HTTP layer's own timeouts take it from here.
            return null;
        }
    }

    private enum Verdict { NeedMore, Ours, NotOurs }

    private Verdict Inspect(ReadOnlySequence<byte> buffer, ConnectionContext connection, out WebSocketRequestHead? head, out SequencePosition headEnd)
    {
        head = null;
        headEnd = buffer.Start;
        // Most connections carry other requests: tell from the first bytes, before copying the head.
        int prefix = (int)Math.Min(buffer.Length, _requestPrefix.Length);
        Span<byte> start = stackalloc byte[prefix];
        buffer.Slice(0, prefix).CopyTo(start);
        if (!start.SequenceEqual(_requestPrefix.AsSpan(0, prefix))) return Verdict.NotOurs;
        var bytes = buffer.Length <= MaxHead ? buffer.ToArray() : buffer.Slice(0, MaxHead).ToArray();
        int lineEnd = bytes.AsSpan().IndexOf("\r\n"u8);
        if (lineEnd < 0) return Verdict.NeedMore;
        if (!IsWebSocketRequestLine(bytes.AsSpan(0, lineEnd), out var query)) return Verdict.NotOurs;
        int end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0) return Verdict.NeedMore;
        var headers = ParseHeaders(bytes.AsSpan(lineEnd + 2, end - lineEnd - 2));
        if (headers is null || !IsAcceptable(headers, query)) return Verdict.NotOurs;
        headEnd = buffer.GetPosition(end + 4);
        head = new WebSocketRequestHead(headers["Sec-WebSocket-Key"], string.IsNullOrEmpty(query.Sid) ? null : query.Sid, headers,
            (connection.RemoteEndPoint as IPEndPoint)?.Address.ToString());
        return Verdict.Ours;
    }

    /// <summary><c>GET {path}[/]?{query with transport=websocket} HTTP/1.1</c>, nothing else.</summary>
    private bool IsWebSocketRequestLine(ReadOnlySpan<byte> line, out EngineQuery query)
    {
        query = default;
        if (!line.EndsWith(" HTTP/1.1"u8)) return false;
        var target = line[4..^" HTTP/1.1".Length];
        int question = target.IndexOf((byte)'?');
        if (question < 0) return false;
        var requestPath = target[..question];
        var basePath = _requestPrefix.AsSpan(4);
        if (!requestPath.SequenceEqual(basePath) && !(requestPath.Length == basePath.Length + 1 && requestPath.StartsWith(basePath) && requestPath[^1] == '/'))
            return false;
        var queryText = target[(question + 1)..];
        foreach (var b in queryText) if (b is <= 32 or >= 127) return false;
        query = EngineQuery.Parse(Encoding.ASCII.GetString(queryText));
        return query.Transport == "websocket" && !query.Jsonp;
    }

    /// <summary>Plain <c>Name: value</c> lines of visible ASCII; null for anything the HTTP layer should judge instead.</summary>
    private static Dictionary<string, string>? ParseHeaders(ReadOnlySpan<byte> block)
    {
        var headers = new Dictionary<string, string>(8, StringComparer.OrdinalIgnoreCase);
        while (!block.IsEmpty)
        {
            int end = block.IndexOf("\r\n"u8);
            var line = end < 0 ? block : block[..end];
            block = end < 0 ? [] : block[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) return null;
            foreach (var b in line[..colon]) if (b is <= 32 or >= 127) return null;
            foreach (var b in line[(colon + 1)..]) if (b is < 32 and not 9 or >= 127) return null;
            var name = Encoding.ASCII.GetString(line[..colon]);
            var value = Encoding.ASCII.GetString(line[(colon + 1)..]).Trim(' ', '\t');
            // Repeated headers read as one comma-separated value, as the HTTP layer gives them.
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }
        return headers;
    }

    private bool IsAcceptable(Dictionary<string, string> headers, EngineQuery query) =>
        headers.ContainsKey("Host")
        && !headers.ContainsKey("Content-Length") && !headers.ContainsKey("Transfer-Encoding")
        && headers.TryGetValue("Upgrade", out var upgrade) && WebSocketConnection.HasToken(upgrade, "websocket")
        && headers.TryGetValue("Connection", out var connection) && WebSocketConnection.HasToken(connection, "upgrade")
        && headers.GetValueOrDefault("Sec-WebSocket-Version") == "13"
        && headers.TryGetValue("Sec-WebSocket-Key", out var key) && WebSocketConnection.IsValidKey(key)
        && (!headers.TryGetValue("Origin", out var origin) || engine.Options.IsOriginAllowed(origin))
        && (string.IsNullOrEmpty(query.Sid) ? query.Eio == "4" : engine.IsPollingSession(query.Sid));
}
