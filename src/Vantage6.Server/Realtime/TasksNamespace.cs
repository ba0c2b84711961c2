using System.Text.Json.Nodes;
using Vantage6.SocketIO.Hub;

namespace Vantage6.Server.Realtime;

/// <summary>
/// The vantage6 <c>/tasks</c> namespace: every CONNECT is accepted, then the token decides
/// (node-protocol §1.5, §1.9); the disconnect procedure of §1.10 runs for every identified socket.
/// Presence announcements (<c>node-online</c>, <c>node-offline</c>, join/leave messages) go to the user
/// sockets of a room (and a joining node itself): nodes ignore them, and sending them to every node
/// would cost N² messages when N nodes connect.
/// </summary>
public sealed class TasksNamespace(SocketServer server, SocketAuthenticator authenticator, RoomPlanner planner,
    Presence presence, NodeConfigStore nodeConfig, TasksEventHandlers handlers, ILogger<TasksNamespace> logger)
{
    public const string Name = "/tasks";

    public SocketNamespace Namespace => server.Of(Name);

    public void Attach()
    {
        server.Of("/"); // harmless: accepted, nothing happens there
        var ns = Namespace;
        ns.OnConnection = ConnectAsync;
        ns.OnDisconnect = DisconnectAsync;
        handlers.Register(ns);
    }

    public static SocketIdentity? IdentityOf(Socket socket) =>
        socket.State as SocketIdentity;

    private async Task ConnectAsync(Socket socket)
    {
        var outcome = authenticator.Authenticate(socket.Headers, socket.Auth);
        switch (outcome.Result)
        {
            case SocketAuthResult.Expired:
                logger.LogInformation("Socket {Sid} connected with an expired token", socket.Id);
                socket.Emit("expired_token");
                return;
            case SocketAuthResult.Invalid:
                logger.LogWarning("Socket {Sid} connected with an invalid token", socket.Id);
                socket.Emit("invalid_token");
                return;
            case SocketAuthResult.Refused:
                logger.LogWarning("Socket {Sid} is not identified: {Reason}", socket.Id, outcome.Reason);
                return;
        }
        var identity = await planner.ResolveAsync(outcome.Kind, outcome.Id);
        if (identity is null)
        {
            logger.LogWarning("Socket {Sid}: the {Kind} {Id} of its token does not exist", socket.Id, outcome.Kind, outcome.Id);
            return;
        }
        socket.State = identity;
        await presence.ConnectedAsync(identity);
        logger.LogInformation("{Type} <{Name}> (id={Id}) connected to {Namespace}", identity.TypeLabel, identity.Name, identity.Id, Name);

        var ns = Namespace;
        if (identity.IsNode)
        {
            socket.Emit("sync");
            var announcement = NodeAnnouncement(identity);
            foreach (var room in identity.Rooms.Where(r => r != Rooms.AllNodes))
                await ns.To(RoomPlanner.UsersOf(room)).EmitAsync("node-online", announcement);
        }
        foreach (var room in identity.Rooms)
        {
            socket.Join(room);
            if (!identity.IsNode) socket.Join(RoomPlanner.UsersOf(room));
            if (room == Rooms.AllNodes) continue;
            var message = $"{identity.TypeLabel} <{identity.Name}> joined room <{room}>";
            await ns.To(RoomPlanner.UsersOf(room)).EmitAsync("message", message);
            if (identity.IsNode) socket.Emit("message", message);
        }
    }

    private async Task DisconnectAsync(Socket socket, string reason)
    {
        if (IdentityOf(socket) is not { } identity) return;
        var ns = Namespace;
        // The library has already taken the socket out of its rooms.
        foreach (var room in identity.Rooms.Where(r => r != Rooms.AllNodes))
            await ns.To(RoomPlanner.UsersOf(room)).EmitAsync("message", $"{identity.Name} left room {room}");
        logger.LogInformation("{Type} <{Name}> (id={Id}) disconnected: {Reason}", identity.TypeLabel, identity.Name, identity.Id, reason);
        if (!await presence.DisconnectedAsync(identity) || !identity.IsNode) return;
        var announcement = NodeAnnouncement(identity);
        foreach (var room in identity.Rooms.Where(r => r != Rooms.AllNodes))
            await ns.To(RoomPlanner.UsersOf(room)).EmitAsync("node-offline", announcement);
        await nodeConfig.DeleteAsync(identity.Id);
    }

    private static JsonObject NodeAnnouncement(SocketIdentity node) =>
        new() { ["id"] = node.Id, ["name"] = node.Name, ["org_id"] = node.OrganizationId };
}
