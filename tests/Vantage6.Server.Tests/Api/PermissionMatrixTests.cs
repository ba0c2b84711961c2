using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary>Arranging permission-related rows (roles, rules, collaborations, nodes) for the user/role/permission tests.</summary>
public static class RbacTestExtensions
{
    /// <summary>The id of a shipped (default) role.</summary>
    public static async Task<int> DefaultRoleIdAsync(this V6TestServer server, string name)
    {
        await using (server.Scope(out var db))
            return await db.Roles.Where(r => r.Name == name && r.IsDefaultRole == true).Select(r => r.Id).FirstAsync();
    }

    public static async Task<int> RuleIdAsync(this V6TestServer server, string name, Scope scope, Operation operation)
    {
        await using (server.Scope(out var db))
            return await db.Rules.Where(r => r.Name == name && r.Scope == scope && r.Operation == operation).Select(r => r.Id).SingleAsync();
    }

    /// <summary>The rule ids of a role, from the database.</summary>
    public static async Task<HashSet<int>> RoleRuleIdsAsync(this V6TestServer server, int roleId)
    {
        await using (server.Scope(out var db))
            return (await db.RoleRules.Where(rr => rr.RoleId == roleId).Select(rr => rr.RuleId).ToListAsync()).ToHashSet();
    }

    /// <summary>A custom role owned by <paramref name="organizationId"/>, arranged directly in the database.</summary>
    public static async Task<int> CustomRoleAsync(this V6TestServer server, int? organizationId, params (string Name, Scope Scope, Operation Op)[] rules)
    {
        await using (server.Scope(out var db))
        {
            var role = new Role { Name = V6TestServer.Unique("role"), Description = "test", OrganizationId = organizationId, IsDefaultRole = false };
            db.Roles.Add(role);
            await db.SaveChangesAsync();
            foreach (var (name, scope, op) in rules)
            {
                var ruleId = await db.Rules.Where(r => r.Name == name && r.Scope == scope && r.Operation == op).Select(r => r.Id).SingleAsync();
                db.RoleRules.Add(new RoleRule { RoleId = role.Id, RuleId = ruleId });
            }
            await db.SaveChangesAsync();
            server.Services.GetRequiredService<ActorCache>().InvalidateAll();
            return role.Id;
        }
    }

    /// <summary>Gives a user an extra role directly in the database (bypassing the API's checks).</summary>
    public static async Task GrantRoleAsync(this V6TestServer server, int userId, int roleId)
    {
        await using (server.Scope(out var db))
        {
            db.UserRoles.Add(new UserRole { UserId = userId, RoleId = roleId });
            await db.SaveChangesAsync();
        }
        server.Services.GetRequiredService<ActorCache>().InvalidateAll();
    }

    /// <summary>A collaboration with the given members, arranged directly in the database.</summary>
    public static async Task<int> CollaborationAsync(this V6TestServer server, params int[] organizationIds)
    {
        await using (server.Scope(out var db))
        {
            var collab = new Collaboration { Name = V6TestServer.Unique("col"), Encrypted = false };
            db.Collaborations.Add(collab);
            await db.SaveChangesAsync();
            foreach (var org in organizationIds) db.Members.Add(new Member { OrganizationId = org, CollaborationId = collab.Id });
            await db.SaveChangesAsync();
            server.Services.GetRequiredService<ActorCache>().InvalidateAll();
            return collab.Id;
        }
    }

    /// <summary>A node arranged in the database and logged in with its api key; returns its access token.</summary>
    public static async Task<string> NodeTokenAsync(this V6TestServer server, int organizationId, int collaborationId)
    {
        var apiKey = Guid.NewGuid().ToString();
        await using (server.Scope(out var db))
        {
            db.Nodes.Add(new Node
            {
                Name = V6TestServer.Unique("node"), ApiKey = PasswordHasher.Hash(apiKey),
                OrganizationId = organizationId, CollaborationId = collaborationId, Status = "offline",
            });
            await db.SaveChangesAsync();
        }
        var login = await server.PostAsync("/api/token/node", null, new { api_key = apiKey });
        login.ExpectStatus(200);
        return login.Json!["access_token"]!.GetValue<string>();
    }

