using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocketIOClient;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Realtime;

/// <summary>The real server on a port of 127.0.0.1, so that websocket clients can reach it.</summary>
public sealed class LoopbackServer : V6TestServer
{
    protected override bool ListenOnLoopback => true;
}

public static class Wait
{
    /// <summary>Polls a condition until it holds or the (generous) bound passes.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}");
            await Task.Delay(25);
        }
    }
}

/// <summary>A Socket.IO client (the SocketIOClient package) on <c>/tasks</c> that records every event it receives.</summary>
public sealed class RecordingClient : IAsyncDisposable
{
    public static readonly string[] EventNames =
    [
        "sync", "expired_token", "invalid_token", "message", "node-online", "node-offline", "new_task", "status_update",
        "kill_containers", "algorithm_status_change", "algorithm_log",
    ];

    private RecordingClient(SocketIOClient.SocketIO client) => Client = client;

    public SocketIOClient.SocketIO Client { get; }
    public ConcurrentQueue<(string Name, JsonElement Arg, DateTime At)> Events { get; } = new();

    /// <summary>Connects like the Python node: polling handshake with the bearer header, then websocket upgrade.</summary>
    public static async Task<RecordingClient> ConnectAsync(string baseUrl, string? token, bool webSocketOnly = false)
    {
        var client = new SocketIOClient.SocketIO($"{baseUrl}/tasks", new SocketIOOptions
        {
            Transport = webSocketOnly ? SocketIOClient.Transport.TransportProtocol.WebSocket : SocketIOClient.Transport.TransportProtocol.Polling,
            AutoUpgrade = !webSocketOnly,
            Reconnection = false,
            ExtraHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            ConnectionTimeout = TimeSpan.FromSeconds(10),
        });
        var recording = new RecordingClient(client);
        foreach (var name in EventNames)
            client.On(name, response => recording.Events.Enqueue((name, response.Count > 0 ? response.GetValue(0) : default, DateTime.UtcNow)));
        await client.ConnectAsync();
        return recording;
    }

    public IEnumerable<JsonElement> Of(string name) => Events.Where(e => e.Name == name).Select(e => e.Arg);

    public async Task<JsonElement> NextAsync(string name, Func<JsonElement, bool>? match = null, int seconds = 10)
    {
        await Wait.UntilAsync(() => Of(name).Any(e => match?.Invoke(e) ?? true), name, seconds);
        return Of(name).First(e => match?.Invoke(e) ?? true);
    }

    public Task EmitAsync(string name, params object[] args) => Client.EmitAsync(name, args);

    public async ValueTask DisposeAsync()
    {
        try { await Client.DisconnectAsync(); } catch (Exception) { }
        Client.Dispose();
    }
}

/// <summary>
/// A bare websocket speaking Engine.IO/Socket.IO frames, for what a library client hides: dropping the
/// connection without a goodbye.
/// </summary>
public sealed class RawSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;

    public ConcurrentQueue<string> Frames { get; } = new();

    public static async Task<RawSocket> ConnectAsync(string baseUrl, string token)
    {
        var raw = new RawSocket();
        raw._ws.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await raw._ws.ConnectAsync(new Uri(baseUrl.Replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"), CancellationToken.None);
        raw._reader = raw.ReadAsync();
        await Wait.UntilAsync(() => raw.Frames.Any(f => f.StartsWith('0')), "open packet");
        await raw.SendAsync("40/tasks,{}");
        await Wait.UntilAsync(() => raw.Frames.Any(f => f.StartsWith("40/tasks,")), "namespace ack");
        return raw;
    }

    public Task SendAsync(string frame) => _ws.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task EmitAsync(string name, JsonNode? arg) =>
        SendAsync("42/tasks," + new JsonArray(name, arg).ToJsonString());

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _ws.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
                var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                if (text == "2") await SendAsync("3");
                Frames.Enqueue(text);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    /// <summary>Drops the TCP connection without a close packet or close frame (like a network failure).</summary>
    public void Drop()
    {
        _stop.Cancel();
        _ws.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        Drop();
        try { await _reader; } catch (Exception) { }
        _ws.Dispose();
    }
}

/// <summary>Hand-made tokens for the failure cases the server cannot be asked to issue.</summary>
public static class Jwt
{
    public static string Sign(string secret, JsonObject payload)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var input = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return input + "." + B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(input)));
    }

    public static JsonObject AccessPayload(string clientType, int sub, long exp) => new()
    {
        ["fresh"] = false, ["iat"] = exp - 3600, ["nbf"] = exp - 3600, ["jti"] = Guid.NewGuid().ToString(), ["type"] = "access",
        ["sub"] = sub, ["exp"] = exp, ["client_type"] = clientType, ["roles"] = new JsonArray(),
    };
}
