using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Tests.Api;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Auth;

/// <summary>
/// The evaluation primitives of the permission model (model-and-permissions §2.3) on hand-made actors, and the
/// rule that permission changes apply from the very next request (§2.1: rules are read per request).
/// </summary>
public class PermissionModelTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private const int OwnOrg = 1, PartnerOrg = 2, StrangerOrg = 3;
    private const int Collab = 10, OtherCollab = 11;

    /// <summary>A user of organization 1, which is in collaboration 10 with organization 2 (and, if asked, in 11 with 4).</summary>
    private static Actor UserWith(params (string, Scope, Operation)[] rules) => new()
    {
        Kind = Callers.User,
        Id = 7,
        OrganizationId = OwnOrg,
        Username = "alice",
        Rules = rules.ToHashSet(),
        OrganizationCollaborations = new HashSet<int> { Collab },
        CollaboratingOrganizations = new HashSet<int> { OwnOrg, PartnerOrg },
    };

    private static Actor Lonely(params (string, Scope, Operation)[] rules) => new()
    {
        Kind = Callers.User, Id = 8, OrganizationId = OwnOrg, Rules = rules.ToHashSet(),
        OrganizationCollaborations = new HashSet<int>(), CollaboratingOrganizations = new HashSet<int>(),
    };

    // ---------------------------------------------------------------- allowed_for_org

    [Fact]
    public void AllowedForOrg_Global_AllowsEveryOrganizationAndNull()
    {
        var p = UserWith(("task", Scope.GLOBAL, Operation.VIEW)).On("task");
        Assert.True(p.AllowedForOrg(Operation.VIEW, OwnOrg));
        Assert.True(p.AllowedForOrg(Operation.VIEW, PartnerOrg));
        Assert.True(p.AllowedForOrg(Operation.VIEW, StrangerOrg));
        Assert.True(p.AllowedForOrg(Operation.VIEW, null));
        // another operation or resource does not count
        Assert.False(p.AllowedForOrg(Operation.EDIT, OwnOrg));
        Assert.False(UserWith(("task", Scope.GLOBAL, Operation.VIEW)).On("run").AllowedForOrg(Operation.VIEW, OwnOrg));
    }

    [Fact]
    public void AllowedForOrg_Organization_OnlyTheOwnOrganization()
    {
        var p = UserWith(("user", Scope.ORGANIZATION, Operation.EDIT)).On("user");
        Assert.True(p.AllowedForOrg(Operation.EDIT, OwnOrg));
        Assert.False(p.AllowedForOrg(Operation.EDIT, PartnerOrg));
        Assert.False(p.AllowedForOrg(Operation.EDIT, StrangerOrg));
        Assert.False(p.AllowedForOrg(Operation.EDIT, null)); // null only passes through glo
    }

    [Fact]
    public void AllowedForOrg_Collaboration_OrganizationsSharingACollaboration()
    {
        var p = UserWith(("user", Scope.COLLABORATION, Operation.VIEW)).On("user");
        Assert.True(p.AllowedForOrg(Operation.VIEW, PartnerOrg));
        Assert.True(p.AllowedForOrg(Operation.VIEW, OwnOrg)); // the own organization is in its own collaboration
        Assert.False(p.AllowedForOrg(Operation.VIEW, StrangerOrg));
        Assert.False(p.AllowedForOrg(Operation.VIEW, null));

        // an organization outside every collaboration reaches nobody with a col rule, not even itself
        var lonely = Lonely(("user", Scope.COLLABORATION, Operation.VIEW)).On("user");
        Assert.False(lonely.AllowedForOrg(Operation.VIEW, OwnOrg));
        Assert.False(lonely.AllowedForOrg(Operation.VIEW, PartnerOrg));
    }

    [Fact]
    public void AllowedForOrg_OwnScopeNeverCounts()
    {
        var p = UserWith(("user", Scope.OWN, Operation.EDIT)).On("user");
        Assert.False(p.AllowedForOrg(Operation.EDIT, OwnOrg));
        Assert.True(p.Has(Scope.OWN, Operation.EDIT));
    }

    // ---------------------------------------------------------------- can_for_col

    [Fact]
    public void CanForCollaboration()
    {
        var global = UserWith(("collaboration", Scope.GLOBAL, Operation.EDIT)).On("collaboration");
        Assert.True(global.CanForCollaboration(Operation.EDIT, Collab));
        Assert.True(global.CanForCollaboration(Operation.EDIT, OtherCollab));

        var col = UserWith(("collaboration", Scope.COLLABORATION, Operation.EDIT)).On("collaboration");
        Assert.True(col.CanForCollaboration(Operation.EDIT, Collab));
        Assert.False(col.CanForCollaboration(Operation.EDIT, OtherCollab));
        Assert.False(col.CanForCollaboration(Operation.EDIT, null));
        Assert.False(col.CanForCollaboration(Operation.VIEW, Collab));

        // organization scope is not considered, even for the caller's own collaboration
        var org = UserWith(("collaboration", Scope.ORGANIZATION, Operation.EDIT)).On("collaboration");
        Assert.False(org.CanForCollaboration(Operation.EDIT, Collab));
    }

    [Fact]
    public void Container_CanForCollaboration_OnlyItsTokensCollaboration_ButAllowedForOrgUsesItsOrganizationsCollaborations()
    {
        var container = new Actor
        {
            Kind = Callers.Container, Id = 40, OrganizationId = OwnOrg,
            Container = new ContainerIdentity(40, OwnOrg, Collab, null, null, 99, "img", JsonDocument.Parse("[]").RootElement),
            Rules = new HashSet<(string, Scope, Operation)> { ("task", Scope.COLLABORATION, Operation.VIEW), ("organization", Scope.COLLABORATION, Operation.VIEW) },
            OrganizationCollaborations = new HashSet<int> { Collab, OtherCollab },
            CollaboratingOrganizations = new HashSet<int> { OwnOrg, PartnerOrg, 4 },
        };
        Assert.True(container.IsContainer);
        Assert.Equal([Collab], container.ScopeCollaborations);
        Assert.True(container.On("task").CanForCollaboration(Operation.VIEW, Collab));
        Assert.False(container.On("task").CanForCollaboration(Operation.VIEW, OtherCollab));
        // allowed_for_org uses the organization's collaborations even for a container
        Assert.True(container.On("organization").AllowedForOrg(Operation.VIEW, 4));

        var user = UserWith();
        Assert.Equal([Collab], user.ScopeCollaborations);
    }

    // ---------------------------------------------------------------- has_at_least_scope / get_max_scope

    [Theory]
    [InlineData(Scope.OWN, new[] { true, false, false, false })]
    [InlineData(Scope.ORGANIZATION, new[] { true, true, false, false })]
    [InlineData(Scope.COLLABORATION, new[] { true, true, true, false })]
    [InlineData(Scope.GLOBAL, new[] { true, true, true, true })]
    public void AtLeast_AWiderScopeImpliesTheNarrowerOnes(Scope held, bool[] expected)
    {
        var p = UserWith(("user", held, Operation.DELETE)).On("user");
        Scope[] asked = [Scope.OWN, Scope.ORGANIZATION, Scope.COLLABORATION, Scope.GLOBAL];
        Assert.Equal(expected, asked.Select(s => p.AtLeast(s, Operation.DELETE)));
        Assert.All(asked, s => Assert.False(p.AtLeast(s, Operation.VIEW)));
    }

    [Fact]
    public void MaxScope()
    {
        Assert.Null(UserWith().On("task").MaxScope(Operation.VIEW));
        Assert.Null(UserWith(("run", Scope.GLOBAL, Operation.VIEW)).On("task").MaxScope(Operation.VIEW));
        Assert.Null(UserWith(("task", Scope.GLOBAL, Operation.DELETE)).On("task").MaxScope(Operation.VIEW));
        Assert.Equal(Scope.OWN, UserWith(("task", Scope.OWN, Operation.VIEW)).On("task").MaxScope(Operation.VIEW));
        Assert.Equal(Scope.ORGANIZATION,
            UserWith(("task", Scope.OWN, Operation.VIEW), ("task", Scope.ORGANIZATION, Operation.VIEW)).On("task").MaxScope(Operation.VIEW));
        Assert.Equal(Scope.GLOBAL,
            UserWith(("task", Scope.OWN, Operation.VIEW), ("task", Scope.GLOBAL, Operation.VIEW)).On("task").MaxScope(Operation.VIEW));
        Assert.Equal(Scope.COLLABORATION,
            UserWith(("task", Scope.COLLABORATION, Operation.VIEW), ("task", Scope.ORGANIZATION, Operation.VIEW)).On("task").MaxScope(Operation.VIEW));
    }

    // ---------------------------------------------------------------- actors as loaded by the server

    [Fact]
    public async Task ActorCache_LoadsUsersNodesAndTheirRules()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        var collab = await server.CollaborationAsync(org, partner);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var extra = await server.RuleIdAsync("task", Scope.OWN, Operation.VIEW);
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { rules = new[] { extra } })).ExpectStatus(200);

        var cache = server.Services.GetRequiredService<ActorCache>();
        var actor = await cache.GetAsync(Callers.User, user.Id);
        Assert.NotNull(actor);
        Assert.True(actor.IsUser);
        Assert.Equal(org, actor.OrganizationId);
        Assert.Equal(user.Username, actor.Username);
        Assert.Equal([await server.DefaultRoleIdAsync("Viewer")], actor.RoleIds);
        Assert.Equal(16, actor.Rules.Count); // the 15 Viewer rules plus the direct one
        Assert.True(actor.Has("task", Scope.OWN, Operation.VIEW));
        Assert.True(actor.Has("user", Scope.ORGANIZATION, Operation.VIEW));
        Assert.False(actor.Has("user", Scope.ORGANIZATION, Operation.CREATE));
        Assert.Equal([collab], actor.OrganizationCollaborations);
        Assert.Equal(new[] { org, partner }.Order(), actor.CollaboratingOrganizations.Order());

        Assert.Null(await cache.GetAsync(Callers.User, 999_999));

        // a node holds the rules of the fixed node role (10 rules), whatever its own id
        await server.NodeTokenAsync(org, collab);
        int nodeId;
        await using (server.Scope(out var db))
            nodeId = await db.Nodes.Where(n => n.OrganizationId == org).Select(n => n.Id).SingleAsync();
        var node = await cache.GetAsync(Callers.Node, nodeId);
        Assert.NotNull(node);
        Assert.True(node.IsNode);
        Assert.Equal(10, node.Rules.Count);
        Assert.True(node.On("organization").AllowedForOrg(Operation.EDIT, org));
        Assert.False(node.On("organization").AllowedForOrg(Operation.EDIT, partner));
        Assert.True(node.On("organization").AllowedForOrg(Operation.VIEW, partner));
    }

    [Fact]
    public async Task PermissionChange_TakesEffectOnTheNextRequest()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var adminRole = await server.DefaultRoleIdAsync("Organization Admin");
        var viewerRole = await server.DefaultRoleIdAsync("Viewer");
        var user = await server.UserTokenAsync(root, org, "Viewer");
        object NewUser()
        {
            var name = V6TestServer.Unique("u");
            return new { username = name, email = $"{name}@example.org", password = "Password123!" };
        }

        // warm the cache
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);
        (await server.PostAsync("/api/user", user.Token, NewUser())).ExpectStatus(401);

        // granting: the same token can create users right away
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { roles = new[] { adminRole } })).ExpectStatus(200);
        (await server.PostAsync("/api/user", user.Token, NewUser())).ExpectStatus(201);

        // revoking: gone on the next request, although the token still lists the old roles
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { roles = Array.Empty<int>() })).ExpectStatus(200);
        var list = await server.GetAsync("/api/user", user.Token);
        list.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", list.Msg);
        (await server.PostAsync("/api/user", user.Token, NewUser())).ExpectStatus(401);

        // a change to a role's rules applies to its holders at once
        var custom = await server.PostAsync("/api/role", root, new { name = V6TestServer.Unique("r"), rules = Array.Empty<int>(), organization_id = org });
        var customId = custom.ExpectStatus(201).Json!["id"]!.GetValue<int>();
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { roles = new[] { customId } })).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(401);
        var orgView = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);
        (await server.PostAsync($"/api/role/{customId}/rule/{orgView}", root, null)).ExpectStatus(201);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);
        (await server.DeleteAsync($"/api/role/{customId}/rule/{orgView}", root)).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(401);
        (await server.PatchAsync($"/api/role/{customId}", root, new { rules = new[] { orgView } })).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);

        // deleting the role (with its assignments) removes the rights as well
        (await server.DeleteAsync($"/api/role/{customId}?delete_dependents=true", root)).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(401);

        // direct rules too
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { rules = new[] { orgView } })).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);
        (await server.PatchAsync($"/api/user/{user.Id}", root, new { rules = Array.Empty<int>(), roles = new[] { viewerRole } })).ExpectStatus(200);
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);
        (await server.PostAsync("/api/user", user.Token, NewUser())).ExpectStatus(401);
    }

    [Fact]
    public async Task PermissionChange_MadeOutsideTheServer_IsSeenWithinTheCacheLifetime()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.UserTokenAsync(root, org, "Viewer");
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(200);

        // another replica (or the shell) removes the roles; this server is not told
        await using (server.Scope(out var db))
            await db.UserRoles.Where(p => p.UserId == user.Id).ExecuteDeleteAsync();
        await Task.Delay(ActorCache.Lifetime + TimeSpan.FromMilliseconds(500));
        (await server.GetAsync("/api/user", user.Token)).ExpectStatus(401);
    }
}
