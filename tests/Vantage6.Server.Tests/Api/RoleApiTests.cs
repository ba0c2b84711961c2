using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary><c>/role</c> and <c>/role/{id}/rule/{rule_id}</c> (api-core §6).</summary>
public class RoleApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static readonly string[] DefaultRoles = ["Root", "container", "node", "Viewer", "Researcher", "Organization Admin", "Collaboration Admin"];

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    private static List<int> Ids(Reply reply) => reply.Data.Select(o => o!["id"]!.GetValue<int>()).Order().ToList();

    private static List<int> IdsOf(JsonArray rules) => rules.Select(o => o!["id"]!.GetValue<int>()).Order().ToList();

    private async Task<List<int>> RoleRulesAsync(int roleId) => (await server.RoleRuleIdsAsync(roleId)).Order().ToList();

    private async Task<int> RoleRuleRowsAsync(int roleId, int ruleId)
    {
        await using (server.Scope(out var db))
            return await db.RoleRules.CountAsync(rr => rr.RoleId == roleId && rr.RuleId == ruleId);
    }

    private async Task<List<int>> DefaultRoleIdsAsync()
    {
        var ids = new List<int>();
        foreach (var name in DefaultRoles) ids.Add(await server.DefaultRoleIdAsync(name));
        return ids;
    }

    // ================================================================ POST /role

    [Fact]
    public async Task Create_Returns201WithRoleShape()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var r1 = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);
        var r2 = await server.RuleIdAsync("task", Scope.GLOBAL, Operation.VIEW);
        var name = V6TestServer.Unique("steward");
        var reply = await server.PostAsync("/api/role", root, new { name, description = "Can view all tasks", rules = new[] { r1, r2 }, organization_id = org });
        reply.ExpectStatus(201);
        var role = reply.Json!;
        var id = role["id"]!.GetValue<int>();
        Assert.Equal(new[] { "description", "id", "is_default_role", "name", "organization", "rules", "users" }, role.AsObject().Select(p => p.Key).Order());
        Assert.Equal(name, role["name"]!.GetValue<string>());
        Assert.Equal("Can view all tasks", role["description"]!.GetValue<string>());
        Assert.False(role["is_default_role"]!.GetValue<bool>());
        Assert.Equal(org, role["organization"]!["id"]!.GetValue<int>());
        Assert.Equal($"/api/organization/{org}", role["organization"]!["link"]!.GetValue<string>());
        Assert.Equal(new[] { "DELETE", "GET", "PATCH" }, role["organization"]!["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Order());
        Assert.Equal($"/api/rule?role_id={id}", role["rules"]!.GetValue<string>());
        Assert.Equal($"/api/user?role_id={id}", role["users"]!.GetValue<string>());
        Assert.Equal(new[] { r1, r2 }.Order(), await RoleRulesAsync(id));

        // rules may be empty; without organization_id the role belongs to the creator's organization
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var own = await server.PostAsync("/api/role", admin.Token, new { name = V6TestServer.Unique("r"), rules = Array.Empty<int>() });
        own.ExpectStatus(201);
        Assert.Equal(org, own.Json!["organization"]!["id"]!.GetValue<int>());
        Assert.Null(own.Json!["description"]);
        Assert.Empty(await RoleRulesAsync(own.Json!["id"]!.GetValue<int>()));

        // the default shipped roles are global and flagged
        var viewer = (await server.GetAsync($"/api/role/{await server.DefaultRoleIdAsync("Viewer")}", root)).ExpectStatus(200);
        Assert.True(viewer.Json!["is_default_role"]!.GetValue<bool>());
        Assert.Null(viewer.Json!["organization"]);
        Assert.True(viewer.Json!.AsObject().ContainsKey("organization"));
    }

    [Fact]
    public async Task Create_ValidationErrorsUseTheRoleShape()
    {
        var root = await server.RootTokenAsync();
        foreach (var name in DefaultRoles)
        {
            var reply = await server.PostAsync("/api/role", root, new { name, rules = Array.Empty<int>() });
            reply.ExpectStatus(400);
            AssertJson("""{"msg": {"name": ["Role name cannot be one of the default roles"]}}""", reply.Json);
        }
        var missingRules = await server.PostAsync("/api/role", root, new { name = "x" });
        missingRules.ExpectStatus(400);
        AssertJson("""{"msg": {"rules": ["Missing data for required field."]}}""", missingRules.Json);

        var missingAll = await server.PostAsync("/api/role", root, new { description = "d" });
        missingAll.ExpectStatus(400);
        AssertJson("""{"msg": {"name": ["Missing data for required field."], "rules": ["Missing data for required field."]}}""", missingAll.Json);

        var unknown = await server.PostAsync("/api/role", root, new { name = "x", rules = Array.Empty<int>(), colour = "red" });
        unknown.ExpectStatus(400);
        AssertJson("""{"msg": {"colour": ["Unknown field."]}}""", unknown.Json);

        var badRules = await server.PostAsync("/api/role", root, new { name = "x", rules = new object[] { "a" } });
        badRules.ExpectStatus(400);
        AssertJson("""{"msg": {"rules": {"0": ["Not a valid integer."]}}}""", badRules.Json);

        // the default names are case-sensitive
        var root2 = await server.PostAsync("/api/role", root, new { name = "viewer" + V6TestServer.Unique(""), rules = Array.Empty<int>() });
        root2.ExpectStatus(201);
    }

    [Fact]
    public async Task NameIdConfusion_NumericRoleNameRefused()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var created = await server.PostAsync("/api/role", root, new { name = "123", rules = Array.Empty<int>(), organization_id = org });
        created.ExpectStatus(400);
        AssertJson("""{"msg": {"name": ["Name cannot a number"]}}""", created.Json);

        var role = await server.CustomRoleAsync(org);
        var renamed = await server.PatchAsync($"/api/role/{role}", root, new { name = "4567" });
        renamed.ExpectStatus(400);
        AssertJson("""{"msg": {"name": ["Name cannot a number"]}}""", renamed.Json);

        // digits inside a name are fine
        (await server.PostAsync("/api/role", root, new { name = "team 2", rules = Array.Empty<int>(), organization_id = org })).ExpectStatus(201);
    }

    [Theory]
    [InlineData("page=0", "page needs to be >= 1")]
    [InlineData("per_page=0", "per_page needs to be >= 1")]
    [InlineData("page=abc", null)]
    [InlineData("per_page=-3", null)]
    [InlineData("organization_id=abc", null)]
    [InlineData("sort=colour", "Cannot sort a 'Role' by 'colour' because it does not exist")]
    public async Task List_BadQueryValuesAre400(string query, string? message)
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync($"/api/role?{query}", root);
        reply.ExpectStatus(400);
        Assert.False(string.IsNullOrWhiteSpace(reply.Msg), reply.Text);
        if (message is not null) Assert.Equal(message, reply.Msg);
    }

    [Fact]
    public async Task Create_NonexistentRuleAndOrganization()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var rule = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);

        var noRule = await server.PostAsync("/api/role", root, new { name = "x", rules = new[] { rule, 999_999 }, organization_id = org });
        noRule.ExpectStatus(404);
        Assert.Equal("Rule with id 999999 not found", noRule.Msg);

        var noOrg = await server.PostAsync("/api/role", root, new { name = "x", rules = new[] { rule }, organization_id = 999_999 });
        noOrg.ExpectStatus(404);
        Assert.Equal("Organization \"999999\" does not exist!", noOrg.Msg);
    }

    [Fact]
    public async Task Create_ForAnotherOrganization_Is401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var rule = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);

        var reply = await server.PostAsync("/api/role", admin.Token, new { name = "x", rules = new[] { rule }, organization_id = other });
        reply.ExpectStatus(401);
        Assert.Equal($"You lack the permission to c roles for organization {other}!", reply.Msg);

        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        var noCreate = await server.PostAsync("/api/role", viewer.Token, new { name = "x", rules = Array.Empty<int>() });
        noCreate.ExpectStatus(401);
        Assert.Equal($"You lack the permission to c roles for organization {org}!", noCreate.Msg);

        (await server.PostAsync("/api/role", admin.Token, new { name = V6TestServer.Unique("r"), rules = new[] { rule }, organization_id = org }))
            .ExpectStatus(201);
    }

    [Fact]
    public async Task PrivilegeWidening_CannotGrantUnheldRules()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var orgDelete = await server.RuleIdAsync("organization", Scope.GLOBAL, Operation.DELETE);
        var userColView = await server.RuleIdAsync("user", Scope.COLLABORATION, Operation.VIEW);
        var userOrgView = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);
        var userOwnEdit = await server.RuleIdAsync("user", Scope.OWN, Operation.EDIT);

        // creating a role
        var create = await server.PostAsync("/api/role", admin.Token, new { name = V6TestServer.Unique("r"), rules = new[] { userOrgView, orgDelete } });
        create.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", create.Msg);
        var wider = await server.PostAsync("/api/role", admin.Token, new { name = V6TestServer.Unique("r"), rules = new[] { userColView } });
        wider.ExpectStatus(401);
        Assert.Equal("You don't have the rule (user, collaboration, view)", wider.Msg);
        await using (server.Scope(out var db))
            Assert.False(await db.Roles.AnyAsync(r => r.OrganizationId == org));

        // rules the admin holds are fine
        var ok = await server.PostAsync("/api/role", admin.Token, new { name = V6TestServer.Unique("r"), rules = new[] { userOrgView, userOwnEdit } });
        ok.ExpectStatus(201);
        var roleId = ok.Json!["id"]!.GetValue<int>();

        // editing a role
        var patch = await server.PatchAsync($"/api/role/{roleId}", admin.Token, new { rules = new[] { userOrgView, orgDelete } });
        patch.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", patch.Msg);
        Assert.Equal(new[] { userOrgView, userOwnEdit }.Order(), await RoleRulesAsync(roleId));

        // adding a single rule
        var add = await server.PostAsync($"/api/role/{roleId}/rule/{orgDelete}", admin.Token, null);
        add.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", add.Msg);
        Assert.Equal(0, await RoleRuleRowsAsync(roleId, orgDelete));

        // nor can an admin hand out the widened role indirectly through a user: root put the rule in, the admin cannot assign it
        (await server.PostAsync($"/api/role/{roleId}/rule/{orgDelete}", root, null)).ExpectStatus(201);
        var target = await server.CreateUserAsync(root, org);
        var assign = await server.PatchAsync($"/api/user/{target.Id}", admin.Token, new { roles = new[] { roleId } });
        assign.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", assign.Msg);

        // a rule held at a wider scope covers the narrower one: user:col:v is enough to hand out user:org:v
        var (wideId, wideName, widePassword) = await server.CreateUserAsync(root, org);
        await server.GrantRoleAsync(wideId, await server.CustomRoleAsync(org, ("user", Scope.COLLABORATION, Operation.VIEW),
            ("role", Scope.ORGANIZATION, Operation.CREATE)));
        var wide = await server.LoginAsync(wideName, widePassword);
        (await server.PostAsync("/api/role", wide, new { name = V6TestServer.Unique("r"), rules = new[] { userOrgView } })).ExpectStatus(201);
        var narrowHolder = await server.PostAsync("/api/role", wide, new { name = V6TestServer.Unique("r"), rules = new[] { userOwnEdit } });
        narrowHolder.ExpectStatus(401);
        Assert.Equal("You don't have the rule (user, own, edit)", narrowHolder.Msg);

        // and removing a rule the admin does not hold is refused as well
        var remove = await server.DeleteAsync($"/api/role/{roleId}/rule/{orgDelete}", admin.Token);
        remove.ExpectStatus(401);
        Assert.Equal("You don't have the rule (organization, global, delete)", remove.Msg);
    }

    // ================================================================ GET /role

    [Fact]
    public async Task List_Filters()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var a = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var b = await server.CustomRoleAsync(org, ("task", Scope.OWN, Operation.VIEW));
        var c = await server.CustomRoleAsync(other, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var defaults = await DefaultRoleIdsAsync();

        // organization_id, repeatable, with and without include_root
        var inOrg = (await server.GetAsync($"/api/role?organization_id={org}", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, b }.Order(), Ids(inOrg));
        var both = (await server.GetAsync($"/api/role?organization_id={org}&organization_id={other}", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, b, c }.Order(), Ids(both));
        var withRoot = (await server.GetAsync($"/api/role?organization_id={org}&include_root=true&per_page=100", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, b }.Concat(defaults).Order(), Ids(withRoot));
        var falsyRoot = (await server.GetAsync($"/api/role?organization_id={org}&include_root=false", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, b }.Order(), Ids(falsyRoot));

        // name LIKE, repeatable and OR-ed
        await using (server.Scope(out var db))
        {
            await db.Roles.Where(r => r.Id == a).ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, $"alpha-{org}"));
            await db.Roles.Where(r => r.Id == b).ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, $"beta-{org}"));
            await db.Roles.Where(r => r.Id == c).ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, $"gamma-{org}"));
        }
        var alpha = (await server.GetAsync($"/api/role?name=alpha-{org}", root)).ExpectStatus(200);
        Assert.Equal([a], Ids(alpha));
        var alphaOrGamma = (await server.GetAsync($"/api/role?name=alpha-{org}&name=gamma-{org}", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, c }.Order(), Ids(alphaOrGamma));
        var pattern = (await server.GetAsync($"/api/role?name={Uri.EscapeDataString($"%-{org}")}", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, b, c }.Order(), Ids(pattern));
        var exactDefault = (await server.GetAsync("/api/role?name=Viewer", root)).ExpectStatus(200);
        Assert.Equal([await server.DefaultRoleIdAsync("Viewer")], Ids(exactDefault));

        // rule_id
        var taskOwnView = await server.RuleIdAsync("task", Scope.OWN, Operation.VIEW);
        var byRule = (await server.GetAsync($"/api/role?rule_id={taskOwnView}&organization_id={org}", root)).ExpectStatus(200);
        Assert.Equal([b], Ids(byRule));
        var byRuleAll = (await server.GetAsync($"/api/role?rule_id={taskOwnView}&per_page=1000", root)).ExpectStatus(200);
        Assert.Contains(await server.DefaultRoleIdAsync("Root"), Ids(byRuleAll));
        Assert.DoesNotContain(await server.DefaultRoleIdAsync("Viewer"), Ids(byRuleAll));
        var missingRule = await server.GetAsync("/api/role?rule_id=999999", root);
        missingRule.ExpectStatus(404);
        Assert.Equal("Rule with id=999999 not found.", missingRule.Msg);

        // user_id
        var user = await server.CreateUserAsync(root, org, "Viewer");
        await server.GrantRoleAsync(user.Id, a);
        var byUser = (await server.GetAsync($"/api/role?user_id={user.Id}", root)).ExpectStatus(200);
        Assert.Equal(new[] { a, await server.DefaultRoleIdAsync("Viewer") }.Order(), Ids(byUser));
        var missingUser = await server.GetAsync("/api/role?user_id=999999", root);
        missingUser.ExpectStatus(400);
        Assert.Equal("User with id=999999 does not exist!", missingUser.Msg);
    }

    [Fact]
    public async Task List_PermissionChecksOnFilters()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        var stranger = await server.CreateUserAsync(root, other, "Viewer");

        var byOrg = await server.GetAsync($"/api/role?organization_id={other}", viewer.Token);
        byOrg.ExpectStatus(401);
        Assert.Equal($"You lack the permission to view roles from organization {other}!", byOrg.Msg);
        (await server.GetAsync($"/api/role?organization_id={org}", viewer.Token)).ExpectStatus(200);

        var byUser = await server.GetAsync($"/api/role?user_id={stranger.Id}", viewer.Token);
        byUser.ExpectStatus(401);
        Assert.Equal($"You lack the permission to view roles from the organization that user id={stranger.Id} belongs to!", byUser.Msg);
        var self = (await server.GetAsync($"/api/role?user_id={viewer.Id}", viewer.Token)).ExpectStatus(200);
        Assert.Equal([await server.DefaultRoleIdAsync("Viewer")], Ids(self));
    }

    [Fact]
    public async Task List_ScopeRestriction()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        var unrelated = await server.CreateOrganizationAsync(root);
        await server.CollaborationAsync(org, partner);
        var mine = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var colleagues = await server.CustomRoleAsync(org);
        var partners = await server.CustomRoleAsync(partner);
        var strangers = await server.CustomRoleAsync(unrelated);
        var defaults = await DefaultRoleIdsAsync();

        // no role view rule at all: only the own roles
        var (id, username, password) = await server.CreateUserAsync(root, org);
        await server.GrantRoleAsync(id, mine);
        var token = await server.LoginAsync(username, password);
        var ownOnly = (await server.GetAsync("/api/role?per_page=1000", token)).ExpectStatus(200);
        Assert.Equal([mine], Ids(ownOnly));
        var otherRole = await server.GetAsync($"/api/role/{colleagues}", token);
        otherRole.ExpectStatus(401);
        Assert.Equal("You do not have permission to view this role.", otherRole.Msg);
        (await server.GetAsync($"/api/role/{mine}", token)).ExpectStatus(200);

        // role:org:v (Viewer): own organization's roles, global roles, own roles
        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        var orgScope = (await server.GetAsync("/api/role?per_page=1000", viewer.Token)).ExpectStatus(200);
        Assert.Equal(new[] { mine, colleagues }.Concat(defaults).Order(), Ids(orgScope));

        // role:col:v (Collaboration Admin): also the partner's roles, not the unrelated organization's
        var collabAdmin = await server.UserTokenAsync(root, org, "Collaboration Admin");
        var colScope = Ids((await server.GetAsync("/api/role?per_page=1000", collabAdmin.Token)).ExpectStatus(200));
        Assert.Contains(partners, colScope);
        Assert.Contains(colleagues, colScope);
        Assert.DoesNotContain(strangers, colScope);
        Assert.All(defaults, d => Assert.Contains(d, colScope));

        // root (role:glo:v) sees everything
        var all = Ids((await server.GetAsync("/api/role?per_page=10000", root)).ExpectStatus(200));
        Assert.Contains(strangers, all);
    }

    [Fact]
    public async Task Get_DefaultRoleAsViewer()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        var foreign = await server.CustomRoleAsync(other);

        foreach (var name in DefaultRoles)
        {
            var reply = await server.GetAsync($"/api/role/{await server.DefaultRoleIdAsync(name)}", viewer.Token);
            reply.ExpectStatus(200);
            Assert.Equal(name, reply.Json!["name"]!.GetValue<string>());
        }
        var denied = await server.GetAsync($"/api/role/{foreign}", viewer.Token);
        denied.ExpectStatus(401);
        Assert.Equal("You do not have permission to view this role.", denied.Msg);

        var missing = await server.GetAsync("/api/role/999999", root);
        missing.ExpectStatus(404);
        Assert.Equal("Role with id=999999 not found.", missing.Msg);
    }

    // ================================================================ PATCH /role/{id}

    [Fact]
    public async Task Patch()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var role = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var foreign = await server.CustomRoleAsync(other);
        var r1 = await server.RuleIdAsync("node", Scope.ORGANIZATION, Operation.VIEW);
        var r2 = await server.RuleIdAsync("user", Scope.OWN, Operation.EDIT);

        var viewerId = await server.DefaultRoleIdAsync("Viewer");
        var def = await server.PatchAsync($"/api/role/{viewerId}", root, new { description = "x" });
        def.ExpectStatus(400);
        Assert.Equal("Role Viewer is a default role and cannot be edited or deleted.", def.Msg);

        var moveOrg = await server.PatchAsync($"/api/role/{role}", root, new { organization_id = other });
        moveOrg.ExpectStatus(400);
        Assert.Equal("Cannot change role's organization", moveOrg.Msg);

        var toDefaultName = await server.PatchAsync($"/api/role/{role}", root, new { name = "Root" });
        toDefaultName.ExpectStatus(400);
        AssertJson("""{"msg": {"name": ["Role name cannot be one of the default roles"]}}""", toDefaultName.Json);

        var missing = await server.PatchAsync("/api/role/999999", root, new { name = "x" });
        missing.ExpectStatus(404);
        Assert.Equal("Role with id=999999 not found.", missing.Msg);

        var noPermission = await server.PatchAsync($"/api/role/{foreign}", admin.Token, new { name = "x" });
        noPermission.ExpectStatus(401);
        Assert.Equal($"You lack the permission to e roles for organization {other}!", noPermission.Msg);

        var missingRule = await server.PatchAsync($"/api/role/{role}", admin.Token, new { rules = new[] { r1, 999_999 } });
        missingRule.ExpectStatus(404);
        Assert.Equal("Rule with id=999999 not found.", missingRule.Msg);

        var newName = V6TestServer.Unique("renamed");
        var ok = (await server.PatchAsync($"/api/role/{role}", admin.Token, new { name = newName, description = "new", rules = new[] { r1, r2 } })).ExpectStatus(200);
        Assert.Equal(newName, ok.Json!["name"]!.GetValue<string>());
        Assert.Equal("new", ok.Json!["description"]!.GetValue<string>());
        Assert.Equal(org, ok.Json!["organization"]!["id"]!.GetValue<int>());
        Assert.Equal(new[] { r1, r2 }.Order(), await RoleRulesAsync(role));

        // rules are replaced, and a partial body leaves them alone
        (await server.PatchAsync($"/api/role/{role}", admin.Token, new { description = "again" })).ExpectStatus(200);
        Assert.Equal(new[] { r1, r2 }.Order(), await RoleRulesAsync(role));
        (await server.PatchAsync($"/api/role/{role}", admin.Token, new { rules = Array.Empty<int>() })).ExpectStatus(200);
        Assert.Empty(await RoleRulesAsync(role));
    }

    // ================================================================ DELETE /role/{id}

    [Fact]
    public async Task Delete()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var other = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var role = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var foreign = await server.CustomRoleAsync(other);
        var user = await server.CreateUserAsync(root, org);
        await server.GrantRoleAsync(user.Id, role);
        string name;
        await using (server.Scope(out var db)) name = (await db.Roles.SingleAsync(r => r.Id == role)).Name!;

        var def = await server.DeleteAsync($"/api/role/{await server.DefaultRoleIdAsync("Researcher")}", root);
        def.ExpectStatus(400);
        Assert.Equal("Role Researcher is a default role and cannot be edited or deleted.", def.Msg);

        var missing = await server.DeleteAsync("/api/role/999999", root);
        missing.ExpectStatus(404);
        Assert.Equal("Role with id=999999 not found.", missing.Msg);

        var noPermission = await server.DeleteAsync($"/api/role/{foreign}", admin.Token);
        noPermission.ExpectStatus(401);
        Assert.Equal($"You lack the permission to d roles for organization {other}!", noPermission.Msg);

        var assigned = await server.DeleteAsync($"/api/role/{role}", admin.Token);
        assigned.ExpectStatus(400);
        Assert.Equal($"Role {name} is assigned to users and cannot be deleted.", assigned.Msg);
        (await server.GetAsync($"/api/role/{role}", root)).ExpectStatus(200);

        var deleted = (await server.DeleteAsync($"/api/role/{role}?delete_dependents=true", admin.Token)).ExpectStatus(200);
        Assert.Equal("Role removed from the database.", deleted.Msg);
        (await server.GetAsync($"/api/role/{role}", root)).ExpectStatus(404);
        await using (server.Scope(out var db))
        {
            Assert.False(await db.UserRoles.AnyAsync(p => p.RoleId == role));
            Assert.False(await db.RoleRules.AnyAsync(p => p.RoleId == role));
            Assert.True(await db.Users.AnyAsync(u => u.Id == user.Id)); // the user stays
        }

        // an unassigned role goes without the flag
        var unassigned = await server.CustomRoleAsync(org);
        (await server.DeleteAsync($"/api/role/{unassigned}", admin.Token)).ExpectStatus(200);
    }

    // ================================================================ /role/{id}/rule/{rule_id}

    [Fact]
    public async Task AddAndRemoveRule()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var admin = await server.UserTokenAsync(root, org, "Organization Admin");
        var first = await server.RuleIdAsync("user", Scope.ORGANIZATION, Operation.VIEW);
        var role = await server.CustomRoleAsync(org, ("user", Scope.ORGANIZATION, Operation.VIEW));
        var added = await server.RuleIdAsync("node", Scope.ORGANIZATION, Operation.VIEW);
        var absent = await server.RuleIdAsync("task", Scope.COLLABORATION, Operation.VIEW);

        var add = await server.PostAsync($"/api/role/{role}/rule/{added}", admin.Token, null);
        add.ExpectStatus(201);
        var array = Assert.IsType<JsonArray>(add.Json);
        Assert.Equal(new[] { first, added }.Order(), IdsOf(array));
        var ruleObject = array.First(r => r!["id"]!.GetValue<int>() == added)!;
        Assert.Equal("node", ruleObject["name"]!.GetValue<string>());
        Assert.Equal("ORGANIZATION", ruleObject["scope"]!.GetValue<string>());
        Assert.Equal("VIEW", ruleObject["operation"]!.GetValue<string>());

        // idempotent
        var again = await server.PostAsync($"/api/role/{role}/rule/{added}", admin.Token, null);
        again.ExpectStatus(201);
        Assert.Equal(new[] { first, added }.Order(), IdsOf(again.Json!.AsArray()));
        Assert.Equal(1, await RoleRuleRowsAsync(role, added));

        var notPart = await server.DeleteAsync($"/api/role/{role}/rule/{absent}", admin.Token);
        notPart.ExpectStatus(404);
        Assert.Equal($"Rule with id={absent} is not part of role with id={role}", notPart.Msg);

        var missingRole = await server.PostAsync($"/api/role/999999/rule/{added}", root, null);
        missingRole.ExpectStatus(404);
        Assert.Equal("Role with id=999999 not found.", missingRole.Msg);
        var missingRule = await server.PostAsync($"/api/role/{role}/rule/999999", root, null);
        missingRule.ExpectStatus(404);
        Assert.Equal("Rule with id=999999 not found.", missingRule.Msg);

        var viewer = await server.UserTokenAsync(root, org, "Viewer");
        var noEdit = await server.PostAsync($"/api/role/{role}/rule/{added}", viewer.Token, null);
        noEdit.ExpectStatus(401);
        Assert.Equal($"You lack the permission to e roles for organization {org}!", noEdit.Msg);

        var remove = await server.DeleteAsync($"/api/role/{role}/rule/{added}", admin.Token);
        remove.ExpectStatus(200);
        Assert.Equal([first], IdsOf(remove.Json!.AsArray()));
        var last = await server.DeleteAsync($"/api/role/{role}/rule/{first}", admin.Token);
        last.ExpectStatus(200);
        Assert.Equal("[]", last.Text.Trim());
        Assert.Empty(await RoleRulesAsync(role));
    }
}
