using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Vantage6.SocketIO.Tests.Support;

/// <summary>
/// A websocket client written frame by frame over a TCP socket, so tests can send what a library
/// client never would (unmasked frames, bad UTF-8, interleaved control frames) and see raw answers.
/// </summary>
public sealed class FrameClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private FrameClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 10_000;
    }

    /// <summary>Opens the connection and sends the handshake; returns the client and the server's status line and headers.</summary>
    /// <param name="splitAt">Sends the handshake in two writes, the second after a pause, split at this byte.</param>
    /// <param name="withFirstFrame">Text of a frame sent in the same write as the end of the handshake.</param>
    public static async Task<(FrameClient Client, string Response)> ConnectAsync(string baseUrl, string query, string version = "13",
        int splitAt = 0, string? withFirstFrame = null)
    {
        var uri = new Uri(baseUrl);
        var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var client = new FrameClient(tcp);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET /socket.io/?{query} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(request);
        if (withFirstFrame is not null) bytes = [.. bytes, .. MaskedFrame(1, Encoding.UTF8.GetBytes(withFirstFrame), fin: true, masked: true)];
        if (splitAt > 0)
        {
            await client._stream.WriteAsync(bytes.AsMemory(0, splitAt));
            await Task.Delay(200);
            bytes = bytes[splitAt..];
        }
        await client._stream.WriteAsync(bytes);
        var response = new StringBuilder();
        while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            int b = client._stream.ReadByte();
            if (b < 0) break;
            response.Append((char)b);
        }
        var text = response.ToString();
        if (text.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            if (!text.Contains($"Sec-WebSocket-Accept: {expected}", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException("wrong Sec-WebSocket-Accept: " + text);
        }
        return (client, text);
    }

    /// <summary>Sends one frame; masked unless told otherwise, as a client must.</summary>
    public async Task SendFrameAsync(int opcode, byte[] payload, bool fin = true, bool masked = true) =>
        await _stream.WriteAsync(MaskedFrame(opcode, payload, fin, masked));

    private static byte[] MaskedFrame(int opcode, byte[] payload, bool fin, bool masked)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126) frame.Add((byte)(maskBit | payload.Length));
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.AddRange([(byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }
        var body = (byte[])payload.Clone();
        if (masked)
        {
            var mask = RandomNumberGenerator.GetBytes(4);
            frame.AddRange(mask);
            for (int i = 0; i < body.Length; i++) body[i] ^= mask[i & 3];
        }
        frame.AddRange(body);
        return frame.ToArray();
    }

    public Task SendTextAsync(string text, bool fin = true, int opcode = 1) => SendFrameAsync(opcode, Encoding.UTF8.GetBytes(text), fin);

    /// <summary>The next frame from the server (opcode, payload), or null when the connection ended.</summary>
    public async Task<(int Opcode, byte[] Payload)?> ReceiveFrameAsync()
    {
        var head = await ReadExactlyAsync(2);
        if (head is null) return null;
        if ((head[1] & 0x80) != 0) throw new InvalidOperationException("server frames must not be masked");
        long length = head[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2));
        else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8));
        var payload = length == 0 ? [] : await ReadExactlyAsync((int)length) ?? throw new EndOfStreamException();
        return (head[0] & 0x0F, payload);
    }

    /// <summary>The next text frame, skipping Engine.IO pings.</summary>
    public async Task<string?> ReceiveTextAsync()
    {
        while (await ReceiveFrameAsync() is { } frame)
        {
            if (frame.Opcode != 1) return $"<opcode {frame.Opcode}>";
            var text = Encoding.UTF8.GetString(frame.Payload);
            if (text != "2") return text;
        }
        return null;
    }

    private async Task<byte[]?> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _stream.ReadExactlyAsync(buffer, timeout.Token); }
        catch (EndOfStreamException) { return null; }
        catch (IOException) { return null; }
        return buffer;
    }

    public void Dispose() => _tcp.Dispose();
}
