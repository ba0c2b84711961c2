using System.Net.Sockets;

namespace Vantage6.SocketIO.Engine;

/// <summary>
/// The output of a taken-over connection written straight to its socket: a frame goes out with one
/// non-blocking send on the writer's thread; only what the kernel does not take at once waits in a
/// backlog, sent in order by one async sender. Why not the connection's output pipe: a broadcast writes
/// one small frame to thousands of sockets, and through the pipe each of them would rent a 4 KB buffer
/// and wait for a send on another thread; the memory pool then keeps thousands of buffers after every
/// fan-out. Here a fan-out costs one system call per socket and no buffer at all.
/// The connection's own send loop stays idle: nothing else writes to this connection once it is ours.
/// </summary>
internal sealed class DirectSocketOutput
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private readonly Socket _socket;
    private readonly Lock _gate = new();
    // Frames (or the unsent rest of one) the kernel did not take yet; created at the first partial send.
    private Queue<ReadOnlyMemory<byte>>? _backlog;
    private Task? _sending;
    private bool _failed;

    public DirectSocketOutput(Socket socket)
    {
        _socket = socket;
        // Synchronous sends return at once when the kernel buffer is full (the rest goes to the backlog).
        _socket.Blocking = false;
    }

    public ValueTask WriteAsync(byte[] frame)
    {
        lock (_gate)
        {
            if (_failed) return ValueTask.FromException(new IOException("the connection is closed"));
            if (_sending is { } pending)
            {
                _backlog!.Enqueue(frame);
                return new ValueTask(pending);
            }
            int sent = TrySend(frame);
            if (sent < 0) return ValueTask.FromException(new IOException("the connection is closed"));
            if (sent == frame.Length) return default;
            (_backlog ??= new Queue<ReadOnlyMemory<byte>>()).Enqueue(frame.AsMemory(sent));
            var sending = SendBacklogAsync();
            // Finished at once (the kernel took the rest meanwhile): nothing stays pending.
            _sending = sending.IsCompleted ? null : sending;
            return new ValueTask(sending);
        }
    }

    /// <summary>Waits (a bounded time) until the backlog is sent, so the connection does not end before its last frames.</summary>
    public async ValueTask DrainAsync()
    {
        Task? pending;
        lock (_gate) pending = _sending;
        if (pending is null) return;
        try { await pending.WaitAsync(DrainTimeout); }
        catch (Exception ex) when (ex is IOException or TimeoutException or SocketException or ObjectDisposedException) { }
    }

    // Bytes taken by the kernel (possibly fewer than offered), or -1 once the connection has failed.
    private int TrySend(ReadOnlySpan<byte> bytes)
    {
        try
        {
            int sent = _socket.Send(bytes, SocketFlags.None, out var error);
            if (error is SocketError.Success or SocketError.WouldBlock) return sent;
        }
        catch (ObjectDisposedException) { }
        _failed = true;
        return -1;
    }

    // The one sender of the backlog (called with the gate held; continues without it).
    private async Task SendBacklogAsync()
    {
        while (true)
        {
            ReadOnlyMemory<byte> next;
            lock (_gate)
            {
                if (!_backlog!.TryPeek(out next))
                {
                    _sending = null;
                    return;
                }
            }
            try
            {
                // An async send on a stream socket completes when every byte is sent.
                await _socket.SendAsync(next, SocketFlags.None);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                lock (_gate)
                {
                    _failed = true;
                    _backlog.Clear();
                    _sending = null;
                }
                throw new IOException("the connection is closed", ex);
            }
            lock (_gate) _backlog.Dequeue();
        }
    }
}
