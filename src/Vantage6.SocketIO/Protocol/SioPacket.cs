using System.Text.Json;

namespace Vantage6.SocketIO.Protocol;

public enum SioPacketType { Connect = 0, Disconnect = 1, Event = 2, Ack = 3, ConnectError = 4, BinaryEvent = 5, BinaryAck = 6 }

/// <summary>A Socket.IO v5 packet: type, namespace, optional ack id and JSON data.</summary>
public sealed record SioPacket(SioPacketType Type, string Namespace, long? AckId, JsonElement? Data)
{
    /// <summary>Parses the data of an Engine.IO message; false for malformed or binary packets.</summary>
    public static bool TryParse(string text, out SioPacket packet)
    {
        packet = null!;
        if (text.Length == 0 || text[0] is < '0' or > '6') return false;
        var type = (SioPacketType)(text[0] - '0');
        if (type is SioPacketType.BinaryEvent or SioPacketType.BinaryAck) return false;
        int i = 1;
        string ns = "/";
        if (i < text.Length && text[i] == '/')
        {
            int comma = text.IndexOf(',', i);
            int end = comma < 0 ? text.Length : comma;
            ns = text[i..end];
            int query = ns.IndexOf('?');
            if (query >= 0) ns = ns[..query];
            i = comma < 0 ? text.Length : comma + 1;
        }
        long? ackId = null;
        int digits = i;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits > i)
        {
            if (!long.TryParse(text.AsSpan(i, digits - i), out var id)) return false;
            ackId = id;
            i = digits;
        }
        JsonElement? data = null;
        if (i < text.Length)
        {
            try
            {
                using var doc = JsonDocument.Parse(text.AsMemory(i));
                data = doc.RootElement.Clone();
            }
            catch (JsonException) { return false; }
        }
        packet = new SioPacket(type, ns, ackId, data);
        return true;
    }

    /// <summary>Encodes a packet; <paramref name="json"/> is already serialized (or null for none).</summary>
    public static string Encode(SioPacketType type, string ns, long? ackId, string? json)
    {
        var prefix = ns == "/" ? "" : ns + ",";
        return $"{(int)type}{prefix}{ackId}{json}";
    }
}
