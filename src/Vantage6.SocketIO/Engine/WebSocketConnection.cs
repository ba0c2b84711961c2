using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Vantage6.SocketIO.Engine;

/// <summary>One whole message from the client: text, or binary bytes; <see cref="Error"/> ends the connection.</summary>
internal readonly record struct WebSocketMessage(string Text, byte[]? Binary, WebSocketError Error = WebSocketError.None);

internal enum WebSocketError { None, TooLarge, Protocol, InvalidText }

/// <summary>What <see cref="WebSocketConnection.TryRead"/> found.</summary>
internal enum WebSocketReadStatus { NeedMore, Message, Control, Closed, Failed }

/// <summary>
/// The server side of RFC 6455 on the stream of an upgraded HTTP/1.1 request. Why our own: a frame
/// is written as one pre-encoded array (a broadcast encodes it once for all sockets; server frames are
/// not masked), writes go straight to the connection's output, and an idle connection waits with a
/// zero-byte read, holding no buffer. No extensions, no subprotocols; client pings are answered.
/// Writes of whole frames may come from several threads: each is one locked write on the connection.
/// </summary>
internal sealed class WebSocketConnection
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const int ReadChunk = 4096;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private static readonly byte[] NormalClosure = Frame(Opcode.Close, [0x03, 0xE8]);

    private readonly WebSocketTransport _transport;
    // Bytes received but not yet parsed: rented only while some are pending.
    private byte[]? _buffer;
    private int _start, _end;
    // A fragmented message being put together.
    private MemoryStream? _fragments;
    private bool _fragmentsBinary;
    private int _closeSent;
    private int _ended;

    internal WebSocketConnection(WebSocketTransport transport) => _transport = transport;

    internal enum Opcode : byte { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 }

    /// <summary>An HTTP/1.1 GET asking to switch to the websocket protocol.</summary>
    public static bool IsUpgradeRequest(HttpContext context)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } || !HttpMethods.IsGet(context.Request.Method))
            return false;
        var headers = context.Request.Headers;
        return HasToken(headers.Connection, "upgrade") && HasToken(headers.Upgrade, "websocket");
    }

    /// <summary>Answers the handshake (101) and returns the connection; null after a 400 for a bad handshake.</summary>
    public static async Task<WebSocketConnection?> AcceptAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        string key = headers.SecWebSocketKey.ToString();
        if (headers.SecWebSocketVersion.ToString() != "13" || !IsValidKey(key))
        {
            context.Response.StatusCode = 400;
            context.Response.Headers.SecWebSocketVersion = "13";
            return null;
        }
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = AcceptKey(key);
        var stream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
        return new WebSocketConnection(new UpgradedStreamTransport(context, stream));
    }

    private static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    /// <summary>The 101 answer to a handshake read from a bare connection.</summary>
    public static byte[] SwitchingProtocols(string key) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {AcceptKey(key)}\r\n\r\n");

    internal static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return Convert.TryFromBase64String(key, decoded, out int length) && length == 16;
    }

    internal static bool HasToken(Microsoft.Extensions.Primitives.StringValues values, string token)
    {
        foreach (var value in values)
            foreach (var part in (value ?? "").Split(','))
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    // ---- writing ----

    /// <summary>A whole unmasked frame with FIN set.</summary>
    public static byte[] Frame(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength(payload.Length) + payload.Length];
        int header = WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>A whole text frame, encoded straight into the frame array.</summary>
    public static byte[] TextFrame(string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        var frame = new byte[HeaderLength(length) + length];
        int header = WriteHeader(frame, Opcode.Text, length);
        Encoding.UTF8.GetBytes(text, frame.AsSpan(header));
        return frame;
    }

    private static int HeaderLength(int payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    private static int WriteHeader(Span<byte> frame, Opcode opcode, int length)
    {
        frame[0] = (byte)(0x80 | (byte)opcode);
        if (length < 126)
        {
            frame[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)length);
            return 4;
        }
        frame[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(frame[2..], (ulong)length);
        return 10;
    }

    /// <summary>Writes one whole frame; usually completes at once (the connection's send loop does the I/O).</summary>
    public ValueTask WriteAsync(byte[] frame) => _transport.WriteAsync(frame);

    /// <summary>Waits (a bounded time) until the frames written so far have left.</summary>
    public ValueTask DrainAsync() => _transport.DrainAsync();

    /// <summary>Starts the closing handshake (once) with a status code; the client answers with its close frame.</summary>
    public async ValueTask CloseAsync(ushort status = 1000)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0) return;
        await WriteAsync(status == 1000 ? NormalClosure : Frame(Opcode.Close, [(byte)(status >> 8), (byte)status]));
    }

    /// <summary><see cref="CloseAsync"/> for callers that cannot wait: a connection already gone is no error here.</summary>
    public async Task CloseQuietlyAsync(ushort status)
    {
        try { await CloseAsync(status); }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException) { }
    }

    /// <summary>Our close frame is written (the closing handshake started or was answered).</summary>
    public bool CloseSent => Volatile.Read(ref _closeSent) != 0;

    /// <summary>Drops the TCP connection, unless its request already ended; a pending receive ends.</summary>
    public void Abort()
    {
        if (Volatile.Read(ref _ended) == 0) _transport.Abort();
    }

    // ---- reading ----
    // The caller's loop owns the awaits (TryRead, then WaitForDataAsync/ReadAsync when more is needed),
    // so a connection keeps no async frame of its own between messages.

    private enum FrameStatus { NeedMore, Complete, TooLarge, Invalid }

    private readonly record struct ClientFrame(Opcode Opcode, bool Fin, ReadOnlyMemory<byte> Payload);

    /// <summary>
    /// Takes the next frame from the bytes received so far. <paramref name="reply"/> is a frame the caller
    /// must write before reading on (a pong, or the close frame that answers a close or reports a failure).
    /// </summary>
    public WebSocketReadStatus TryRead(int limit, out WebSocketMessage message, out byte[]? reply, out int needed)
    {
        message = default;
        reply = null;
        var status = TryTakeFrame(limit, out var frame, out needed);
        if (status == FrameStatus.NeedMore) return WebSocketReadStatus.NeedMore;
        if (status != FrameStatus.Complete) return Fail(status == FrameStatus.TooLarge ? WebSocketError.TooLarge : WebSocketError.Protocol, out message, out reply);
        switch (frame.Opcode)
        {
            case Opcode.Ping:
                reply = Frame(Opcode.Pong, frame.Payload.Span);
                return WebSocketReadStatus.Control;
            case Opcode.Pong:
                return WebSocketReadStatus.Control;
            case Opcode.Close:
                // Echo the client's status code, unless our own close frame went first.
                if (Interlocked.Exchange(ref _closeSent, 1) == 0)
                    reply = Frame(Opcode.Close, frame.Payload.Length >= 2 ? frame.Payload.Span[..2] : []);
                return WebSocketReadStatus.Closed;
        }
        // Data: a whole frame, or the fragments of one message (control frames may come in between).
        if ((frame.Opcode == Opcode.Continuation) != (_fragments is not null)) return Fail(WebSocketError.Protocol, out message, out reply);
        byte[] payload;
        bool binary;
        if (frame.Fin && _fragments is null)
        {
            payload = frame.Payload.Span.ToArray();
            binary = frame.Opcode == Opcode.Binary;
        }
        else
        {
            if (_fragments is null)
            {
                _fragments = new MemoryStream();
                _fragmentsBinary = frame.Opcode == Opcode.Binary;
            }
            _fragments.Write(frame.Payload.Span);
            if (!frame.Fin) return WebSocketReadStatus.Control;
            payload = _fragments.ToArray();
            binary = _fragmentsBinary;
            _fragments = null;
        }
        if (binary)
        {
            message = new WebSocketMessage("", payload);
            return WebSocketReadStatus.Message;
        }
        try { message = new WebSocketMessage(StrictUtf8.GetString(payload), null); }
        catch (DecoderFallbackException) { return Fail(WebSocketError.InvalidText, out message, out reply); }
        return WebSocketReadStatus.Message;
    }

    // The status codes of RFC 6455 §7.4.1: protocol error, invalid payload data, message too big.
    private WebSocketReadStatus Fail(WebSocketError error, out WebSocketMessage message, out byte[]? reply)
    {
        message = new WebSocketMessage("", null, error);
        ushort status = error switch { WebSocketError.TooLarge => 1009, WebSocketError.InvalidText => 1007, _ => 1002 };
        reply = Interlocked.Exchange(ref _closeSent, 1) == 0 ? Frame(Opcode.Close, [(byte)(status >> 8), (byte)status]) : null;
        return WebSocketReadStatus.Failed;
    }

    /// <summary>Nothing received is pending: the caller should wait with <see cref="WaitForDataAsync"/>.</summary>
    public bool IsDrained => _start == _end;

    /// <summary>Waits for data without a buffer (zero-byte read): thousands of idle sockets hold nothing here.</summary>
    public ValueTask<int> WaitForDataAsync()
    {
        ReleaseBuffer();
        return _transport.ReadAsync(Memory<byte>.Empty);
    }

    /// <summary>Reads more bytes into the pending buffer, with room for at least <paramref name="needed"/> pending bytes; 0 at the end.</summary>
    public ValueTask<int> ReadAsync(int needed)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ReadChunk, needed));
            _start = _end = 0;
        }
        else if (_buffer.Length - _start < needed)
        {
            var larger = needed > _buffer.Length ? ArrayPool<byte>.Shared.Rent(Math.Max(needed, ReadChunk)) : _buffer;
            Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
            if (!ReferenceEquals(larger, _buffer)) ArrayPool<byte>.Shared.Return(_buffer);
            (_buffer, _end, _start) = (larger, _end - _start, 0);
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _start) = (_end - _start, 0);
        }
        return _transport.ReadAsync(_buffer.AsMemory(_end));
    }

    /// <summary>Adds what <see cref="ReadAsync"/> read to the pending bytes.</summary>
    public void Commit(int read) => _end += read;

    /// <summary>Parses one frame from the pending bytes, unmasking its payload in place.</summary>
    private FrameStatus TryTakeFrame(int limit, out ClientFrame frame, out int needed)
    {
        frame = default;
        needed = 2;
        int available = _end - _start;
        if (available < 2) return FrameStatus.NeedMore;
        var span = _buffer.AsSpan(_start, available);
        bool fin = (span[0] & 0x80) != 0;
        var opcode = (Opcode)(span[0] & 0x0F);
        // No extension was negotiated, so reserved bits must be clear; client frames must be masked.
        if ((span[0] & 0x70) != 0 || (span[1] & 0x80) == 0) return FrameStatus.Invalid;
        if (opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
            return FrameStatus.Invalid;
        int length7 = span[1] & 0x7F;
        needed = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
        if (available < needed) return FrameStatus.NeedMore;
        ulong length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(span[2..]),
            127 => BinaryPrimitives.ReadUInt64BigEndian(span[2..]),
            _ => (ulong)length7,
        };
        bool control = opcode >= Opcode.Close;
        if (control && (!fin || length > 125)) return FrameStatus.Invalid;
        if (!control && length + (ulong)(_fragments?.Length ?? 0) > (ulong)limit) return FrameStatus.TooLarge;
        int header = needed;
        needed = header + (int)length;
        if (available < needed) return FrameStatus.NeedMore;
        var mask = span.Slice(header - 4, 4);
        var data = span.Slice(header, (int)length);
        for (int i = 0; i < data.Length; i++) data[i] ^= mask[i & 3];
        frame = new ClientFrame(opcode, fin, _buffer.AsMemory(_start + header, (int)length));
        _start += needed;
        return FrameStatus.Complete;
    }

    private void ReleaseBuffer()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _start = _end = 0;
    }

    /// <summary>Returns the read buffer; call when the read loop has ended (the request ends with it).</summary>
    public void Dispose()
    {
        Volatile.Write(ref _ended, 1);
        ReleaseBuffer();
    }
}
