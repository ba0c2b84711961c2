using System.Text;

namespace Vantage6.SocketIO.Engine;

public enum EnginePacketType { Open = 0, Close = 1, Ping = 2, Pong = 3, Message = 4, Upgrade = 5, Noop = 6 }

/// <summary>One Engine.IO packet; <see cref="Binary"/> message packets carry raw bytes instead of text.</summary>
public readonly record struct EnginePacket(EnginePacketType Type, string Text, byte[]? Binary = null)
{
    public static EnginePacket Message(string text) => new(EnginePacketType.Message, text);
    public static readonly EnginePacket Ping = new(EnginePacketType.Ping, "");
    public static readonly EnginePacket Noop = new(EnginePacketType.Noop, "");
    public static readonly EnginePacket Close = new(EnginePacketType.Close, "");

    /// <summary>The whole websocket frame, when encoded once for a packet that goes to many sockets.</summary>
    public byte[]? Frame { get; init; }

    /// <summary>This packet with its websocket frame encoded now, so a broadcast encodes it once, not per socket.</summary>
    public EnginePacket WithFrame() => this with { Frame = EncodeFrame() };

    /// <summary>The websocket frame: binary messages as binary frames, everything else as text.</summary>
    internal byte[] EncodeFrame() => Binary is { } bytes
        ? WebSocketConnection.Frame(WebSocketConnection.Opcode.Binary, bytes)
        : WebSocketConnection.TextFrame(Encode());

    /// <summary>Text form: type digit followed by the data.</summary>
    public string Encode() => Binary is null ? (char)('0' + (int)Type) + Text : "b" + Convert.ToBase64String(Binary);

    /// <summary>Decodes one text packet; a leading 'b' marks base64 binary (polling form).</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out EnginePacket packet)
    {
        packet = default;
        if (text.IsEmpty) return false;
        if (text[0] == 'b')
        {
            var bytes = new byte[text.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64Chars(text[1..], bytes, out int written)) return false;
            packet = new EnginePacket(EnginePacketType.Message, "", bytes[..written]);
            return true;
        }
        int digit = text[0] - '0';
        if (digit is < 0 or > 6) return false;
        packet = new EnginePacket((EnginePacketType)digit, text[1..].ToString());
        return true;
    }
}

/// <summary>The polling payload format: packets joined by the record separator.</summary>
public static class EnginePayload
{
    public const char Separator = '\x1e';

    public static string Encode(IEnumerable<EnginePacket> packets) =>
        string.Join(Separator, packets.Select(p => p.Encode()));

    public static bool TryDecode(string body, out List<EnginePacket> packets)
    {
        packets = [];
        foreach (var part in body.Split(Separator))
        {
            if (!EnginePacket.TryDecode(part, out var p)) return false;
            packets.Add(p);
        }
        return true;
    }

    internal static readonly Encoding Utf8 = new UTF8Encoding(false);
}
