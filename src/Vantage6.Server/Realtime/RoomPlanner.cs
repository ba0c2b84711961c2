using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;

namespace Vantage6.Server.Realtime;

/// <summary>
/// Loads the user or node behind a socket and decides its rooms (node-protocol §1.6): nodes join
/// <c>all_nodes</c>, their collaboration and their collaboration/organization room; users join by their
/// best <c>event</c> receive rule (global, else collaboration, else organization).
/// </summary>
public sealed class RoomPlanner(IServiceScopeFactory scopes, ActorCache actors)
{
    /// <summary>
    /// Companion room of <paramref name="room"/> holding only its user sockets: presence announcements
    /// go there, so that N nodes connecting do not cause N² messages to nodes that ignore them.
    /// </summary>
    public static string UsersOf(string room) => room + "#users";

    /// <summary>The identity of a socket whose token named this user or node; null when it no longer exists.</summary>
    public async Task<SocketIdentity?> ResolveAsync(SocketClientKind kind, int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        if (kind == SocketClientKind.Node)
        {
            var node = await db.Nodes.AsNoTracking().Where(n => n.Id == id)
                .Select(n => new { n.Name, n.OrganizationId, n.CollaborationId }).FirstOrDefaultAsync();
            if (node is null) return null;
            List<string> rooms = [Rooms.AllNodes];
            if (node.CollaborationId is { } cid)
            {
                rooms.Add(Rooms.Collaboration(cid));
                if (node.OrganizationId is { } oid) rooms.Add(Rooms.CollaborationOrganization(cid, oid));
            }
            return new SocketIdentity(kind, id, node.Name ?? "", node.OrganizationId, node.CollaborationId, rooms);
        }

        var actor = await actors.GetAsync(Callers.User, id);
        if (actor is null) return null;
        var perm = actor.On("event");
        IEnumerable<string> userRooms;
        if (perm.Has(Scope.GLOBAL, Operation.RECEIVE))
            userRooms = (await db.Collaborations.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Id).ToListAsync()).Select(c => Rooms.Collaboration(c));
        else if (perm.Has(Scope.COLLABORATION, Operation.RECEIVE))
            userRooms = actor.OrganizationCollaborations.Order().Select(c => Rooms.Collaboration(c));
        else if (perm.Has(Scope.ORGANIZATION, Operation.RECEIVE) && actor.OrganizationId is { } org)
            userRooms = actor.OrganizationCollaborations.Order().Select(c => Rooms.CollaborationOrganization(c, org));
        else
            userRooms = [];
        return new SocketIdentity(kind, id, actor.Username ?? "", actor.OrganizationId, null, [.. userRooms]);
    }
}
