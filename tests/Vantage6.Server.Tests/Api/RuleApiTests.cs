using System.Text.Json.Nodes;
using Vantage6.Server.Auth;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary><c>/rule</c> (api-core §7) and the rule catalogue it exposes (§3.2–3.3).</summary>
public class RuleApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static List<int> Ids(Reply reply) => reply.Data.Select(r => r!["id"]!.GetValue<int>()).ToList();

    private static string Key(JsonNode? rule) =>
        $"{rule!["name"]!.GetValue<string>()}/{rule["scope"]!.GetValue<string>()}/{rule["operation"]!.GetValue<string>()}";

    private async Task<JsonArray> AllAsync(string token)
    {
        var reply = await server.GetAsync("/api/rule?no_pagination=1", token);
        return reply.ExpectStatus(200).Data;
    }

    private async Task<int> RoleIdAsync(string token, string name)
    {
        var roles = await server.GetAsync($"/api/role?name={Uri.EscapeDataString(name)}&per_page=100", token);
        return roles.ExpectStatus(200).Data.First(r => r!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<int>();
    }

    private async Task<int> RuleIdAsync(string token, string name, string scope, string operation)
    {
        var reply = await server.GetAsync($"/api/rule?name={name}&scope={scope}&operation={operation}", token);
        return reply.ExpectStatus(200).Data.Single()!["id"]!.GetValue<int>();
    }

    [Fact]
    public async Task NoPagination_ReturnsAll86RulesInOnePage()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync("/api/rule?no_pagination=1", root);
        reply.ExpectStatus(200);
        Assert.Equal(86, reply.Data.Count);
        Assert.Equal(86, reply.Total);
        Assert.Equal(Enumerable.Range(1, 86), Ids(reply)); // registration order on a fresh database
        var links = reply.Json!["links"]!.AsObject();
        Assert.Equal(new[] { "first", "self", "last" }, links.Select(p => p.Key));
        Assert.Equal("/api/rule?no_pagination=1&page=1", links["last"]!.GetValue<string>());

        // the catalogue: distinct (name, scope, operation), upper-case enum names
        Assert.Equal(86, reply.Data.Select(Key).Distinct().Count());
        Assert.All(reply.Data, r =>
        {
            Assert.Contains(r!["scope"]!.GetValue<string>(), new[] { "OWN", "ORGANIZATION", "COLLABORATION", "GLOBAL" });
            Assert.Contains(r["operation"]!.GetValue<string>(), new[] { "VIEW", "EDIT", "CREATE", "DELETE", "SEND", "RECEIVE" });
        });
        Assert.Equal(new[] { "collaboration", "event", "node", "organization", "port", "role", "run", "study", "task", "user" },
            reply.Data.Select(r => r!["name"]!.GetValue<string>()).Distinct().Order());
        Assert.Equal("node/GLOBAL/VIEW", Key(reply.Data[0]));
        Assert.Equal("study/ORGANIZATION/DELETE", Key(reply.Data[85]));

        // without no_pagination the default page size applies; other values of the flag do not switch it on
        var paged = await server.GetAsync("/api/rule", root);
        Assert.Equal(10, paged.Data.Count);
        Assert.Equal(86, paged.Total);
        Assert.Equal("/api/rule?page=9", paged.Json!["links"]!["last"]!.GetValue<string>());
        Assert.Equal(10, (await server.GetAsync("/api/rule?no_pagination=true", root)).Data.Count);

        var page = await server.GetAsync("/api/rule?per_page=50&page=2", root);
        Assert.Equal(Enumerable.Range(51, 36), Ids(page));
        Assert.Null(page.Json!["links"]!["next"]);

        var sorted = await server.GetAsync("/api/rule?sort=-id&per_page=3", root);
        Assert.Equal(new[] { 86, 85, 84 }, Ids(sorted));
        var badSort = await server.GetAsync("/api/rule?sort=roles", root);
        Assert.Equal(400, badSort.Status);
        Assert.Equal("Cannot sort a 'Rule' by 'roles' because it does not exist", badSort.Msg);
    }

    [Fact]
    public async Task Filters_NameScopeOperation()
    {
        var root = await server.RootTokenAsync();
        var all = await AllAsync(root);

        var task = await server.GetAsync("/api/rule?name=task&no_pagination=1", root);
        Assert.Equal(10, task.Total);
        Assert.All(task.Data, r => Assert.Equal("task", r!["name"]!.GetValue<string>()));
        Assert.Empty((await server.GetAsync("/api/rule?name=tas%25", root)).Data); // equality, not LIKE

        var globalIds = all.Where(r => r!["scope"]!.GetValue<string>() == "GLOBAL").Select(r => r!["id"]!.GetValue<int>()).ToList();
        Assert.Equal(globalIds, Ids(await server.GetAsync("/api/rule?scope=glo&no_pagination=1", root)));
        Assert.Equal(globalIds, Ids(await server.GetAsync("/api/rule?scope=GLOBAL&no_pagination=1", root)));

        var viewIds = all.Where(r => r!["operation"]!.GetValue<string>() == "VIEW").Select(r => r!["id"]!.GetValue<int>()).ToList();
        Assert.Equal(viewIds, Ids(await server.GetAsync("/api/rule?operation=v&no_pagination=1", root)));
        Assert.Equal(viewIds, Ids(await server.GetAsync("/api/rule?operation=VIEW&no_pagination=1", root)));

        var ownTaskIds = await server.GetAsync("/api/rule?name=task&scope=own&operation=v", root);
        Assert.Equal(new[] { "task/OWN/VIEW" }, ownTaskIds.Data.Select(Key));
        Assert.Equal(2, (await server.GetAsync("/api/rule?name=event&operation=RECEIVE&scope=COLLABORATION", root)).Data.Count
                        + (await server.GetAsync("/api/rule?name=event&operation=r&scope=org", root)).Data.Count);

        foreach (var query in new[] { "scope=global", "scope=everywhere", "operation=view", "operation=x", "name=nothing" })
        {
            var none = await server.GetAsync($"/api/rule?{query}", root);
            none.ExpectStatus(200);
            Assert.Empty(none.Data);
            Assert.Equal(0, none.Total);
            Assert.Null(none.Json!["links"]!["last"]);
        }
    }

    [Fact]
    public async Task Filter_RoleId()
    {
        var root = await server.RootTokenAsync();
        var viewer = await RoleIdAsync(root, "Viewer");
        var reply = await server.GetAsync($"/api/rule?role_id={viewer}&no_pagination=1", root);
        Assert.Equal(15, reply.Total);
        Assert.Equal(new[]
            {
                "collaboration/ORGANIZATION/VIEW", "event/COLLABORATION/RECEIVE", "event/ORGANIZATION/RECEIVE", "node/COLLABORATION/VIEW",
                "node/ORGANIZATION/VIEW", "organization/COLLABORATION/VIEW", "organization/ORGANIZATION/VIEW", "port/ORGANIZATION/VIEW",
                "role/ORGANIZATION/VIEW", "run/COLLABORATION/VIEW", "study/ORGANIZATION/VIEW", "task/COLLABORATION/VIEW",
                "user/ORGANIZATION/VIEW", "user/OWN/DELETE", "user/OWN/EDIT",
            },
            reply.Data.Select(Key).Order(StringComparer.Ordinal));

        Assert.Equal(86, (await server.GetAsync($"/api/rule?role_id={await RoleIdAsync(root, "Root")}", root)).Total);
        Assert.Equal(10, (await server.GetAsync($"/api/rule?role_id={await RoleIdAsync(root, "node")}", root)).Total);
        Assert.Equal(8, (await server.GetAsync($"/api/rule?role_id={await RoleIdAsync(root, "container")}", root)).Total);
        Assert.Equal(17, (await server.GetAsync($"/api/rule?role_id={await RoleIdAsync(root, "Researcher")}", root)).Total);
        Assert.Equal(25, (await server.GetAsync($"/api/rule?role_id={await RoleIdAsync(root, "Organization Admin")}", root)).Total);

        var viewerViews = await server.GetAsync($"/api/rule?role_id={viewer}&operation=v&no_pagination=1", root);
        Assert.Equal(11, viewerViews.Total);

        var missing = await server.GetAsync("/api/rule?role_id=999999", root);
        Assert.Equal(400, missing.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"msg": "Role with id=999999 does not exist!"}"""), missing.Json), missing.Text);
        Assert.Equal(400, (await server.GetAsync("/api/rule?role_id=abc", root)).Status);

        // an empty custom role has no rules
        var empty = await server.PostAsync("/api/role", root, new { name = V6TestServer.Unique("role"), rules = Array.Empty<int>() });
        var emptyRules = await server.GetAsync($"/api/rule?role_id={empty.ExpectStatus(201).Json!["id"]}", root);
        Assert.Empty(emptyRules.ExpectStatus(200).Data);
    }

    [Fact]
    public async Task Filter_UserId_IsUnionOfRoleRulesAndDirectRules()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var viewer = await RoleIdAsync(root, "Viewer");
        var viewerRules = Ids(await server.GetAsync($"/api/rule?role_id={viewer}&no_pagination=1", root));
        var globalOrgView = await RuleIdAsync(root, "organization", "glo", "v");
        var ownUserEdit = await RuleIdAsync(root, "user", "own", "e"); // also in Viewer: counted once

        var username = V6TestServer.Unique("user");
        var created = await server.PostAsync("/api/user", root, new
        {
            username, password = "Password123!", email = $"{username}@example.org", firstname = "R", lastname = "U",
            organization_id = org, roles = new[] { viewer }, rules = new[] { globalOrgView, ownUserEdit },
        });
        var userId = created.ExpectStatus(201).Json!["id"]!.GetValue<int>();

        var rules = await server.GetAsync($"/api/rule?user_id={userId}&no_pagination=1", root);
        Assert.Equal(viewerRules.Append(globalOrgView).Order(), Ids(rules));
        Assert.Equal(16, rules.Total);

        // the user reads their own effective rules, as the UI does
        var token = await server.LoginAsync(username, "Password123!");
        Assert.Equal(Ids(rules), Ids(await server.GetAsync($"/api/rule?user_id={userId}&no_pagination=1", token)));
        // there is no permission check on the filter
        Assert.Equal(86, (await server.GetAsync("/api/rule?user_id=1&no_pagination=1", token)).Total);

        // direct rules only (no roles)
        var directName = V6TestServer.Unique("user");
        var direct = await server.PostAsync("/api/user", root, new
        {
            username = directName, password = "Password123!", email = $"{directName}@example.org", firstname = "D", lastname = "U",
            organization_id = org, rules = new[] { globalOrgView },
        });
        var directId = direct.ExpectStatus(201).Json!["id"]!.GetValue<int>();
        Assert.Equal(new[] { globalOrgView }, Ids(await server.GetAsync($"/api/rule?user_id={directId}", root)));

        // a direct rule that no role holds by anyone is still listed (the reference's join drops it)
        int orphanRule;
        await using (server.Scope(out var db))
        {
            orphanRule = db.Rules.Where(r => r.Name == "study" && r.Scope == Vantage6.Common.Scope.GLOBAL && r.Operation == Vantage6.Common.Operation.DELETE)
                .Select(r => r.Id).Single();
            var rootRole = db.Roles.Single(r => r.Name == "Root").Id;
            var removed = db.RoleRules.Where(rr => rr.RuleId == orphanRule).ToList();
            db.RoleRules.RemoveRange(removed);
            db.UserRules.Add(new UserRule { UserId = directId, RuleId = orphanRule });
            await db.SaveChangesAsync();
            Assert.NotEmpty(removed);
            try
            {
                Assert.Equal(new[] { globalOrgView, orphanRule }.Order(),
                    Ids(await server.GetAsync($"/api/rule?user_id={directId}&no_pagination=1", root)));
            }
            finally
            {
                db.RoleRules.AddRange(removed.Select(rr => new RoleRule { RoleId = rr.RoleId, RuleId = rr.RuleId }));
                await db.SaveChangesAsync();
                Assert.True(db.RoleRules.Any(rr => rr.RoleId == rootRole && rr.RuleId == orphanRule));
            }
        }

        // a user without roles or rules has none
        var bare = await server.CreateUserAsync(root, org);
        var none = await server.GetAsync($"/api/rule?user_id={bare.Id}", root);
        Assert.Empty(none.ExpectStatus(200).Data);

        var missing = await server.GetAsync("/api/rule?user_id=999999", root);
        Assert.Equal(400, missing.Status);
        Assert.Equal("User with id=999999 does not exist!", missing.Msg);

        // combined with other filters (AND)
        var views = await server.GetAsync($"/api/rule?user_id={userId}&scope=GLOBAL&no_pagination=1", root);
        Assert.Equal(new[] { globalOrgView }, Ids(views));
    }

    [Fact]
    public async Task GetOne_ObjectShape_And404()
    {
        var root = await server.RootTokenAsync();
        var id = await RuleIdAsync(root, "organization", "glo", "v");
        var reply = await server.GetAsync($"/api/rule/{id}", root);
        reply.ExpectStatus(200);
        Assert.Equal("application/json", reply.Headers["content-type"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            {"id": {{id}}, "name": "organization", "scope": "GLOBAL", "operation": "VIEW",
             "description": "view any organization", "users": "/api/user?rule_id={{id}}"}
            """), reply.Json), reply.Text);

        var send = await server.GetAsync($"/api/rule/{await RuleIdAsync(root, "event", "col", "s")}", root);
        Assert.Equal("COLLABORATION", send.Json!["scope"]!.GetValue<string>());
        Assert.Equal("SEND", send.Json["operation"]!.GetValue<string>());
        var own = await server.GetAsync($"/api/rule/{await RuleIdAsync(root, "user", "own", "d")}", root);
        Assert.Equal("OWN", own.Json!["scope"]!.GetValue<string>());
        Assert.Equal("Delete your own account", own.Json["description"]!.GetValue<string>());

        var missing = await server.GetAsync("/api/rule/999999", root);
        Assert.Equal(404, missing.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"msg": "Rule id=999999 not found!"}"""), missing.Json), missing.Text);
        Assert.Equal(404, (await server.GetAsync("/api/rule/0", root)).Status);
        Assert.Equal(404, (await server.GetAsync("/api/rule/abc", root)).Status);
    }

    [Fact]
    public async Task AnyUser_MayReadRules_NodesAndAnonymousMayNot()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org); // no roles, no rules
        var token = await server.LoginAsync(user.Username, user.Password);
        Assert.Equal(86, (await server.GetAsync("/api/rule", token)).ExpectStatus(200).Total);
        (await server.GetAsync("/api/rule/1", token)).ExpectStatus(200);

        var apiKey = Guid.NewGuid().ToString();
        await using (server.Scope(out var db))
        {
            var collab = new Collaboration { Name = V6TestServer.Unique("col"), Encrypted = false };
            db.Collaborations.Add(collab);
            await db.SaveChangesAsync();
            db.Members.Add(new Member { OrganizationId = org, CollaborationId = collab.Id });
            db.Nodes.Add(new Node
            {
                Name = V6TestServer.Unique("node"), ApiKey = PasswordHasher.Hash(apiKey), OrganizationId = org,
                CollaborationId = collab.Id, Status = "offline",
            });
            await db.SaveChangesAsync();
        }
        var login = await server.PostAsync("/api/token/node", null, new { api_key = apiKey });
        var nodeToken = login.ExpectStatus(200).Json!["access_token"]!.GetValue<string>();
        foreach (var path in new[] { "/api/rule", "/api/rule/1" })
        {
            var node = await server.GetAsync(path, nodeToken);
            Assert.Equal(401, node.Status);
            Assert.False(string.IsNullOrEmpty(node.Msg));

            var anonymous = await server.GetAsync(path);
            Assert.Equal(401, anonymous.Status);
            Assert.Equal("Missing Authorization Header", anonymous.Msg);
        }
    }
}
