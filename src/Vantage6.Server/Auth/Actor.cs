using System.Text.Json;
using Vantage6.Common;

namespace Vantage6.Server.Auth;

[Flags]
public enum Callers { User = 1, Node = 2, Container = 4, UserOrNode = User | Node, All = User | Node | Container }

/// <summary>What a container token says about the algorithm run that holds it (the token's <c>sub</c>).</summary>
public sealed record ContainerIdentity(int NodeId, int OrganizationId, int CollaborationId, int? StudyId, int? StoreId,
    int TaskId, string Image, JsonElement Databases);

/// <summary>
/// The authenticated caller of a request with everything permission checks need: its rules and its
/// organization's collaborations. Built once per caller and cached (see <see cref="ActorCache"/>).
/// </summary>
public sealed class Actor
{
    public required Callers Kind { get; init; }
    /// <summary>User or node id; for a container the id of the node that requested the token.</summary>
    public required int Id { get; init; }
    public int? OrganizationId { get; init; }
    public string? Username { get; init; }
    public ContainerIdentity? Container { get; init; }
    /// <summary>For a node: the collaboration it belongs to (saves a look-up when a node filters by itself).</summary>
    public int? NodeCollaborationId { get; init; }
    public required IReadOnlySet<(string Resource, Scope Scope, Operation Operation)> Rules { get; init; }
    public IReadOnlySet<int> RoleIds { get; init; } = new HashSet<int>();
    /// <summary>Collaborations of the caller's organization.</summary>
    public required IReadOnlySet<int> OrganizationCollaborations { get; init; }
    /// <summary>Every organization that is in one of those collaborations.</summary>
    public required IReadOnlySet<int> CollaboratingOrganizations { get; init; }

    /// <summary>Minimal-API binding: the authentication middleware has already resolved the caller.</summary>
    public static ValueTask<Actor?> BindAsync(HttpContext ctx) =>
        ValueTask.FromResult(ctx.Items[typeof(Actor)] as Actor);

    public bool IsUser => Kind == Callers.User;
    public bool IsNode => Kind == Callers.Node;
    public bool IsContainer => Kind == Callers.Container;

    /// <summary>Collaborations used by <c>can_for_col</c>: a container only has the one in its token.</summary>
    public IEnumerable<int> ScopeCollaborations =>
        Container is not null ? [Container.CollaborationId] : OrganizationCollaborations;

    public bool Has(string resource, Scope scope, Operation op) => Rules.Contains((resource, scope, op));

    /// <summary>The caller's permissions on one resource.</summary>
    public ResourcePermissions On(string resource) => new(this, resource);
}

/// <summary>The evaluation helpers of the permission model (model-and-permissions §2.3), for one resource.</summary>
public readonly struct ResourcePermissions(Actor actor, string resource)
{
    public bool Has(Scope scope, Operation op) => actor.Has(resource, scope, op);

    /// <summary><c>allowed_for_org</c>: may the caller do <paramref name="op"/> on something of organization <paramref name="orgId"/>?</summary>
    public bool AllowedForOrg(Operation op, int? orgId)
    {
        if (Has(Scope.GLOBAL, op)) return true;
        if (orgId is null) return false;
        if (orgId == actor.OrganizationId && Has(Scope.ORGANIZATION, op)) return true;
        return Has(Scope.COLLABORATION, op) && actor.CollaboratingOrganizations.Contains(orgId.Value);
    }

    /// <summary><c>can_for_col</c>: may the caller do <paramref name="op"/> within collaboration <paramref name="collaborationId"/>?</summary>
    public bool CanForCollaboration(Operation op, int? collaborationId)
    {
        if (Has(Scope.GLOBAL, op)) return true;
        return collaborationId is not null && Has(Scope.COLLABORATION, op) && actor.ScopeCollaborations.Contains(collaborationId.Value);
    }

    /// <summary><c>has_at_least_scope</c>: the rule at this scope or any wider one.</summary>
    public bool AtLeast(Scope scope, Operation op)
    {
        for (var s = scope; s <= Scope.GLOBAL; s++)
            if (Has(s, op)) return true;
        return false;
    }

    /// <summary><c>get_max_scope</c>: the widest scope held for <paramref name="op"/>, or null.</summary>
    public Scope? MaxScope(Operation op)
    {
        for (var s = Scope.GLOBAL; s >= Scope.OWN; s--)
            if (Has(s, op)) return s;
        return null;
    }
}
