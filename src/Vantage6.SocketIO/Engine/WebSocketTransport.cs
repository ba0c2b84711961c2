using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
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
/// writes straight to the socket where the transport has one (<see cref="DirectSocketOutput"/>), else
/// to the output pipe.
/// </summary>
internal sealed class ConnectionTransport(ConnectionContext connection) : WebSocketTransport
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private readonly DirectSocketOutput? _direct =
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? new DirectSocketOutput(socket) : null;
    private readonly object _writeGate = new();
    // A flush is under way (the peer reads slowly); frames written meanwhile go out with the next flush.
    private Task? _flushing;

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

    public override ValueTask WriteAsync(byte[] frame)
    {
        if (_direct is not null) return _direct.WriteAsync(frame);
        lock (_writeGate)
        {
            _output.Write(frame);
            if (_flushing is { } pending) return new ValueTask(pending);
            var flush = _output.FlushAsync();
            if (flush.IsCompletedSuccessfully) return default;
            _flushing = FinishFlushAsync(flush);
            return new ValueTask(_flushing);
        }
    }

    // Waits for the slow flush, then flushes what was written meanwhile, until nothing is left.
    private async Task FinishFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            while (true)
            {
                await flush;
                lock (_writeGate)
                {
                    if (_output.UnflushedBytes == 0) { _flushing = null; return; }
                    flush = _output.FlushAsync();
                }
            }
        }
        catch
        {
            lock (_writeGate) _flushing = null;
            throw;
        }
    }

    public override void Abort() => connection.Abort(new ConnectionAbortedException("websocket closed by the server"));

    // The output pipe is flushed by the connection itself when it ends; the socket's backlog is ours.
    public override ValueTask DrainAsync() => _direct?.DrainAsync() ?? default;
}
