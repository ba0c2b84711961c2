using System.Net.Http;
using System.Text;
using System.Text.Json;

namespace Vantage6.SocketIO.Tests.Support;

/// <summary>Speaks Engine.IO long-polling by hand, to check the wire format itself.</summary>
public sealed class RawPollingClient(string baseUrl) : IDisposable
{
    public const char Separator = '\x1e';
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public string Sid { get; private set; } = "";
    public JsonElement Open { get; private set; }

    public string Url(string query) => $"{baseUrl.TrimEnd('/')}/socket.io/?{query}";
    public string SessionUrl => Url($"EIO=4&transport=polling&sid={Sid}");

    public async Task HandshakeAsync(Action<HttpRequestMessage>? decorate = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("EIO=4&transport=polling&t=1"));
        decorate?.Invoke(request);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("0{", body);
        Open = JsonDocument.Parse(body[1..]).RootElement.Clone();
        Sid = Open.GetProperty("sid").GetString()!;
    }

    public async Task<HttpResponseMessage> PostAsync(params string[] packets) =>
        await Http.PostAsync(SessionUrl, new StringContent(string.Join(Separator, packets), Encoding.UTF8, "text/plain"));

    public async Task<string[]> PollAsync()
    {
        var body = await Http.GetStringAsync(SessionUrl);
        return body.Split(Separator);
    }

    private readonly Queue<string> _received = new();

    /// <summary>The next packet, polling when none is left over from an earlier response.</summary>
    public async Task<string> NextPacketAsync()
    {
        while (_received.Count == 0)
            foreach (var packet in await PollAsync()) _received.Enqueue(packet);
        return _received.Dequeue();
    }

    /// <summary>Reads packets until one matches the predicate, answering pings on the way.</summary>
    public async Task<string> PollUntilAsync(Func<string, bool> match, int maxPackets = 50)
    {
        for (int i = 0; i < maxPackets; i++)
        {
            var packet = await NextPacketAsync();
            if (match(packet)) return packet;
            if (packet == "2") (await PostAsync("3")).EnsureSuccessStatusCode();
        }
        throw new InvalidOperationException("Expected packet did not arrive");
    }

    public void Dispose() => Http.Dispose();
}
