using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary><c>/user</c> (api-core §4) with the permission model behind it (model-and-permissions §2).</summary>
public class UserApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private const string GoodPassword = "Password123!";

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    private static List<int> Ids(Reply reply) => reply.Data.Select(o => o!["id"]!.GetValue<int>()).Order().ToList();

    private static JsonObject ValidationBody(string field, string message) => new()
    {
        ["msg"] = "Request body is incorrect",
        ["errors"] = new JsonObject { [field] = new JsonArray(message) },
    };

    private static object NewUser(string? username = null, int? organizationId = null, int[]? roles = null, string password = GoodPassword)
    {
        var name = username ?? V6TestServer.Unique("u");
        return new
        {
            username = name, email = $"{name}@example.org", password, firstname = "First", lastname = "Last",
            organization_id = organizationId, roles = roles ?? [],
        };
    }

    private async Task<int> OrganizationOfAsync(string root, int userId) =>
        (await server.GetAsync($"/api/user/{userId}", root)).ExpectStatus(200).Json!["organization"]!["id"]!.GetValue<int>();

    private async Task<List<int>> RolesOfAsync(int userId)
    {
        await using (server.Scope(out var db))
            return await db.UserRoles.Where(p => p.UserId == userId).Select(p => p.RoleId).OrderBy(r => r).ToListAsync();
    }

    private static void AssertNoSecrets(JsonNode user)
    {
        var keys = user.AsObject().Select(p => p.Key).ToList();
        Assert.DoesNotContain("password", keys);
        Assert.DoesNotContain("failed_login_attempts", keys);
        Assert.DoesNotContain("last_login_attempt", keys);
        Assert.DoesNotContain("organization_id", keys);
        Assert.DoesNotContain("$2", user.ToJsonString());
        Assert.True(user.AsObject().ContainsKey("otp_secret"));
        Assert.Null(user["otp_secret"]);
    }

    // ================================================================ POST /user

    [Fact]
    public async Task Create_Returns201WithUserShape()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var viewer = await server.DefaultRoleIdAsync("Viewer");
        var name = V6TestServer.Unique("shape");
        var reply = await server.PostAsync("/api/user", root, new
        {
            username = name, email = $"{name}@example.org", password = GoodPassword, firstname = "Alice", lastname = "Smith",
            organization_id = org, roles = new[] { viewer },
        });
        reply.ExpectStatus(201);
        var user = reply.Json!;
        var id = user["id"]!.GetValue<int>();
        Assert.Equal("user", user["type"]!.GetValue<string>());
        Assert.Equal(name, user["username"]!.GetValue<string>());
        Assert.Equal("Alice", user["firstname"]!.GetValue<string>());
        Assert.Equal("Smith", user["lastname"]!.GetValue<string>());
        Assert.Equal($"{name}@example.org", user["email"]!.GetValue<string>());
        var link = user["organization"]!.AsObject();
        Assert.Equal(new[] { "id", "link", "methods" }, link.Select(p => p.Key).Order());
        Assert.Equal(org, link["id"]!.GetValue<int>());
        Assert.Equal($"/api/organization/{org}", link["link"]!.GetValue<string>());
        Assert.Equal(new[] { "DELETE", "GET", "PATCH" }, link["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Order());
        Assert.Equal($"/api/role?user_id={id}", user["roles"]!.GetValue<string>());
        Assert.Equal($"/api/rule?user_id={id}", user["rules"]!.GetValue<string>());
        foreach (var key in new[] { "ip", "status", "last_seen", "last_email_failed_login_sent", "last_email_recover_password_sent" })
            Assert.True(user.AsObject().ContainsKey(key), key);
        AssertNoSecrets(user);
        Assert.DoesNotContain(GoodPassword, reply.Text);
        Assert.Equal([viewer], await RolesOfAsync(id));

        // the stored password is a bcrypt hash and works for login
        await using (server.Scope(out var db))
            Assert.StartsWith("$2", (await db.Users.SingleAsync(u => u.Id == id)).Password);
        await server.LoginAsync(name, GoodPassword);

        // GET gives the same object
        var get = (await server.GetAsync($"/api/user/{id}", root)).ExpectStatus(200);
        AssertNoSecrets(get.Json!);
        Assert.Equal(name, get.Json!["username"]!.GetValue<string>());
        Assert.False(get.Json!.AsObject().ContainsKey("permissions"));
    }

    [Fact]
    public async Task Create_ValidationExampleOfTheSpec()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PostAsync("/api/user", root, new { username = "9lives", email = "x", password = "abc", nickname = "z" });
        reply.ExpectStatus(400);
        AssertJson("""
            {"msg": "Request body is incorrect",
             "errors": {"username": ["Username 9lives is invalid. Only letters, numbers, hyphens and underscores are allowed, and it should start with a letter."],
                        "email": ["Not a valid email address."],
                        "password": ["Password too short: use at least 8 characters with mixed lowercase, uppercase, numbers and special characters"],
                        "nickname": ["Unknown field."]}}
            """, reply.Json);
    }

    [Fact]
    public async Task Create_MissingRequiredFields()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PostAsync("/api/user", root, new { firstname = "x" });
        reply.ExpectStatus(400);
        Assert.Equal("Request body is incorrect", reply.Msg);
        foreach (var field in new[] { "username", "email", "password" })
            AssertJson("""["Missing data for required field."]""", reply.Json!["errors"]![field]);
    }

    [Theory]
    [InlineData("Ab1!", "Password too short: use at least 8 characters with mixed lowercase, uppercase, numbers and special characters")]
    [InlineData("abcdefgh", "Password should contain at least one number")]
    [InlineData("abcdefg1", "Password should contain at least one uppercase letter")]
    [InlineData("ABCDEFG1!", "Password should contain at least one lowercase letter")]
    [InlineData("Abcdefg1", "Password should contain at least one special character")]
    [InlineData("Abcdefgh!", "Password should contain at least one number")]
    public async Task Create_WeakPassword_FirstPolicyMessage(string password, string message)
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PostAsync("/api/user", root, NewUser(password: password));
        reply.ExpectStatus(400);
        Assert.True(JsonNode.DeepEquals(ValidationBody("password", message), reply.Json), reply.Text);
    }

    [Fact]
    public async Task Create_TooLongPassword()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PostAsync("/api/user", root, NewUser(password: "Aa1!" + new string('x', 125)));
        reply.ExpectStatus(400);
        Assert.True(JsonNode.DeepEquals(ValidationBody("password", "Password too long: use at most 128 characters"), reply.Json), reply.Text);
    }

    [Fact]
    public async Task Create_DuplicateUsernameAndEmail()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var existing = await server.CreateUserAsync(root, org);

        var sameName = await server.PostAsync("/api/user", root, new
        {
            username = existing.Username, email = $"{V6TestServer.Unique("e")}@example.org", password = GoodPassword, organization_id = org,
        });
        sameName.ExpectStatus(400);
        AssertJson("""{"msg": "username already exists."}""", sameName.Json);

        var sameEmail = await server.PostAsync("/api/user", root, new
        {
            username = V6TestServer.Unique("u"), email = $"{existing.Username}@example.org", password = GoodPassword, organization_id = org,
        });
        sameEmail.ExpectStatus(400);
        AssertJson("""{"msg": "email already exists."}""", sameEmail.Json);
    }

    [Fact]
    public async Task Create_OrganizationIdNull_MeansTheCreatorsOrganization()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var name = V6TestServer.Unique("u");
        // the Python client sends "organization_id": null when no organization is given
        var reply = await server.PostAsync("/api/user", admin.Token, new
        {
            username = name, email = $"{name}@example.org", password = GoodPassword, firstname = "F", lastname = "L", organization_id = (int?)null,
        });
        reply.ExpectStatus(201);
        Assert.Equal(org, reply.Json!["organization"]!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_WithoutFirstAndLastName()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var name = V6TestServer.Unique("u");
        var reply = await server.PostAsync("/api/user", root, new { username = name, email = $"{name}@example.org", password = GoodPassword, organization_id = org });
        reply.ExpectStatus(201);
        Assert.Null(reply.Json!["firstname"]);
        Assert.Null(reply.Json!["lastname"]);
        Assert.True(reply.Json!.AsObject().ContainsKey("firstname"));
    }

    [Fact]
    public async Task Create_NonexistentRolesAreSkipped()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var viewer = await server.DefaultRoleIdAsync("Viewer");
        var reply = await server.PostAsync("/api/user", root, NewUser(organizationId: org, roles: [999_999, viewer]));
        reply.ExpectStatus(201);
        Assert.Equal([viewer], await RolesOfAsync(reply.Json!["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Create_RoleWithRulesTheCreatorLacks_Is401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var strong = await server.CustomRoleAsync(org, ("organization", Scope.GLOBAL, Operation.DELETE));
        var reply = await server.PostAsync("/api/user", admin.Token, NewUser(organizationId: org, roles: [strong]));
        reply.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", reply.Msg);

        // a role whose rules the admin does hold is fine (org scope or narrower)
        var weak = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW), ("user", Scope.OWN, Operation.EDIT));
        (await server.PostAsync("/api/user", admin.Token, NewUser(organizationId: org, roles: [weak]))).ExpectStatus(201);

        // holding a narrower scope is not enough: user:org:v does not cover user:col:v
        var collabView = await server.CustomRoleAsync(org, ("user", Scope.COLLABORATION, Operation.VIEW));
        var byAdmin = await server.PostAsync("/api/user", admin.Token, NewUser(organizationId: org, roles: [collabView]));
        byAdmin.ExpectStatus(401);
        Assert.Equal("You don't have the rule (user, collaboration, view)", byAdmin.Msg);
    }

    [Fact]
    public async Task Create_RulesTheCreatorLacks_Is401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var rule = await server.RuleIdAsync("task", Scope.GLOBAL, Operation.VIEW);
        var name = V6TestServer.Unique("u");
        var reply = await server.PostAsync("/api/user", admin.Token, new
        {
            username = name, email = $"{name}@example.org", password = GoodPassword, rules = new[] { 999_999, rule },
        });
        reply.ExpectStatus(401);
        Assert.Equal("You don't have the rule (task, global, view)", reply.Msg);
    }

    [Fact]
    public async Task Create_WithDirectRules_NonexistentSkipped()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var rule = await server.RuleIdAsync("task", Scope.OWN, Operation.VIEW);
        var name = V6TestServer.Unique("u");
        var reply = await server.PostAsync("/api/user", root, new
        {
            username = name, email = $"{name}@example.org", password = GoodPassword, organization_id = org, rules = new[] { rule, 999_999 },
        });
        reply.ExpectStatus(201);
        var id = reply.Json!["id"]!.GetValue<int>();
        await using (server.Scope(out var db))
            Assert.Equal([rule], await db.UserRules.Where(p => p.UserId == id).Select(p => p.RuleId).ToListAsync());
        var byRule = (await server.GetAsync($"/api/user?rule_id={rule}&organization_id={org}", root)).ExpectStatus(200);
        Assert.Equal([id], Ids(byRule));

        // PATCH with a missing rule is a 404, and changes nothing
        var missing = await server.PatchAsync($"/api/user/{id}", root, new { rules = new[] { 999_999 } });
        missing.ExpectStatus(404);
        Assert.Equal("Rule=999999 can not be found!", missing.Msg);
        await using (server.Scope(out var db))
            Assert.Equal([rule], await db.UserRules.Where(p => p.UserId == id).Select(p => p.RuleId).ToListAsync());
    }

    [Fact]
    public async Task Create_RoleOfAnotherOrganization_Is401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var foreignRole = await server.CustomRoleAsync(other, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var reply = await server.PostAsync("/api/user", root, NewUser(organizationId: org, roles: [foreignRole]));
        reply.ExpectStatus(401);
        Assert.Equal("You can't assign that role as the role belongs to a different organization than the user.", reply.Msg);
    }

    [Fact]
    public async Task Create_PermissionAndOrganizationChecks()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var viewer = await server.UserTokenAsync(root, org, "Viewer");

        var foreign = await server.PostAsync("/api/user", admin.Token, NewUser(organizationId: other));
        foreign.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", foreign.Msg);

        var noRule = await server.PostAsync("/api/user", viewer.Token, NewUser(organizationId: org));
        noRule.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", noRule.Msg);

        var missingOrg = await server.PostAsync("/api/user", root, NewUser(organizationId: 999_999));
        missingOrg.ExpectStatus(404);
        Assert.Equal("Organization does not exist.", missingOrg.Msg);

        var own = await server.PostAsync("/api/user", admin.Token, NewUser(organizationId: org));
        own.ExpectStatus(201);
        Assert.Equal(org, own.Json!["organization"]!["id"]!.GetValue<int>());
    }

    // ================================================================ GET /user

    [Fact]
    public async Task List_Filters()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var researcherRole = await server.DefaultRoleIdAsync("Researcher");
        var a = await server.CreateUserAsync(root, org, "Researcher");
        var b = await server.CreateUserAsync(root, org, "Viewer");
        var c = await server.CreateUserAsync(root, other, "Researcher");

        // username LIKE: the value is a pattern
        var prefix = a.Username[..8];
        var like = (await server.GetAsync($"/api/user?username={Uri.EscapeDataString(a.Username[..^2] + "__")}", root)).ExpectStatus(200);
        Assert.Equal([a.Id], Ids(like));
        var exact = (await server.GetAsync($"/api/user?username={a.Username}", root)).ExpectStatus(200);
        Assert.Equal([a.Id], Ids(exact));
        var noWildcard = (await server.GetAsync($"/api/user?username={prefix}", root)).ExpectStatus(200);
        Assert.Empty(noWildcard.Data);

        // organization_id
        var inOrg = (await server.GetAsync($"/api/user?organization_id={org}&per_page=100", root)).ExpectStatus(200);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), Ids(inOrg));
        Assert.Equal(2, inOrg.Total);

        // role_id (combined with organization_id to stay independent of other tests)
        var researchers = (await server.GetAsync($"/api/user?role_id={researcherRole}&organization_id={org}", root)).ExpectStatus(200);
        Assert.Equal([a.Id], Ids(researchers));
        var allResearchers = (await server.GetAsync($"/api/user?role_id={researcherRole}&per_page=10000", root)).ExpectStatus(200);
        Assert.Contains(c.Id, Ids(allResearchers));
        Assert.DoesNotContain(b.Id, Ids(allResearchers));
        var missingRole = await server.GetAsync("/api/user?role_id=999999", root);
        missingRole.ExpectStatus(400);
        Assert.Equal("Role with id=999999 does not exist!", missingRole.Msg);

        // rule_id: directly assigned rules only
        var rule = await server.RuleIdAsync("task", Scope.OWN, Operation.VIEW);
        (await server.PatchAsync($"/api/user/{b.Id}", root, new { rules = new[] { rule } })).ExpectStatus(200);
        var byRule = (await server.GetAsync($"/api/user?rule_id={rule}&organization_id={org}", root)).ExpectStatus(200);
        Assert.Equal([b.Id], Ids(byRule));
        var viaRoleOnly = await server.RuleIdAsync("task", Scope.COLLABORATION, Operation.CREATE); // in Researcher, not direct
        var byRoleRule = (await server.GetAsync($"/api/user?rule_id={viaRoleOnly}&organization_id={org}", root)).ExpectStatus(200);
        Assert.Empty(byRoleRule.Data);
        var missingRule = await server.GetAsync("/api/user?rule_id=999999", root);
        missingRule.ExpectStatus(400);
        Assert.Equal("Rule with id=999999 does not exist!", missingRule.Msg);

        // last_seen_from / last_seen_till
        await using (server.Scope(out var db))
        {
            await db.Users.Where(u => u.Id == a.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeen, new DateTime(2020, 1, 1, 12, 0, 0)));
            await db.Users.Where(u => u.Id == b.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeen, new DateTime(2024, 6, 1, 12, 0, 0)));
        }
        var from = (await server.GetAsync($"/api/user?organization_id={org}&last_seen_from=2023-01-01", root)).ExpectStatus(200);
        Assert.Equal([b.Id], Ids(from));
        var fromTime = (await server.GetAsync($"/api/user?organization_id={org}&last_seen_from=2024-06-01T12:00:00", root)).ExpectStatus(200);
        Assert.Equal([b.Id], Ids(fromTime));
        var till = (await server.GetAsync($"/api/user?organization_id={org}&last_seen_till=2021-01-01", root)).ExpectStatus(200);
        Assert.Equal([a.Id], Ids(till));
        var window = (await server.GetAsync($"/api/user?organization_id={org}&last_seen_from=2019-01-01&last_seen_till=2030-01-01", root)).ExpectStatus(200);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), Ids(window));
    }

    [Theory]
    [InlineData("page=0", "page needs to be >= 1")]
    [InlineData("per_page=0", "per_page needs to be >= 1")]
    [InlineData("page=abc", null)]
    [InlineData("organization_id=abc", null)]
    [InlineData("role_id=x", null)]
    [InlineData("last_seen_from=yesterday", null)]
    [InlineData("sort=colour", "Cannot sort a 'User' by 'colour' because it does not exist")]
    public async Task List_BadQueryValuesAre400(string query, string? message)
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync($"/api/user?{query}", root);
        reply.ExpectStatus(400);
        Assert.False(string.IsNullOrWhiteSpace(reply.Msg), reply.Text);
        if (message is not null) Assert.Equal(message, reply.Msg);
    }

    [Fact]
    public async Task List_CollaborationFilter()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        var unrelated = await server.CreateOrganizationAsync(root);
        var collab = await server.CollaborationAsync(org, partner);
        var foreignCollab = await server.CollaborationAsync(unrelated);
        var collabAdmin = await server.UserTokenAsync(root, org, "Collaboration Admin");
        var partnerUser = await server.CreateUserAsync(root, partner);
        var outsider = await server.CreateUserAsync(root, unrelated);

        var inCollab = (await server.GetAsync($"/api/user?collaboration_id={collab}&per_page=100", collabAdmin.Token)).ExpectStatus(200);
        Assert.Equal(new[] { collabAdmin.Id, partnerUser.Id }.Order(), Ids(inCollab));

        var foreign = await server.GetAsync($"/api/user?collaboration_id={foreignCollab}", collabAdmin.Token);
        foreign.ExpectStatus(401);
        Assert.Equal($"You lack the permission view all users from collaboration {foreignCollab}!", foreign.Msg);

        // an organization admin has no user:col:v
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        (await server.GetAsync($"/api/user?collaboration_id={collab}", admin.Token)).ExpectStatus(401);
        Assert.DoesNotContain(outsider.Id, Ids(inCollab));
    }

    [Fact]
    public async Task List_OrganizationAdminSeesOnlyOwnOrganization()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        await server.CollaborationAsync(org, partner);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var colleague = await server.CreateUserAsync(root, org);
        var stranger = await server.CreateUserAsync(root, partner);

        var list = (await server.GetAsync("/api/user?per_page=10000", admin.Token)).ExpectStatus(200);
        Assert.Equal(new[] { admin.Id, colleague.Id }.Order(), Ids(list));
        Assert.All(list.Data, u => Assert.Equal(org, u!["organization"]!["id"]!.GetValue<int>()));

        var foreign = await server.GetAsync($"/api/user?organization_id={partner}", admin.Token);
        foreign.ExpectStatus(401);
        Assert.Equal($"You lack the permission view users from the organization with id {partner}!", foreign.Msg);

        // a collaboration admin (user:col:v) also sees the partner's users, but not those of unrelated organizations
        var unrelated = await server.CreateOrganizationAsync(root);
        var outsider = await server.CreateUserAsync(root, unrelated);
        var collabAdmin = await server.UserTokenAsync(root, org, "Collaboration Admin");
        var wide = (await server.GetAsync("/api/user?per_page=10000", collabAdmin.Token)).ExpectStatus(200);
        Assert.Contains(stranger.Id, Ids(wide));
        Assert.Contains(colleague.Id, Ids(wide));
        Assert.DoesNotContain(outsider.Id, Ids(wide));
        (await server.GetAsync($"/api/user?organization_id={partner}", collabAdmin.Token)).ExpectStatus(200);
        (await server.GetAsync($"/api/user?organization_id={unrelated}", collabAdmin.Token)).ExpectStatus(401);
    }

    [Fact]
    public async Task List_WithoutViewRules_OnlyOwnUsername()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var colleague = await server.CreateUserAsync(root, org);
        var (id, username, password) = await server.CreateUserAsync(root, org); // no roles at all
        var token = await server.LoginAsync(username, password);

        var all = await server.GetAsync("/api/user", token);
        all.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", all.Msg);

        var self = (await server.GetAsync($"/api/user?username={username}", token)).ExpectStatus(200);
        Assert.Equal([id], Ids(self));

        (await server.GetAsync($"/api/user?username={colleague.Username}", token)).ExpectStatus(401);
        // a pattern is not the own username
        (await server.GetAsync($"/api/user?username={Uri.EscapeDataString(username[..5] + "%")}", token)).ExpectStatus(401);
    }

    [Fact]
    public async Task Get_SelfAlwaysAllowed_OthersNeedViewRule()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var (id, username, password) = await server.CreateUserAsync(root, org); // no roles
        var token = await server.LoginAsync(username, password);
        var colleague = await server.CreateUserAsync(root, org);
        var stranger = await server.CreateUserAsync(root, other);

        var self = (await server.GetAsync($"/api/user/{id}", token)).ExpectStatus(200);
        Assert.Equal(username, self.Json!["username"]!.GetValue<string>());
        var denied = await server.GetAsync($"/api/user/{colleague.Id}", token);
        denied.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", denied.Msg);

        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        (await server.GetAsync($"/api/user/{colleague.Id}", viewer.Token)).ExpectStatus(200);
        (await server.GetAsync($"/api/user/{stranger.Id}", viewer.Token)).ExpectStatus(401);

        var missing = await server.GetAsync("/api/user/999999", root);
        missing.ExpectStatus(404);
        Assert.Equal("user id=999999 is not found", missing.Msg);
    }

    [Fact]
    public async Task Get_IncludePermissions()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        var lonely = await server.CreateOrganizationAsync(root);
        await server.CollaborationAsync(org, partner);
        var viewerRole = await server.DefaultRoleIdAsync("Viewer");
        var (id, username, password) = await server.CreateUserAsync(root, org, "Viewer");
        var extra = await server.RuleIdAsync("task", Scope.OWN, Operation.DELETE);
        (await server.PatchAsync($"/api/user/{id}", root, new { rules = new[] { extra } })).ExpectStatus(200);
        var token = await server.LoginAsync(username, password);

        var reply = (await server.GetAsync($"/api/user/{id}?include_permissions=true", token)).ExpectStatus(200);
        var permissions = reply.Json!["permissions"]!.AsObject();
        Assert.Equal(new[] { "orgs_in_collabs", "roles", "rules" }, permissions.Select(p => p.Key).Order());
        Assert.Equal([viewerRole], permissions["roles"]!.AsArray().Select(r => r!.GetValue<int>()));
        var expectedRules = await server.RoleRuleIdsAsync(viewerRole);
        expectedRules.Add(extra);
        var rules = permissions["rules"]!.AsArray().Select(r => r!.GetValue<int>()).ToList();
        Assert.Equal(rules.Count, rules.Distinct().Count());
        Assert.Equal(expectedRules.Order(), rules.Order());
        Assert.Equal(new[] { org, partner }.Order(), permissions["orgs_in_collabs"]!.AsArray().Select(o => o!.GetValue<int>()).Order());

        // an organization outside every collaboration has no orgs_in_collabs (not even itself)
        var alone = await server.CreateUserAsync(root, lonely);
        var aloneReply = (await server.GetAsync($"/api/user/{alone.Id}?include_permissions=1", root)).ExpectStatus(200);
        AssertJson("""{"roles": [], "rules": [], "orgs_in_collabs": []}""", aloneReply.Json!["permissions"]);

        // falsy values do not add the key
        var falsy = (await server.GetAsync($"/api/user/{id}?include_permissions=false", token)).ExpectStatus(200);
        Assert.False(falsy.Json!.AsObject().ContainsKey("permissions"));
    }

    // ================================================================ PATCH /user/{id}

    [Fact]
    public async Task Patch_MissingUserIs404BeforeValidation()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PatchAsync("/api/user/999999", root, new { nickname = 1 });
        reply.ExpectStatus(404);
        Assert.Equal("user id=999999 not found", reply.Msg);
    }

    [Fact]
    public async Task Patch_PasswordIsRefused()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.UserTokenAsync(root, org, "Viewer");
        var reply = await server.PatchAsync($"/api/user/{user.Id}", user.Token, new { password = "NewPassword123!" });
        reply.ExpectStatus(400);
        Assert.Equal("You cannot change your password here!", reply.Msg);
        var unknown = await server.PatchAsync($"/api/user/{user.Id}", user.Token, new { nickname = "z" });
        unknown.ExpectStatus(400);
        Assert.True(JsonNode.DeepEquals(ValidationBody("nickname", "Unknown field."), unknown.Json), unknown.Text);
    }

    [Fact]
    public async Task Patch_Usernames()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var me = await server.UserTokenAsync(root, org, "Viewer");
        var other = await server.CreateUserAsync(root, org);

        var newName = V6TestServer.Unique("renamed");
        var own = (await server.PatchAsync($"/api/user/{me.Id}", me.Token, new { username = newName, firstname = "Me" })).ExpectStatus(200);
        Assert.Equal(newName, own.Json!["username"]!.GetValue<string>());
        Assert.Equal("Me", own.Json!["firstname"]!.GetValue<string>());

        var taken = await server.PatchAsync($"/api/user/{me.Id}", me.Token, new { username = other.Username });
        taken.ExpectStatus(400);
        Assert.Equal("User with that username already exists", taken.Msg);

        var others = await server.PatchAsync($"/api/user/{other.Id}", root, new { username = V6TestServer.Unique("x") });
        others.ExpectStatus(400);
        Assert.Equal("You cannot change the username of another user", others.Msg);

        // the same username is not a change
        (await server.PatchAsync($"/api/user/{other.Id}", root, new { username = other.Username })).ExpectStatus(200);

        // a viewer cannot edit somebody else
        var foreign = await server.PatchAsync($"/api/user/{other.Id}", me.Token, new { firstname = "x" });
        foreign.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", foreign.Msg);
    }

    [Fact]
    public async Task Patch_EmailTaken()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var a = await server.CreateUserAsync(root, org);
        var b = await server.CreateUserAsync(root, org);
        var reply = await server.PatchAsync($"/api/user/{a.Id}", root, new { email = $"{b.Username}@example.org" });
        reply.ExpectStatus(400);
        Assert.Equal("User with that email already exists.", reply.Msg);
        var ok = (await server.PatchAsync($"/api/user/{a.Id}", root, new { email = $"new-{a.Username}@example.org" })).ExpectStatus(200);
        Assert.Equal($"new-{a.Username}@example.org", ok.Json!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_Roles()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var viewer = await server.DefaultRoleIdAsync("Viewer");
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var target = await server.CreateUserAsync(root, org, "Viewer");
        var weak = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));

        // own roles can never be changed, not even to the same set
        var adminRole = await server.DefaultRoleIdAsync("Organization Admin");
        var ownRoles = await server.PatchAsync($"/api/user/{admin.Id}", admin.Token, new { roles = new[] { adminRole } });
        ownRoles.ExpectStatus(401);
        Assert.Equal("You can't changes your own roles!", ownRoles.Msg);
        var ownRules = await server.PatchAsync($"/api/user/{admin.Id}", admin.Token, new { rules = Array.Empty<int>() });
        ownRules.ExpectStatus(401);
        Assert.Equal("You can't changes your own rules!", ownRules.Msg);

        // missing role
        var missing = await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { roles = new[] { viewer, 999_999 } });
        missing.ExpectStatus(404);
        Assert.Equal("Role=999999 can not be found!", missing.Msg);

        // replacing the set (the admin holds every rule of Viewer, so it may take it away)
        (await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { roles = new[] { weak } })).ExpectStatus(200);
        Assert.Equal([weak], await RolesOfAsync(target.Id));

        // Researcher carries task rules an Organization Admin does not hold
        var researcher = await server.DefaultRoleIdAsync("Researcher");
        var task = await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { roles = new[] { weak, researcher } });
        task.ExpectStatus(401);
        Assert.Matches(@"^You don't have the rule \(task, (collaboration, create|organization, delete)\)$", task.Msg);

        // a role of another organization
        var foreignRole = await server.CustomRoleAsync(other);
        var foreign = await server.PatchAsync($"/api/user/{target.Id}", root, new { roles = new[] { foreignRole } });
        foreign.ExpectStatus(401);
        Assert.Equal("You can't assign that role to that user as the role belongs to a different organization than the user ", foreign.Msg);

        // granting a role more powerful than yourself
        var grant = await server.PatchAsync($"/api/user/{target.Id}", admin.Token,
            new { roles = new[] { weak, await server.DefaultRoleIdAsync("Root") } });
        grant.ExpectStatus(401);
        Assert.StartsWith("You don't have the rule (", grant.Msg);
        Assert.Equal([weak], await RolesOfAsync(target.Id));
    }

    [Fact]
    public async Task Patch_RemovingAMorePowerfulRole_Is401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var strong = await server.CustomRoleAsync(org, ("organization", Scope.GLOBAL, Operation.DELETE));
        var target = await server.CreateUserAsync(root, org);
        (await server.PatchAsync($"/api/user/{target.Id}", root, new { roles = new[] { strong } })).ExpectStatus(200);

        var reply = await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { roles = Array.Empty<int>() });
        reply.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", reply.Msg);
        Assert.Equal([strong], await RolesOfAsync(target.Id));

        // the same for direct rules
        var rule = await server.RuleIdAsync("collaboration", Scope.GLOBAL, Operation.CREATE);
        (await server.PatchAsync($"/api/user/{target.Id}", root, new { rules = new[] { rule } })).ExpectStatus(200);
        var rules = await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { rules = Array.Empty<int>() });
        rules.ExpectStatus(401);
        Assert.Equal("You don't have the rule (collaboration, global, create)", rules.Msg);
    }

    [Fact]
    public async Task Patch_IsAtomic()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var strong = await server.CustomRoleAsync(org, ("organization", Scope.GLOBAL, Operation.DELETE));
        var target = await server.CreateUserAsync(root, org);
        (await server.PatchAsync($"/api/user/{target.Id}", root, new { roles = new[] { strong } })).ExpectStatus(200);

        var reply = await server.PatchAsync($"/api/user/{target.Id}", admin.Token,
            new { firstname = "Changed", email = $"changed-{target.Username}@example.org", roles = Array.Empty<int>() });
        reply.ExpectStatus(401);
        var after = (await server.GetAsync($"/api/user/{target.Id}", root)).ExpectStatus(200);
        Assert.Equal("Test", after.Json!["firstname"]!.GetValue<string>());
        Assert.Equal($"{target.Username}@example.org", after.Json!["email"]!.GetValue<string>());

        // same for a 404 on roles
        var notFound = await server.PatchAsync($"/api/user/{target.Id}", root, new { lastname = "Changed", roles = new[] { 999_999 } });
        notFound.ExpectStatus(404);
        Assert.Equal("User", (await server.GetAsync($"/api/user/{target.Id}", root)).Json!["lastname"]!.GetValue<string>());
    }

    [Fact]
    public async Task OrganizationMove_IsIgnored()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var adminRole = await server.DefaultRoleIdAsync("Organization Admin");

        var reply = (await server.PatchAsync($"/api/user/{admin.Id}", root, new { organization_id = other, firstname = "Moved" })).ExpectStatus(200);
        Assert.Equal(org, reply.Json!["organization"]!["id"]!.GetValue<int>());
        Assert.Equal(org, await OrganizationOfAsync(root, admin.Id));
        Assert.Equal([adminRole], await RolesOfAsync(admin.Id));

        // the user's rights stay tied to the original organization: nothing reaches the other one
        (await server.GetAsync($"/api/user?organization_id={other}", admin.Token)).ExpectStatus(401);
        (await server.GetAsync($"/api/user?organization_id={org}", admin.Token)).ExpectStatus(200);

        // moving oneself is ignored too
        (await server.PatchAsync($"/api/user/{admin.Id}", admin.Token, new { organization_id = other })).ExpectStatus(200);
        Assert.Equal(org, await OrganizationOfAsync(root, admin.Id));
    }

    // ================================================================ DELETE /user/{id}

    [Fact]
    public async Task Delete_OwnAccountWithViewerRole()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var me = await server.UserTokenAsync(root, org, "Viewer");
        var colleague = await server.CreateUserAsync(root, org);

        var foreign = await server.DeleteAsync($"/api/user/{colleague.Id}", me.Token);
        foreign.ExpectStatus(401);
        Assert.Equal("You lack the permission to do that!", foreign.Msg);

        var reply = (await server.DeleteAsync($"/api/user/{me.Id}", me.Token)).ExpectStatus(200);
        Assert.Equal($"user id={me.Id} is removed from the database", reply.Msg);
        (await server.GetAsync($"/api/user/{me.Id}", root)).ExpectStatus(404);
        Assert.Empty(await RolesOfAsync(me.Id));

        // the token of a deleted user no longer works
        var after = await server.GetAsync($"/api/user/{colleague.Id}", me.Token);
        after.ExpectStatus(401);
        Assert.Equal($"Error loading the user {me.Id}", after.Msg);

        var missing = await server.DeleteAsync("/api/user/999999", root);
        missing.ExpectStatus(404);
        Assert.Equal("user id=999999 not found", missing.Msg);
    }

    private async Task<(int TaskId, int RunId)> TaskOfAsync(int userId, int organizationId)
    {
        var collab = await server.CollaborationAsync(organizationId);
        await using (server.Scope(out var db))
        {
            var task = new TaskEntity
            {
                Name = "t", Image = "img", CollaborationId = collab, InitOrgId = organizationId, InitUserId = userId,
                JobId = 1, CreatedAt = DateTime.UtcNow,
            };
            db.Tasks.Add(task);
            await db.SaveChangesAsync();
            var run = new Run { TaskId = task.Id, OrganizationId = organizationId, Status = "pending", AssignedAt = DateTime.UtcNow };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            return (task.Id, run.Id);
        }
    }

    [Fact]
    public async Task Delete_UserWithTasksNeedsDeleteDependents()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Researcher");
        var (taskId, _) = await TaskOfAsync(user.Id, org);

        var reply = await server.DeleteAsync($"/api/user/{user.Id}", root);
        reply.ExpectStatus(400);
        Assert.Equal("User has created 1 tasks. Please delete those first, or set the `delete_dependents` parameter to true to delete them automatically together with this user.", reply.Msg);
        var falsy = await server.DeleteAsync($"/api/user/{user.Id}?delete_dependents=false", root);
        falsy.ExpectStatus(400);
        (await server.GetAsync($"/api/user/{user.Id}", root)).ExpectStatus(200);
        await using (server.Scope(out var db))
            Assert.True(await db.Tasks.AnyAsync(t => t.Id == taskId));
    }

    [Fact]
    public async Task Orphans_UserDeleteCascadesTasks()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Researcher");
        var (taskId, runId) = await TaskOfAsync(user.Id, org);
        int childId;
        await using (server.Scope(out var db))
        {
            // a subtask goes with its parent even when it does not name the user itself, and a port on the run goes as well
            var child = new TaskEntity { Name = "child", Image = "img", ParentId = taskId, InitUserId = null, InitOrgId = org, JobId = 1 };
            db.Tasks.Add(child);
            db.AlgorithmPorts.Add(new AlgorithmPort { Port = 8080, RunId = runId, Label = "p" });
            await db.SaveChangesAsync();
            childId = child.Id;
        }

        var reply = (await server.DeleteAsync($"/api/user/{user.Id}?delete_dependents=true", root)).ExpectStatus(200);
        Assert.Equal($"user id={user.Id} is removed from the database", reply.Msg);

        await using (server.Scope(out var db))
        {
            Assert.False(await db.Users.AnyAsync(u => u.Id == user.Id));
            Assert.False(await db.Tasks.AnyAsync(t => t.Id == taskId || t.Id == childId));
            Assert.False(await db.Tasks.AnyAsync(t => t.InitUserId == user.Id));
            Assert.False(await db.Runs.AnyAsync(r => r.Id == runId || r.TaskId == taskId));
            Assert.False(await db.AlgorithmPorts.AnyAsync(p => p.RunId == runId));
            Assert.False(await db.UserRoles.AnyAsync(p => p.UserId == user.Id));
        }
        (await server.GetAsync($"/api/task/{taskId}", root)).ExpectStatus(404);
        (await server.GetAsync($"/api/run/{runId}", root)).ExpectStatus(404);
    }
}
