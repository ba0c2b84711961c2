using System.Collections.Concurrent;
using System.Text.Json;
using Vantage6.SocketIO.Engine;
using Vantage6.SocketIO.Protocol;

namespace Vantage6.SocketIO.Hub;

/// <summary>One client's connection to one namespace.</summary>
public sealed class Socket
{
    private readonly object _gate = new();
    // A socket is in a handful of rooms: a list is smaller than a set and as quick at that size.
    private readonly List<string> _rooms = new(4);
    // Created on first use: most sockets never wait for an ack or keep items, and thousands of idle
    // sockets should not each carry empty dictionaries.
    private ConcurrentDictionary<long, TaskCompletionSource<JsonElement[]>>? _pendingAcks;
    private ConcurrentDictionary<string, object?>? _items;
    private long _nextAckId;

    internal Socket(SocketNamespace ns, EngineSession session, JsonElement? auth)
    {
        Namespace = ns;
        Session = session;
        Auth = auth;
        Id = EngineServer.NewSocketId();
    }

    /// <summary>Namespace socket id; also the name of the socket's private room.</summary>
    public string Id { get; }
    public SocketNamespace Namespace { get; }
    public EngineSession Session { get; }
    /// <summary>Headers of the Engine.IO handshake request.</summary>
    public IReadOnlyDictionary<string, string> Headers => Session.Headers;
    /// <summary>The CONNECT payload (auth object), if any.</summary>
    public JsonElement? Auth { get; }
    /// <summary>Per-socket state for the application.</summary>
    public ConcurrentDictionary<string, object?> Items =>
        _items ?? Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<string, object?>(), null) ?? _items;
    /// <summary>One slot of application state (cheaper than <see cref="Items"/> when one object is enough).</summary>
    public object? State { get; set; }
    public bool Connected { get; internal set; }

    public IReadOnlyCollection<string> Rooms
    {
        get { lock (_gate) return [.. _rooms]; }
    }

    // The private room (named after the socket id) is implicit: the namespace finds its one member by id.
    public void Join(string room)
    {
        lock (_gate)
        {
            if (_rooms.Contains(room)) return;
            _rooms.Add(room);
        }
        if (room != Id) Namespace.AddToRoom(room, this);
    }

    public void Leave(string room)
    {
        lock (_gate) if (!_rooms.Remove(room)) return;
        if (room != Id) Namespace.RemoveFromRoom(room, this);
    }

    internal void LeaveAll()
    {
        string[] rooms;
        lock (_gate) { rooms = [.. _rooms]; _rooms.Clear(); }
        foreach (var room in rooms)
            if (room != Id) Namespace.RemoveFromRoom(room, this);
    }

    /// <summary>Sends an event to this socket only.</summary>
    public bool Emit(string eventName, params object?[] args) =>
        Session.Send(EnginePacket.Message(Namespace.Server.EncodeEvent(Namespace.Name, null, eventName, args)));

    /// <summary>Sends an event and waits for the client's acknowledgement arguments.</summary>
    public async Task<JsonElement[]> EmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout)
    {
        long id = Interlocked.Increment(ref _nextAckId);
        var pending = new TaskCompletionSource<JsonElement[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pendingAcks = _pendingAcks ?? Interlocked.CompareExchange(ref _pendingAcks, new(), null) ?? _pendingAcks;
        pendingAcks[id] = pending;
        try
        {
            if (!Session.Send(EnginePacket.Message(Namespace.Server.EncodeEvent(Namespace.Name, id, eventName, args))))
                throw new InvalidOperationException("The socket is closed");
            return await pending.Task.WaitAsync(timeout);
        }
        finally { pendingAcks.TryRemove(id, out _); }
    }

    internal void CompleteAck(long id, JsonElement[] args)
    {
        if (_pendingAcks is { } pendingAcks && pendingAcks.TryRemove(id, out var pending)) pending.TrySetResult(args);
    }

    internal void FailAcks()
    {
        if (_pendingAcks is null) return;
        foreach (var (_, pending) in _pendingAcks) pending.TrySetException(new InvalidOperationException("The socket disconnected"));
    }

    /// <summary>Broadcast to rooms, excluding this socket (Socket.IO's <c>socket.to(room)</c>).</summary>
    public BroadcastOperator To(string room) => new(Namespace, [room], [Id]);
    /// <summary>Everyone in the namespace but this socket.</summary>
    public BroadcastOperator Broadcast => new(Namespace, [], [Id]);

    /// <summary>Disconnects from the namespace; <paramref name="closeTransport"/> ends the whole session.</summary>
    public async Task DisconnectAsync(bool closeTransport = false)
    {
        Session.Send(EnginePacket.Message(SioPacket.Encode(SioPacketType.Disconnect, Namespace.Name, null, null)));
        await Namespace.Server.RemoveSocketAsync(this, DisconnectReasons.ServerNamespaceDisconnect);
        if (closeTransport) Session.Close(CloseReasons.ServerDisconnect, notifyClient: true);
    }
}

public static class DisconnectReasons
{
    public const string ServerNamespaceDisconnect = "server namespace disconnect";
    public const string ClientNamespaceDisconnect = "client namespace disconnect";
}
