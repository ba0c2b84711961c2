namespace Vantage6.SocketIO.Engine;

public enum EngineTransportState { Polling, Upgrading, WebSocket, Closing, Closed }

/// <summary>
/// One Engine.IO session: an outbound queue that either a long-poll or the websocket drains, plus
/// heartbeat bookkeeping read by the server's shared sweep. Safe to send from any thread.
/// </summary>
public sealed class EngineSession
{
    private readonly object _gate = new();
    private readonly EngineOptions _options;
    private readonly Action<EngineSession, string> _onClosed;
    private List<EnginePacket> _queue = [];
    private TaskCompletionSource? _pollWaiter;
    private bool _pollActive;
    private bool _draining;
    private WebSocketConnection? _webSocket;
    private long _nextPingAt;
    private long _pongDeadline;
    private long _closingSince;

    internal EngineSession(string id, IReadOnlyDictionary<string, string> headers, string? remoteAddress,
        EngineOptions options, Action<EngineSession, string> onClosed, bool webSocket)
    {
        Id = id;
        Headers = headers;
        RemoteAddress = remoteAddress;
        _options = options;
        _onClosed = onClosed;
        State = webSocket ? EngineTransportState.WebSocket : EngineTransportState.Polling;
        // The first ping comes after a random half to whole interval: sockets that connected together (a
        // server restart, a burst of nodes) are not pinged together, so their pongs do not arrive in one
        // burst every interval. A client only requires a ping within interval + timeout.
        _nextPingAt = Environment.TickCount64 + (long)(options.PingInterval.TotalMilliseconds * (0.5 + Random.Shared.NextDouble() / 2));
    }

    public string Id { get; }
    /// <summary>Headers of the handshake request (the browser cannot repeat them on its websocket).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }
    public string? RemoteAddress { get; }
    public EngineTransportState State { get; private set; }
    /// <summary>Slot for the layer above (the Socket.IO client state).</summary>
    public object? Owner { get; set; }

    /// <summary>Queues a packet; false when the session is closing or closed.</summary>
    public bool Send(EnginePacket packet)
    {
        bool startDrain = false;
        lock (_gate)
        {
            if (State is EngineTransportState.Closing or EngineTransportState.Closed) return false;
            // An idle websocket takes the packet straight away (its queue is empty when no drain runs):
            // a broadcast to thousands of sockets then allocates nothing per socket.
            if (State == EngineTransportState.WebSocket && TryStartDrain()) startDrain = true;
            else
            {
                _queue.Add(packet);
                if (State != EngineTransportState.WebSocket) WakePoll();
            }
        }
        // The write runs on this thread: it only copies the frame into the connection's output (the
        // transport's send loop does the socket I/O), so a broadcast costs about a microsecond per socket
        // and never waits; a connection whose output is full finishes its drain asynchronously.
        if (startDrain) _ = DrainWebSocketAsync(packet);
        return true;
    }

    /// <summary>Ends the session; with <paramref name="notifyClient"/> a close packet is flushed first.</summary>
    public void Close(string reason, bool notifyClient) => Close(reason, notifyClient, abortTransport: true);

    /// <summary>
    /// Ends the session; without <paramref name="abortTransport"/> the websocket is left to finish on its
    /// own (its closing handshake is done and the connection's last frames still have to go out).
    /// </summary>
    internal void Close(string reason, bool notifyClient, bool abortTransport)
    {
        bool startDrain = false;
        WebSocketConnection? abort = null;
        lock (_gate)
        {
            if (State is EngineTransportState.Closing or EngineTransportState.Closed) return;
            if (notifyClient && State != EngineTransportState.Upgrading)
            {
                _queue.Add(EnginePacket.Close);
                if (State == EngineTransportState.WebSocket) startDrain = TryStartDrain();
                State = EngineTransportState.Closing;
                _closingSince = Environment.TickCount64;
            }
            else
            {
                State = EngineTransportState.Closed;
                if (abortTransport) abort = _webSocket;
            }
            WakePoll();
        }
        if (startDrain) _ = DrainWebSocketAsync();
        abort?.Abort();
        _onClosed(this, reason);
    }

    internal void OnPong()
    {
        lock (_gate)
        {
            _pongDeadline = 0;
            _nextPingAt = Environment.TickCount64 + (long)_options.PingInterval.TotalMilliseconds;
        }
    }

