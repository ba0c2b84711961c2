using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data;

namespace Vantage6.Server.Auth;

/// <summary>
/// Loads callers (rules, organization, collaborations) and keeps them briefly, so a request does not
/// need four queries before its own work. Any change made through this server to users, roles, rules,
/// organizations or memberships calls <see cref="InvalidateAll"/>, so it takes effect at once here;
/// changes made by another process sharing the database are seen within <see cref="Lifetime"/>.
/// </summary>
public sealed class ActorCache(IServiceScopeFactory scopes)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(Callers, int, int), (Actor? Actor, long Generation, DateTime Loaded)> _entries = new();
    private long _generation;

    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>The user or node with this id, or null when it no longer exists.</summary>
    public async Task<Actor?> GetAsync(Callers kind, int id, ContainerIdentity? container = null)
    {
        var key = (kind, id, container?.TaskId ?? 0);
        var generation = Interlocked.Read(ref _generation);
        if (_entries.TryGetValue(key, out var e) && e.Generation == generation && DateTime.UtcNow - e.Loaded < Lifetime)
            return e.Actor;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        var actor = await LoadAsync(db, kind, id, container);
        if (Interlocked.Read(ref _generation) == generation) _entries[key] = (actor, generation, DateTime.UtcNow);
        return actor;
    }

    private static async Task<Actor?> LoadAsync(V6DbContext db, Callers kind, int id, ContainerIdentity? container)
    {
        int? orgId;
        string? username = null;
        int? nodeCollaborationId = null;
        HashSet<int> roleIds = [];
        IQueryable<int> ruleIds;
        switch (kind)
        {
            case Callers.User:
                var user = await db.Users.AsNoTracking().Where(u => u.Id == id)
                    .Select(u => new { u.OrganizationId, u.Username }).FirstOrDefaultAsync();
                if (user is null) return null;
                orgId = user.OrganizationId;
                username = user.Username;
                roleIds = (await db.UserRoles.AsNoTracking().Where(p => p.UserId == id).Select(p => p.RoleId).ToListAsync()).ToHashSet();
                ruleIds = db.RoleRules.Where(rr => db.UserRoles.Any(p => p.UserId == id && p.RoleId == rr.RoleId)).Select(rr => rr.RuleId)
                    .Union(db.UserRules.Where(ur => ur.UserId == id).Select(ur => ur.RuleId));
                break;
            case Callers.Node:
                var node = await db.Nodes.AsNoTracking().Where(n => n.Id == id)
                    .Select(n => new { n.OrganizationId, n.CollaborationId }).FirstOrDefaultAsync();
                if (node is null) return null;
                orgId = node.OrganizationId;
                nodeCollaborationId = node.CollaborationId;
                ruleIds = FixedRoleRules(db, RuleCatalogue.NodeRole);
                break;
            default:
                orgId = container!.OrganizationId;
                ruleIds = FixedRoleRules(db, RuleCatalogue.ContainerRole);
                break;
        }
        var rules = await db.Rules.AsNoTracking().Where(r => ruleIds.Contains(r.Id))
            .Select(r => new { r.Name, r.Scope, r.Operation }).ToListAsync();
        var collabs = orgId is null ? [] :
            (await db.Members.AsNoTracking().Where(m => m.OrganizationId == orgId).Select(m => m.CollaborationId).ToListAsync()).ToHashSet();
        var orgs = collabs.Count == 0 ? [] :
            (await db.Members.AsNoTracking().Where(m => collabs.Contains(m.CollaborationId)).Select(m => m.OrganizationId).ToListAsync()).ToHashSet();
        return new Actor
        {
            Kind = kind,
            Id = id,
            OrganizationId = orgId,
            Username = username,
            Container = container,
            NodeCollaborationId = nodeCollaborationId,
            Rules = rules.Where(r => r.Name is not null && r.Scope is not null && r.Operation is not null)
                .Select(r => (r.Name!, r.Scope!.Value, r.Operation!.Value)).ToHashSet(),
            RoleIds = roleIds,
            OrganizationCollaborations = collabs,
            CollaboratingOrganizations = orgs,
        };
    }

    private static IQueryable<int> FixedRoleRules(V6DbContext db, string roleName) =>
        db.RoleRules.Where(rr => db.Roles.Any(r => r.Id == rr.RoleId && r.Name == roleName && r.IsDefaultRole == true))
            .Select(rr => rr.RuleId);
}
