using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Vantage6.SocketBench;

/// <summary>When each task's <c>new_task</c> reached how many nodes, and when the last one got it.</summary>
public sealed class FanOut
{
    public sealed class Probe
    {
        public int Count;
        public long Last;
    }

    public ConcurrentDictionary<int, Probe> Tasks { get; } = new();

    public void Delivered(int taskId, long timestamp)
    {
        var probe = Tasks.GetOrAdd(taskId, _ => new Probe());
        lock (probe)
        {
            probe.Count++;
            if (timestamp > probe.Last) probe.Last = timestamp;
        }
    }
}

/// <summary>
/// A node's socket reduced to the frames: a direct Engine.IO websocket with the node's bearer token,
/// <c>/tasks</c> CONNECT, heartbeat answers, and a timestamp for every <c>new_task</c>.
/// </summary>
public sealed class NodeClient : IAsyncDisposable
{
    private const string NewTaskPrefix = "42/tasks,[\"new_task\",{\"id\":";
    private readonly ClientWebSocket _ws = new();
    private readonly FanOut _fanOut;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reader = Task.CompletedTask;

    private NodeClient(FanOut fanOut) => _fanOut = fanOut;

    public static async Task<NodeClient> ConnectAsync(Uri socketUri, string token, FanOut fanOut)
    {
        var client = new NodeClient(fanOut);
        client._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        client._ws.Options.SetBuffer(1024, 1024);
        client._ws.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await client._ws.ConnectAsync(socketUri, CancellationToken.None);
        client._reader = client.ReadAsync();
        await client.SendAsync("40/tasks,{}");
        await client._synced.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return client;
    }

    private Task SendAsync(string frame) => _ws.SendAsync(Encoding.ASCII.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task ReadAsync()
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var result = await _ws.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close) return;
                long now = Stopwatch.GetTimestamp();
                var frame = Encoding.UTF8.GetString(buffer, 0, result.Count);
                if (frame == "2") await SendAsync("3");
                else if (frame.StartsWith(NewTaskPrefix, StringComparison.Ordinal))
                {
                    int start = NewTaskPrefix.Length, end = start;
                    while (end < frame.Length && char.IsAsciiDigit(frame[end])) end++;
                    _fanOut.Delivered(int.Parse(frame.AsSpan(start, end - start)), now);
                }
                else if (frame == "42/tasks,[\"sync\"]") _synced.TrySetResult();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _synced.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open)
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException) { }
        _ws.Dispose();
        try { await _reader; } catch (Exception) { }
    }
}