    /// <summary>Creates a user with the given default roles and logs it in.</summary>
    public static async Task<(int Id, string Username, string Token)> UserTokenAsync(this V6TestServer server, string root, int organizationId,
        params string[] roleNames)
    {
        var (id, username, password) = await server.CreateUserAsync(root, organizationId, roleNames);
        return (id, username, await server.LoginAsync(username, password));
    }
}

/// <summary>
/// Who may call what on <c>/user</c>, <c>/organization</c>, <c>/role</c> and <c>/rule</c>: every actor
/// (root, the shipped roles, a node, nobody) against every method, on targets in the actor's own organization.
/// Permission failures are 401 with a <c>msg</c>; a node on a user-only endpoint is refused with 401, never a 500.
/// </summary>
public class PermissionMatrixTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    public enum Who { Root, OrganizationAdmin, Researcher, Viewer, Node, Anonymous }

    private sealed class World
    {
        public required int Org { get; init; }
        public required string Root { get; init; }
        public required Dictionary<Who, string?> Tokens { get; init; }
    }

    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static readonly Dictionary<V6TestServer, World> Worlds = new();

    /// <summary>One organization (in a collaboration with a node) with one user per shipped role; built once per server.</summary>
    private async Task<World> WorldAsync()
    {
        await Lock.WaitAsync();
        try
        {
            if (Worlds.TryGetValue(server, out var world)) return world;
            var root = await server.RootTokenAsync();
            var org = await server.CreateOrganizationAsync(root);
            var collab = await server.CollaborationAsync(org);
            world = new World
            {
                Org = org, Root = root,
                Tokens = new()
                {
                    [Who.Root] = root,
                    [Who.OrganizationAdmin] = (await server.UserTokenAsync(root, org, "Organization Admin")).Token,
                    [Who.Researcher] = (await server.UserTokenAsync(root, org, "Researcher")).Token,
                    [Who.Viewer] = (await server.UserTokenAsync(root, org, "Viewer")).Token,
                    [Who.Node] = await server.NodeTokenAsync(org, collab),
                    [Who.Anonymous] = null,
                },
            };
            Worlds[server] = world;
            return world;
        }
        finally { Lock.Release(); }
    }

    private static void AssertOutcome(Reply reply, bool allowed, int successStatus, string what)
    {
        if (allowed)
        {
            Assert.True(reply.Status == successStatus, $"{what}: expected {successStatus}, got {reply.Status}: {reply.Text}");
            return;
        }
        Assert.True(reply.Status == 401, $"{what}: expected 401, got {reply.Status}: {reply.Text}");
        Assert.False(string.IsNullOrWhiteSpace(reply.Msg), $"{what}: a refusal carries a msg: {reply.Text}");
    }

    // ---------------------------------------------------------------- /user

    [Theory]
    [InlineData(Who.Root, "GET", true)]
    [InlineData(Who.Root, "POST", true)]
    [InlineData(Who.Root, "PATCH", true)]
    [InlineData(Who.Root, "DELETE", true)]
    [InlineData(Who.OrganizationAdmin, "GET", true)]
    [InlineData(Who.OrganizationAdmin, "POST", true)]
    [InlineData(Who.OrganizationAdmin, "PATCH", true)]
    [InlineData(Who.OrganizationAdmin, "DELETE", true)]
    [InlineData(Who.Researcher, "GET", true)]
    [InlineData(Who.Researcher, "POST", false)]
    [InlineData(Who.Researcher, "PATCH", false)]
    [InlineData(Who.Researcher, "DELETE", false)]
    [InlineData(Who.Viewer, "GET", true)]
    [InlineData(Who.Viewer, "POST", false)]
    [InlineData(Who.Viewer, "PATCH", false)]
    [InlineData(Who.Viewer, "DELETE", false)]
    [InlineData(Who.Node, "GET", false)]
    [InlineData(Who.Node, "POST", false)]
    [InlineData(Who.Node, "PATCH", false)]
    [InlineData(Who.Node, "DELETE", false)]
    [InlineData(Who.Anonymous, "GET", false)]
    [InlineData(Who.Anonymous, "POST", false)]
    [InlineData(Who.Anonymous, "PATCH", false)]
    [InlineData(Who.Anonymous, "DELETE", false)]
    public async Task User(Who who, string method, bool allowed)
    {
        var w = await WorldAsync();
        var token = w.Tokens[who];
        // a fresh target in the actor's organization, so deletes do not interfere with each other
        var target = await server.CreateUserAsync(w.Root, w.Org);
        var name = V6TestServer.Unique("m");
        var reply = method switch
        {
            "GET" => await server.GetAsync($"/api/user/{target.Id}", token),
            "POST" => await server.PostAsync("/api/user", token, new
            {
                username = name, email = $"{name}@example.org", password = "Password123!", organization_id = w.Org,
            }),
            "PATCH" => await server.PatchAsync($"/api/user/{target.Id}", token, new { firstname = "Changed" }),
            _ => await server.DeleteAsync($"/api/user/{target.Id}", token),
        };
        AssertOutcome(reply, allowed, method == "POST" ? 201 : 200, $"{who} {method} /user");
        if (method == "GET" && who != Who.Anonymous)
        {
            var list = await server.GetAsync($"/api/user?organization_id={w.Org}", token);
            AssertOutcome(list, allowed, 200, $"{who} GET /user (list)");
        }
    }

    // ---------------------------------------------------------------- /organization

    [Theory]
    [InlineData(Who.Root, "GET", true)]
    [InlineData(Who.Root, "POST", true)]
    [InlineData(Who.Root, "PATCH", true)]
    [InlineData(Who.Root, "DELETE", true)]
    [InlineData(Who.OrganizationAdmin, "GET", true)]
    [InlineData(Who.OrganizationAdmin, "POST", false)]
    [InlineData(Who.OrganizationAdmin, "PATCH", true)]
    [InlineData(Who.OrganizationAdmin, "DELETE", false)]
    [InlineData(Who.Researcher, "GET", true)]
    [InlineData(Who.Researcher, "POST", false)]
    [InlineData(Who.Researcher, "PATCH", false)]
    [InlineData(Who.Researcher, "DELETE", false)]
    [InlineData(Who.Viewer, "GET", true)]
    [InlineData(Who.Viewer, "POST", false)]
    [InlineData(Who.Viewer, "PATCH", false)]
    [InlineData(Who.Viewer, "DELETE", false)]
    [InlineData(Who.Node, "GET", true)]
    [InlineData(Who.Node, "POST", false)]
    [InlineData(Who.Node, "PATCH", true)] // nodes upload their organization's public key
    [InlineData(Who.Node, "DELETE", false)]
    [InlineData(Who.Anonymous, "GET", false)]
    [InlineData(Who.Anonymous, "POST", false)]
    [InlineData(Who.Anonymous, "PATCH", false)]
    [InlineData(Who.Anonymous, "DELETE", false)]
    public async Task Organization(Who who, string method, bool allowed)
    {
        var w = await WorldAsync();
        var token = w.Tokens[who];
        Reply reply;
        switch (method)
        {
            case "GET":
                reply = await server.GetAsync($"/api/organization/{w.Org}", token);
                AssertOutcome(reply, allowed, 200, $"{who} GET /organization/{{id}}");
                reply = await server.GetAsync("/api/organization", token);
                break;
            case "POST":
                reply = await server.PostAsync("/api/organization", token, new { name = V6TestServer.Unique("org") });
                break;
            case "PATCH":
                reply = await server.PatchAsync($"/api/organization/{w.Org}", token, new { country = "NL" });
                break;
            default:
                // a throw-away organization (deleting one's own organization is refused with 400 for everyone)
                var victim = await server.CreateOrganizationAsync(w.Root);
                reply = await server.DeleteAsync($"/api/organization/{victim}", token);
                break;
        }
        AssertOutcome(reply, allowed, method == "POST" ? 201 : 200, $"{who} {method} /organization");
    }

    // ---------------------------------------------------------------- /role

    [Theory]
    [InlineData(Who.Root, "GET", true)]
    [InlineData(Who.Root, "POST", true)]
    [InlineData(Who.Root, "PATCH", true)]
    [InlineData(Who.Root, "DELETE", true)]
    [InlineData(Who.OrganizationAdmin, "GET", true)]
    [InlineData(Who.OrganizationAdmin, "POST", true)]
    [InlineData(Who.OrganizationAdmin, "PATCH", true)]
    [InlineData(Who.OrganizationAdmin, "DELETE", true)]
    [InlineData(Who.Researcher, "GET", true)]
    [InlineData(Who.Researcher, "POST", false)]
    [InlineData(Who.Researcher, "PATCH", false)]
    [InlineData(Who.Researcher, "DELETE", false)]
    [InlineData(Who.Viewer, "GET", true)]
    [InlineData(Who.Viewer, "POST", false)]
    [InlineData(Who.Viewer, "PATCH", false)]
    [InlineData(Who.Viewer, "DELETE", false)]
    [InlineData(Who.Node, "GET", false)]
    [InlineData(Who.Node, "POST", false)]
    [InlineData(Who.Node, "PATCH", false)]
    [InlineData(Who.Node, "DELETE", false)]
    [InlineData(Who.Anonymous, "GET", false)]
    [InlineData(Who.Anonymous, "POST", false)]
    [InlineData(Who.Anonymous, "PATCH", false)]
    [InlineData(Who.Anonymous, "DELETE", false)]
    public async Task Role(Who who, string method, bool allowed)
    {
        var w = await WorldAsync();
        var token = w.Tokens[who];
        var role = await server.CustomRoleAsync(w.Org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var viewRule = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);
        Reply reply = method switch
        {
            "GET" => await server.GetAsync($"/api/role/{role}", token),
            "POST" => await server.PostAsync("/api/role", token, new { name = V6TestServer.Unique("r"), rules = new[] { viewRule }, organization_id = w.Org }),
            "PATCH" => await server.PatchAsync($"/api/role/{role}", token, new { description = "changed" }),
            _ => await server.DeleteAsync($"/api/role/{role}", token),
        };
        AssertOutcome(reply, allowed, method == "POST" ? 201 : 200, $"{who} {method} /role");
        if (method == "GET")
        {
            // listing is open to every user (the result is filtered by scope), closed to nodes and strangers
            var list = await server.GetAsync("/api/role", token);
            AssertOutcome(list, allowed, 200, $"{who} GET /role (list)");
        }
    }

    // ---------------------------------------------------------------- /rule

    [Theory]
    [InlineData(Who.Root, true)]
    [InlineData(Who.OrganizationAdmin, true)]
    [InlineData(Who.Researcher, true)]
    [InlineData(Who.Viewer, true)]
    [InlineData(Who.Node, false)]
    [InlineData(Who.Anonymous, false)]
    public async Task Rule(Who who, bool allowed)
    {
        var w = await WorldAsync();
        var token = w.Tokens[who];
        AssertOutcome(await server.GetAsync("/api/rule", token), allowed, 200, $"{who} GET /rule");
        AssertOutcome(await server.GetAsync("/api/rule/1", token), allowed, 200, $"{who} GET /rule/1");
        // rules are read-only for everybody: the item route only has GET, the collection only GET
        if (who != Who.Anonymous)
        {
            Assert.Equal(405, (await server.PostAsync("/api/rule", token, new { name = "x" })).Status);
            Assert.Equal(405, (await server.PatchAsync("/api/rule/1", token, new { name = "x" })).Status);
            Assert.Equal(405, (await server.DeleteAsync("/api/rule/1", token)).Status);
        }
    }

    [Theory]
    [InlineData("GET", "/api/user")]
    [InlineData("POST", "/api/user")]
    [InlineData("GET", "/api/role")]
    [InlineData("POST", "/api/role")]
    [InlineData("GET", "/api/rule")]
    [InlineData("POST", "/api/token/user/validate")]
    public async Task Node_OnUserOnlyEndpoint_Gets401WithMessage(string method, string path)
    {
        var w = await WorldAsync();
        var reply = await server.SendAsync(new HttpMethod(method), path, w.Tokens[Who.Node], method == "POST" ? new { } : null);
        Assert.Equal(401, reply.Status);
        Assert.False(string.IsNullOrWhiteSpace(reply.Msg), reply.Text);
        Assert.DoesNotContain("unexpected", reply.Msg!, StringComparison.OrdinalIgnoreCase);
    }
}
