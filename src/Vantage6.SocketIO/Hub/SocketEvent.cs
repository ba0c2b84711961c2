using System.Text.Json;
using Vantage6.SocketIO.Engine;
using Vantage6.SocketIO.Protocol;

namespace Vantage6.SocketIO.Hub;

/// <summary>An event received from a client, with its arguments and (if requested) a way to acknowledge it.</summary>
public sealed class SocketEvent
{
    private readonly Socket _socket;
    private int _acked;

    internal SocketEvent(Socket socket, string name, JsonElement[] args, long? ackId)
    {
        _socket = socket;
        Name = name;
        Args = args;
        AckId = ackId;
    }

    public string Name { get; }
    public JsonElement[] Args { get; }
    public long? AckId { get; }
    public bool AckRequested => AckId is not null;

    /// <summary>Answers the client's acknowledgement request (once; later calls are ignored).</summary>
    public void Ack(params object?[] args)
    {
        if (AckId is null || Interlocked.Exchange(ref _acked, 1) == 1) return;
        var json = _socket.Namespace.Server.SerializeArgs(null, args);
        _socket.Session.Send(EnginePacket.Message(SioPacket.Encode(SioPacketType.Ack, _socket.Namespace.Name, AckId, json)));
    }
}
