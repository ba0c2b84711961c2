using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
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
/// <c>/tasks</c> CONNECT, heartbeat answers, and a timestamp for every <c>new_task</c>. Written on a
/// bare TCP socket (handshake and frames by hand) so that the clients, which share the machine with
/// the measured server, use as little CPU as a client can.
/// </summary>
public sealed class NodeClient : IAsyncDisposable
{
    private static readonly byte[] NewTaskPrefix = "42/tasks,[\"new_task\",{\"id\":"u8.ToArray();
    private static readonly byte[] Sync = "42/tasks,[\"sync\"]"u8.ToArray();
    private readonly System.Net.Sockets.Socket _socket = new(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
    private readonly FanOut _fanOut;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _reader = Task.CompletedTask;

    private NodeClient(FanOut fanOut) => _fanOut = fanOut;

    public static async Task<NodeClient> ConnectAsync(Uri socketUri, string token, FanOut fanOut)
    {
        var client = new NodeClient(fanOut);
        await client._socket.ConnectAsync(socketUri.Host, socketUri.Port);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await client._socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET {socketUri.PathAndQuery} HTTP/1.1\r\nHost: {socketUri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"));
        var buffer = new byte[2048];
        int filled = 0, headerEnd;
        while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            int read = await client._socket.ReceiveAsync(buffer.AsMemory(filled));
            if (read == 0) throw new IOException("the server closed during the handshake");
            filled += read;
        }
        if (!buffer.AsSpan().StartsWith("HTTP/1.1 101"u8)) throw new IOException("no websocket: " + Encoding.ASCII.GetString(buffer, 0, headerEnd));
        // Frames that came with the handshake answer stay in the buffer for the reader.
        filled -= headerEnd + 4;
        Buffer.BlockCopy(buffer, headerEnd + 4, buffer, 0, filled);
        client._reader = client.ReadAsync(buffer, filled);
        await client.SendAsync("40/tasks,{}"u8.ToArray());
        await client._synced.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return client;
    }

    /// <summary>A masked text frame (payloads here are short).</summary>
    private async Task SendAsync(byte[] payload, int opcode = 1)
    {
        var frame = new byte[6 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.Length);
        RandomNumberGenerator.Fill(frame.AsSpan(2, 4));
        for (int i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ frame[2 + (i & 3)]);
        await _sendLock.WaitAsync();
        try { await _socket.SendAsync(frame); }
        finally { _sendLock.Release(); }
    }

    private async Task ReadAsync(byte[] buffer, int filled)
    {
        try
        {
            while (true)
            {
                int start = 0;
                // Whole frames in the buffer: server frames are unmasked, short here (7-bit or 16-bit length).
                while (filled - start >= 2)
                {
                    int length = buffer[start + 1] & 0x7F, header = 2;
                    if (length == 126)
                    {
                        if (filled - start < 4) break;
                        length = buffer[start + 2] << 8 | buffer[start + 3];
                        header = 4;
                    }
                    else if (length == 127) throw new IOException("unexpectedly long frame");
                    if (filled - start < header + length) break;
                    OnFrame(buffer[start] & 0x0F, buffer.AsSpan(start + header, length));
                    start += header + length;
                }
                filled -= start;
                Buffer.BlockCopy(buffer, start, buffer, 0, filled);
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                int read = await _socket.ReceiveAsync(buffer.AsMemory(filled));
                if (read == 0) return;
                filled += read;
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _synced.TrySetException(e);
        }
    }

    private void OnFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        if (opcode != 1) return;
        if (payload.SequenceEqual("2"u8)) _ = SendAsync("3"u8.ToArray());
        else if (payload.StartsWith(NewTaskPrefix))
        {
            long now = Stopwatch.GetTimestamp();
            int id = 0;
            foreach (var b in payload[NewTaskPrefix.Length..])
            {
                if (b is < (byte)'0' or > (byte)'9') break;
                id = id * 10 + (b - '0');
            }
            _fanOut.Delivered(id, now);
        }
        else if (payload.SequenceEqual(Sync)) _synced.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        try { await SendAsync([0x03, 0xE8], opcode: 8).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException) { }
        try { _socket.Shutdown(System.Net.Sockets.SocketShutdown.Send); }
        catch (System.Net.Sockets.SocketException) { }
        try { await _reader.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _socket.Dispose();
    }
}
