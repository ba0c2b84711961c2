using System.Collections.Concurrent;

namespace Vantage6.SocketIO.Hub;

/// <summary>A namespace: its handlers, its sockets on this instance and their rooms.</summary>
public sealed class SocketNamespace
{
    private readonly ConcurrentDictionary<string, Func<Socket, SocketEvent, Task>> _handlers = new();
    private readonly ConcurrentDictionary<string, Room> _rooms = new();
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

    internal void AddToRoom(string room, Socket socket)
    {
        // A room that empties is retired and removed; a join that raced with that takes a new one.
        while (true)
        {
            var members = _rooms.GetOrAdd(room, static _ => new Room());
            if (members.TryAdd(socket)) return;
            _rooms.TryRemove(new KeyValuePair<string, Room>(room, members));
        }
    }

    internal void RemoveFromRoom(string room, Socket socket)
    {
        if (_rooms.TryGetValue(room, out var members) && members.RemoveAndRetireIfEmpty(socket))
            _rooms.TryRemove(new KeyValuePair<string, Room>(room, members));
    }

    /// <summary>Delivers a broadcast to the matching sockets of this instance, each once.</summary>
    internal void DeliverLocal(BroadcastMessage message)
    {
        var packet = Engine.EnginePacket.Message(message.Packet).WithFrame();
        if (message.Rooms.Count == 0)
        {
            foreach (var (_, socket) in _sockets) SendUnlessExcepted(socket);
        }
        else if (message.Rooms.Count == 1)
        {
            foreach (var socket in Members(message.Rooms[0])) SendUnlessExcepted(socket);
        }
        else
        {
            var seen = new HashSet<Socket>();
            foreach (var room in message.Rooms)
                foreach (var socket in Members(room))
                    if (seen.Add(socket)) SendUnlessExcepted(socket);
        }

        void SendUnlessExcepted(Socket socket)
        {
            var except = message.ExceptRooms;
            for (int i = 0; i < except.Count; i++)
                if (IsMember(except[i], socket)) return;
            socket.Session.Send(packet);
        }
    }

    /// <summary>The sockets of a room, including the socket whose private room it is.</summary>
    private Socket[] Members(string room)
    {
        var members = _rooms.TryGetValue(room, out var r) ? r.Members() : [];
        if (_sockets.GetValueOrDefault(room) is not { } own || Array.IndexOf(members, own) >= 0) return members;
        return [own, .. members];
    }

    private bool IsMember(string room, Socket socket) =>
        socket.Id == room || (_rooms.TryGetValue(room, out var members) && members.Contains(socket));
}
