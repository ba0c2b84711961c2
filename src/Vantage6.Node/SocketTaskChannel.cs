using System.Text.Json;
using System.Text.Json.Nodes;
using SocketIOClient;

namespace Vantage6.Node;

/// <summary>
/// The Socket.IO channel of node-protocol §1: <c>&lt;server&gt;/socket.io/</c>, namespace <c>/tasks</c>, the access
/// token as <c>Authorization</c> header of the handshake. Reconnection is driven by the node (a new connection per
/// attempt, each answered by the server's <c>sync</c>).
/// </summary>
public sealed class SocketTaskChannel(string hostBase, NodeLog log) : ITaskChannel
{
    private SocketIOClient.SocketIO? _socket;

    public bool IsConnected => _socket?.Connected ?? false;
    public event Func<Task>? SyncRequested;
    public event Func<int, Task>? NewTask;
    public event Func<JsonNode, Task>? KillRequested;
    public event Func<bool, Task>? TokenRejected;

    public async Task ConnectAsync(string accessToken, CancellationToken ct)
    {
        await DisconnectAsync();
        var socket = new SocketIOClient.SocketIO(hostBase.TrimEnd('/') + "/tasks", new SocketIOOptions
        {
            Path = "/socket.io",
            ExtraHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {accessToken}" },
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(10),
        });
        socket.On("sync", _ => Fire(SyncRequested?.Invoke()));
        socket.On("new_task", r => Fire(Payload(r) is { } p && (int?)p["id"] is { } id ? NewTask?.Invoke(id) : null));
        socket.On("kill_containers", r => Fire(Payload(r) is { } p ? KillRequested?.Invoke(p) : null));
        socket.On("expired_token", _ => Fire(TokenRejected?.Invoke(true)));
        socket.On("invalid_token", _ => Fire(TokenRejected?.Invoke(false)));
        socket.On("message", r => log.Debug($"Server message: {Payload(r)}"));
        socket.OnDisconnected += (_, reason) => log.Info($"Real-time channel disconnected ({reason})");
        _socket = socket;
        await socket.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(15), ct);
        if (!socket.Connected) throw new IOException("Socket.IO connection not established");
    }

    private void Fire(Task? task)
    {
        if (task is null) return;
        _ = task.ContinueWith(t => log.Warn($"Handling a real-time event failed: {t.Exception?.GetBaseException().Message}"),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    private static JsonNode? Payload(SocketIOResponse response)
    {
        try { return JsonNode.Parse(response.GetValue(0).GetRawText()); }
        catch (Exception e) when (e is JsonException or IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidOperationException) { return null; }
    }

    public async Task EmitAsync(string eventName, JsonNode? payload)
    {
        if (_socket is not { Connected: true } socket) return;
        if (payload is null) await socket.EmitAsync(eventName);
        else await socket.EmitAsync(eventName, JsonSerializer.Deserialize<JsonElement>(payload.ToJsonString()));
    }

    public async Task DisconnectAsync()
    {
        var socket = _socket;
        _socket = null;
        if (socket is null) return;
        try { if (socket.Connected) await socket.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { }
        socket.Dispose();
    }

    public async ValueTask DisposeAsync() => await DisconnectAsync();
}
