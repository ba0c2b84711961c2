using System.Collections.Concurrent;

namespace Vantage6.SocketIO.Hub;

/// <summary>A namespace: its handlers, its sockets on this instance and their rooms.</summary>
public sealed class SocketNamespace
{
    private readonly ConcurrentDictionary<string, Func<Socket, SocketEvent, Task>> _handlers = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Socket, byte>> _rooms = new();
    private readonly ConcurrentDictionary<string, Socket> _sockets = new();

    internal SocketNamespace(SocketServer server, string name)
    {
        Server = server;
        Name = name;
    }

    public SocketServer Server { get; }
    public string Name { get; }
    /// <summary>Decides whether a CONNECT is accepted (before the ack); null accepts all.</summary>
    public Func<Socket, ValueTask<bool>>? Authorize { get; set; }
    /// <summary>Runs after the CONNECT ack was sent.</summary>
    public Func<Socket, Task>? OnConnection { get; set; }
    /// <summary>Runs after the socket left its rooms, with the disconnect reason.</summary>
    public Func<Socket, string, Task>? OnDisconnect { get; set; }
    /// <summary>Runs for events without a handler of their own.</summary>
    public Func<Socket, SocketEvent, Task>? OnAny { get; set; }

    public SocketNamespace On(string eventName, Func<Socket, SocketEvent, Task> handler)
    {
        _handlers[eventName] = handler;
        return this;
    }

    public int LocalSocketCount => _sockets.Count;
    public Socket? GetLocalSocket(string id) => _sockets.GetValueOrDefault(id);

    public BroadcastOperator To(string room) => new(this, [room], []);
    public BroadcastOperator Except(string room) => new(this, [], [room]);
    /// <summary>Sends to every socket of the namespace on every instance.</summary>
    public Task EmitAsync(string eventName, params object?[] args) => new BroadcastOperator(this, [], []).EmitAsync(eventName, args);

    internal Func<Socket, SocketEvent, Task>? HandlerFor(string eventName) => _handlers.GetValueOrDefault(eventName) ?? OnAny;

    internal void Add(Socket socket)
    {
        _sockets[socket.Id] = socket;
        socket.Join(socket.Id);
    }

    internal bool Remove(Socket socket)
    {
        if (!_sockets.TryRemove(socket.Id, out _)) return false;
        socket.LeaveAll();
        return true;
    }

    internal void AddToRoom(string room, Socket socket) =>
        _rooms.GetOrAdd(room, _ => new ConcurrentDictionary<Socket, byte>())[socket] = 0;

    internal void RemoveFromRoom(string room, Socket socket)
    {
        if (!_rooms.TryGetValue(room, out var members)) return;
        members.TryRemove(socket, out _);
        if (members.IsEmpty) _rooms.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Socket, byte>>(room, members));
    }

    /// <summary>Delivers a broadcast to the matching sockets of this instance, each once.</summary>
    internal void DeliverLocal(BroadcastMessage message)
    {
        var packet = Engine.EnginePacket.Message(message.Packet).WithTextFrame();
        IEnumerable<Socket> targets = message.Rooms.Count == 0
            ? _sockets.Values
            : message.Rooms.Count == 1
                ? Members(message.Rooms[0])
                : message.Rooms.SelectMany(Members).Distinct();
        foreach (var socket in targets)
        {
            if (message.ExceptRooms.Count > 0 && message.ExceptRooms.Any(r => IsMember(r, socket))) continue;
            socket.Session.Send(packet);
        }
    }

    private IEnumerable<Socket> Members(string room)
    {
        var own = _sockets.GetValueOrDefault(room);
        if (!_rooms.TryGetValue(room, out var members)) return own is null ? [] : [own];
        return own is null ? members.Keys : members.Keys.Append(own).Distinct();
    }

    private bool IsMember(string room, Socket socket) =>
        socket.Id == room || (_rooms.TryGetValue(room, out var members) && members.ContainsKey(socket));
}
