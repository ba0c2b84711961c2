using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Vantage6.SocketIO.Engine;

/// <summary>
/// The bytes under a websocket: reads into a buffer, writes of whole frames (from any thread, each
/// frame kept whole), and a way to drop the connection.
/// </summary>
internal abstract class WebSocketTransport
{
    /// <summary>Reads received bytes; a zero-length buffer waits for data without taking any; 0 at the end.</summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer);
    public abstract ValueTask WriteAsync(byte[] frame);
    public abstract void Abort();
    /// <summary>Waits until frames already written have left (a bounded time): call before the connection ends.</summary>
    public virtual ValueTask DrainAsync() => default;
}

/// <summary>The stream of an upgraded HTTP/1.1 request (Kestrel's HTTP layer serializes the writes).</summary>
internal sealed class UpgradedStreamTransport(HttpContext context, Stream stream) : WebSocketTransport
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer) => stream.ReadAsync(buffer);
    public override ValueTask WriteAsync(byte[] frame) => stream.WriteAsync(frame);
    public override void Abort() => context.Abort();
}

/// <summary>
/// A connection taken over from the HTTP layer before any request was parsed (see
/// <see cref="SocketConnectionMiddleware"/>): reads from the transport pipe, with no per-request state;
/// writes straight to the socket (<see cref="DirectSocketOutput"/>).
/// </summary>
internal sealed class ConnectionTransport(ConnectionContext connection, Socket socket) : WebSocketTransport
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly DirectSocketOutput _output = new(socket);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer) =>
        _input.TryRead(out var result) ? new ValueTask<int>(Take(result, buffer)) : ReadSlowAsync(buffer);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer) => Take(await _input.ReadAsync(), buffer);

    private int Take(ReadResult result, Memory<byte> buffer)
    {
        var data = result.Buffer;
        int count = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        // A zero-byte read only waited: nothing is consumed, so the next read sees the same bytes at once.
        _input.AdvanceTo(data.GetPosition(count));
        return count == 0 && data.IsEmpty && result.IsCompleted ? 0 : count;
    }

    public override ValueTask WriteAsync(byte[] frame) => _output.WriteAsync(frame);

    public override void Abort() => connection.Abort(new ConnectionAbortedException("websocket closed by the server"));

    public override ValueTask DrainAsync() => _output.DrainAsync();
}