    /// <summary>Heartbeat step, run by the shared sweep: ping when due, close when the pong is late.</summary>
    internal void Tick(long now)
    {
        bool timedOut = false, ping = false, expired = false;
        lock (_gate)
        {
            if (State == EngineTransportState.Closing)
                expired = now - _closingSince > (long)_options.PingTimeout.TotalMilliseconds;
            else if (State == EngineTransportState.Closed) return;
            else if (_pongDeadline != 0) timedOut = now > _pongDeadline;
            else if (now >= _nextPingAt)
            {
                ping = true;
                _pongDeadline = now + (long)_options.PingTimeout.TotalMilliseconds;
            }
        }
        if (expired) Finish();
        else if (timedOut) Close(CloseReasons.PingTimeout, notifyClient: false);
        else if (ping) Send(EnginePacket.Ping);
    }

    // ---- polling ----

    internal bool TryBeginPoll()
    {
        lock (_gate)
        {
            if (_pollActive) return false;
            _pollActive = true;
            return true;
        }
    }

    /// <summary>Waits for queued packets (or a state change) and takes at most the poll limit.</summary>
    internal async Task<List<EnginePacket>> TakeForPollAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                Task wait;
                lock (_gate)
                {
                    if (_queue.Count > 0 && State is EngineTransportState.Polling or EngineTransportState.Closing)
                    {
                        int n = Math.Min(_queue.Count, _options.MaxPacketsPerPoll);
                        var taken = _queue.GetRange(0, n);
                        _queue.RemoveRange(0, n);
                        return taken;
                    }
                    // A session that ended without a close packet has nothing to say: the caller answers 400.
                    if (State == EngineTransportState.Closed) return [];
                    if (State != EngineTransportState.Polling) return [EnginePacket.Noop];
                    _pollWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _pollWaiter.Task;
                }
                await wait.WaitAsync(ct);
            }
        }
        finally
        {
            lock (_gate) _pollActive = false;
        }
    }

    /// <summary>Called after a poll delivered a close packet: the session is gone for good.</summary>
    internal void Finish()
    {
        lock (_gate)
        {
            if (State == EngineTransportState.Closed) return;
            State = EngineTransportState.Closed;
            WakePoll();
        }
        _webSocket?.Abort();
    }

    private void WakePoll()
    {
        var waiter = _pollWaiter;
        _pollWaiter = null;
        waiter?.TrySetResult();
    }

    // ---- websocket ----

    /// <summary>The probe succeeded: polls are answered with noop until the upgrade completes.</summary>
    internal bool BeginUpgrade()
    {
        lock (_gate)
        {
            if (State != EngineTransportState.Polling) return false;
            State = EngineTransportState.Upgrading;
            WakePoll();
            return true;
        }
    }

    /// <summary>Upgrade failed: keep the session on polling.</summary>
    internal void AbandonUpgrade()
    {
        lock (_gate)
            if (State == EngineTransportState.Upgrading) State = EngineTransportState.Polling;
    }

    /// <summary>Switches output to the websocket and flushes what was queued meanwhile.</summary>
    internal bool AttachWebSocket(WebSocketConnection webSocket)
    {
        bool startDrain;
        lock (_gate)
        {
            if (State is not (EngineTransportState.Upgrading or EngineTransportState.WebSocket)) return false;
            State = EngineTransportState.WebSocket;
            _webSocket = webSocket;
            startDrain = _queue.Count > 0 && TryStartDrain();
        }
        if (startDrain) _ = DrainWebSocketAsync();
        return true;
    }

    // Clients close their side when they read the close packet; closing ours at once could make
    // them see a dropped transport before they handled the packets that came just before it.
    private static async Task CloseWebSocketLaterAsync(WebSocketConnection ws)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        try { await ws.CloseAsync(); }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException) { return; }
        // A client that never answers the close frame does not keep its connection.
        await Task.Delay(TimeSpan.FromSeconds(5));
        ws.Abort();
    }

    private bool TryStartDrain()
    {
        if (_draining || _webSocket is null) return false;
        _draining = true;
        return true;
    }

    // One drainer at a time keeps packets in order without a writer task per connection.
    private async Task DrainWebSocketAsync(EnginePacket? first = null)
    {
        var ws = _webSocket!;
        try
        {
            if (first is { } direct) await ws.WriteAsync(direct.Frame ?? direct.EncodeFrame());
            while (true)
            {
                List<EnginePacket> batch;
                lock (_gate)
                {
                    if (_queue.Count == 0) { _draining = false; return; }
                    batch = _queue;
                    _queue = [];
                }
                foreach (var packet in batch)
                {
                    await ws.WriteAsync(packet.Frame ?? packet.EncodeFrame());
                    if (packet.Type == EnginePacketType.Close)
                    {
                        lock (_gate) { State = EngineTransportState.Closed; _draining = false; }
                        _ = CloseWebSocketLaterAsync(ws);
                        return;
                    }
                }
            }
        }
        catch (Exception)
        {
            lock (_gate) _draining = false;
            Close(CloseReasons.TransportError, notifyClient: false);
        }
    }
}
