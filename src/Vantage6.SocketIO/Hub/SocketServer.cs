using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vantage6.SocketIO.Engine;
using Vantage6.SocketIO.Protocol;

namespace Vantage6.SocketIO.Hub;

/// <summary>The Socket.IO v5 server: namespaces on top of an Engine.IO server, broadcasts through a backplane.</summary>
public sealed class SocketServer : IEngineHandler, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SocketNamespace> _namespaces = new();
    private readonly SocketIOOptions _options;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;

    public SocketServer(SocketIOOptions options, ISocketBackplane backplane, ILogger<SocketServer> logger)
    {
        _options = options;
        _logger = logger;
        Backplane = backplane;
        Engine = new EngineServer(options.Engine, this, logger);
        _subscription = backplane.Subscribe(DeliverAsync);
    }

    public EngineServer Engine { get; }
    public ISocketBackplane Backplane { get; }

    /// <summary>The namespace with this name, created on first use.</summary>
    public SocketNamespace Of(string name) => _namespaces.GetOrAdd(name, n => new SocketNamespace(this, n));

    /// <summary>Handles one HTTP request to the Socket.IO endpoint.</summary>
    public Task HandleAsync(HttpContext context) => Engine.HandleAsync(context);

    /// <summary>Socket.IO state of one Engine.IO session.</summary>
    private sealed class Client
    {
        private readonly object _gate = new();
        private Queue<Func<Task>>? _pending;
        private bool _running;
        // Its sockets, one per namespace; nearly always one, so an array instead of a dictionary.
        private Socket[] _sockets = [];

        public Socket? Find(string ns)
        {
            foreach (var socket in Volatile.Read(ref _sockets))
                if (socket.Namespace.Name == ns) return socket;
            return null;
        }
        public Socket[] All => Volatile.Read(ref _sockets);

        public bool TryAdd(Socket socket)
        {
            lock (_gate)
            {
                if (Find(socket.Namespace.Name) is not null) return false;
                _sockets = [.. _sockets, socket];
                return true;
            }
        }

        public void Remove(Socket socket)
        {
            lock (_gate) _sockets = Array.FindAll(_sockets, s => !ReferenceEquals(s, socket));
        }

        /// <summary>
        /// Runs work after the work queued before it: handlers of one client run in order, but
        /// the transport keeps reading meanwhile (a handler may wait for an ack from this client).
        /// An idle client keeps no task chain, only this small state.
        /// </summary>
        public void Enqueue(Func<Task> work)
        {
            lock (_gate)
            {
                if (_running)
                {
                    (_pending ??= new Queue<Func<Task>>()).Enqueue(work);
                    return;
                }
                _running = true;
            }
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Client.RunAsync(s.Work), (Client: this, Work: work), preferLocal: false);
        }

        private async Task RunAsync(Func<Task> work)
        {
            while (true)
            {
                try { await work(); }
                catch (Exception) { /* handlers log their own failures; the next one still runs */ }
                lock (_gate)
                {
                    if (_pending is not { Count: > 0 })
                    {
                        (_pending, _running) = (null, false);
                        return;
                    }
                    work = _pending.Dequeue();
                }
            }
        }
    }

    ValueTask IEngineHandler.OnMessageAsync(EngineSession session, EnginePacket packet)
    {
        if (packet.Binary is not null || !SioPacket.TryParse(packet.Text, out var sio))
        {
            _logger.LogDebug("Ignoring unparsable or binary packet on session {Sid}", session.Id);
            return ValueTask.CompletedTask;
        }
        Client client;
        lock (session) client = (Client)(session.Owner ??= new Client());
        if (sio.Type == SioPacketType.Ack)
        {
            if (client.Find(sio.Namespace) is { } acked && sio.AckId is { } id)
                acked.CompleteAck(id, ArgsOf(sio.Data, 0));
            return ValueTask.CompletedTask;
        }
        client.Enqueue(async () =>
        {
            var socket = client.Find(sio.Namespace);
            switch (sio.Type)
            {
                case SioPacketType.Connect:
                    await ConnectAsync(session, client, sio);
                    break;
                case SioPacketType.Event when socket is not null:
                    await HandleEventAsync(socket, sio);
                    break;
                case SioPacketType.Disconnect when socket is not null:
                    await RemoveSocketAsync(socket, DisconnectReasons.ClientNamespaceDisconnect);
                    break;
            }
        });
        return ValueTask.CompletedTask;
    }

    private async Task ConnectAsync(EngineSession session, Client client, SioPacket connect)
    {
        if (!_namespaces.TryGetValue(connect.Namespace, out var ns))
        {
            SendConnectError(session, connect.Namespace, "Invalid namespace");
            return;
        }
        if (client.Find(connect.Namespace) is not null)
        {
            SendConnectError(session, connect.Namespace, "Already connected");
            return;
        }
        var socket = new Socket(ns, session, connect.Data);
        if (ns.Authorize is { } authorize && !await authorize(socket))
        {
            SendConnectError(session, connect.Namespace, "Not authorized");
            return;
        }
        if (!client.TryAdd(socket)) return;
        ns.Add(socket);
        socket.Connected = true;
        session.Send(EnginePacket.Message(SioPacket.Encode(SioPacketType.Connect, ns.Name, null,
            JsonSerializer.Serialize(new Dictionary<string, string> { ["sid"] = socket.Id }))));
        if (ns.OnConnection is { } onConnection)
        {
            try { await onConnection(socket); }
            catch (Exception ex) { _logger.LogError(ex, "Connection handler of {Namespace} failed", ns.Name); }
        }
        // The session may have ended while the handler ran; make sure the socket does not linger.
        if (session.State is EngineTransportState.Closed or EngineTransportState.Closing)
            await RemoveSocketAsync(socket, CloseReasons.TransportClose);
    }

    private static void SendConnectError(EngineSession session, string ns, string message) =>
        session.Send(EnginePacket.Message(SioPacket.Encode(SioPacketType.ConnectError, ns, null,
            JsonSerializer.Serialize(new Dictionary<string, string> { ["message"] = message }))));

    private async Task HandleEventAsync(Socket socket, SioPacket packet)
    {
        if (packet.Data is not { ValueKind: JsonValueKind.Array } data || data.GetArrayLength() == 0
            || data[0].ValueKind != JsonValueKind.String) return;
        var ev = new SocketEvent(socket, data[0].GetString()!, ArgsOf(data, 1), packet.AckId);
        if (socket.Namespace.HandlerFor(ev.Name) is { } handler)
        {
            try { await handler(socket, ev); }
            catch (Exception ex) { _logger.LogError(ex, "Handler of {Event} in {Namespace} failed", ev.Name, socket.Namespace.Name); }
        }
        // A requested acknowledgement is always answered, with no arguments if the handler gave none.
        ev.Ack();
    }

    private static JsonElement[] ArgsOf(JsonElement? data, int skip) =>
        data is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Skip(skip).ToArray() : [];

    ValueTask IEngineHandler.OnCloseAsync(EngineSession session, string reason)
    {
        Client? client;
        lock (session) client = session.Owner as Client;
        // After the handlers still queued, so a connect handler never runs after the disconnect one.
        client?.Enqueue(async () =>
        {
            foreach (var socket in client.All) await RemoveSocketAsync(socket, reason);
        });
        return ValueTask.CompletedTask;
    }

    internal async Task RemoveSocketAsync(Socket socket, string reason)
    {
        if (socket.Session.Owner is Client client) client.Remove(socket);
        if (!socket.Namespace.Remove(socket)) return;
        socket.Connected = false;
        socket.FailAcks();
        if (socket.Namespace.OnDisconnect is { } onDisconnect)
        {
            try { await onDisconnect(socket, reason); }
            catch (Exception ex) { _logger.LogError(ex, "Disconnect handler of {Namespace} failed", socket.Namespace.Name); }
        }
    }

    private ValueTask DeliverAsync(BroadcastMessage message)
    {
        if (_namespaces.TryGetValue(message.Namespace, out var ns)) ns.DeliverLocal(message);
        return ValueTask.CompletedTask;
    }

    internal string EncodeEvent(string ns, long? ackId, string eventName, object?[] args) =>
        SioPacket.Encode(SioPacketType.Event, ns, ackId, SerializeArgs(eventName, args));

    /// <summary>A JSON array of the arguments, preceded by the event name when given.</summary>
    internal string SerializeArgs(string? eventName, object?[] args)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            if (eventName is not null) writer.WriteStringValue(eventName);
            foreach (var arg in args)
            {
                if (arg is null) writer.WriteNullValue();
                else JsonSerializer.Serialize(writer, arg, arg.GetType(), _options.Json);
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await Engine.DisposeAsync();
    }
}
