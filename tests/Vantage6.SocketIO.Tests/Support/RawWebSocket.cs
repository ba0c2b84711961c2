using System.Net.WebSockets;
using System.Text;

namespace Vantage6.SocketIO.Tests.Support;

/// <summary>A websocket speaking Engine.IO frames by hand.</summary>
public sealed class RawWebSocket : IDisposable
{
    public ClientWebSocket Socket { get; } = new();

    public static async Task<RawWebSocket> ConnectAsync(string baseUrl, string query)
    {
        var raw = new RawWebSocket();
        var uri = new Uri(baseUrl.Replace("http://", "ws://").TrimEnd('/') + "/socket.io/?" + query);
        await raw.Socket.ConnectAsync(uri, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        return raw;
    }

    public Task SendAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next text frame, or null when the server closed.</summary>
    public async Task<string?> ReceiveAsync(int seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[64 * 1024];
        using var whole = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            whole.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(whole.ToArray());
        }
    }

    public async Task<string> ReceiveUntilAsync(Func<string, bool> match)
    {
        for (int i = 0; i < 50; i++)
        {
            var frame = await ReceiveAsync() ?? throw new InvalidOperationException("Closed before the expected frame");
            if (match(frame)) return frame;
            if (frame == "2") await SendAsync("3");
        }
        throw new InvalidOperationException("Expected frame did not arrive");
    }

    public void Dispose() => Socket.Dispose();
}
