using System.Text.Json.Nodes;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Data;

/// <summary>A started server on one of the 4.14 fixture databases, with snapshots taken around its start.</summary>
public interface IFixtureDatabase
{
    DatabaseServer Server { get; }
    /// <summary>The manifest of this database.</summary>
    JsonNode Manifest { get; }
    /// <summary>The manifest of the other fixture database (its node keys must be refused here).</summary>
    JsonNode OtherManifest { get; }
    DbSnapshot BeforeStart { get; }
    DbSnapshot AfterStart { get; }
    Task<DbSnapshot> SnapshotAsync();
}

/// <summary>
/// The fixture README's "What a compatible server must show", written once for both databases.
/// Each check is one test in <see cref="FixtureCompatibilityTests"/> and <see cref="PostgresFixtureCompatibilityTests"/>.
/// </summary>
public static class FixtureChecks
{
    public static IEnumerable<(string Username, string Password, int Id)> Users(JsonNode manifest)
    {
        var root = manifest["root"]!;
        yield return (root["username"]!.GetValue<string>(), root["password"]!.GetValue<string>(), root["id"]!.GetValue<int>());
        foreach (var u in manifest["users"]!.AsArray())
            yield return (u!["username"]!.GetValue<string>(), u["password"]!.GetValue<string>(), u["id"]!.GetValue<int>());
    }

    public static IEnumerable<(string Name, string ApiKey, int Id, int OrganizationId)> Nodes(JsonNode manifest) =>
        manifest["nodes"]!.AsArray().Select(n => (n!["name"]!.GetValue<string>(), n["api_key"]!.GetValue<string>(),
            n["id"]!.GetValue<int>(), n["organization_id"]!.GetValue<int>()));

    private static string Password(JsonNode manifest, string username) => Users(manifest).Single(u => u.Username == username).Password;

    private static Task<string> RootAsync(IFixtureDatabase f) => f.Server.UserTokenAsync("root", Password(f.Manifest, "root"));

    // ------------------------------------------------------------------ 1. nothing changes

    public static void StartupChangesNothing(IFixtureDatabase f) =>
        DbSnapshot.AssertEqual(f.BeforeStart, f.AfterStart, "starting the server on the fixture");

    /// <summary>Requests (logins and reads by users and nodes) change nothing but <c>authenticatable.last_seen</c>.</summary>
    public static async Task RequestsOnlyUpdateLastSeen(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        foreach (var path in new[] { "organization", "user", "role", "rule", "collaboration", "node", "study", "task", "run", "result",
                     "organization/2", "user/6", "role/8", "rule/2", "collaboration/1", "node/7", "task/1", "run/1", "port" })
            await f.Server.GetAsync($"/api/{path}", root);
        var (_, key, nodeId, _) = Nodes(f.Manifest).First();
        var node = await f.Server.NodeTokenAsync(key);
        await f.Server.GetAsync("/api/organization", node);
        await f.Server.GetAsync($"/api/node/{nodeId}", node);
        var gamma = await f.Server.UserTokenAsync("gamma_auditor", Password(f.Manifest, "gamma_auditor"));
        await f.Server.GetAsync("/api/study", gamma); // refused: 401

        var after = await f.SnapshotAsync();
        DbSnapshot.AssertEqual(f.BeforeStart.Without("authenticatable.last_seen"), after.Without("authenticatable.last_seen"),
            "serving read requests on the fixture");

        // last_seen itself was written for the callers, and only for them.
        var changed = DbSnapshot.Differences(f.BeforeStart, after);
        Assert.NotEmpty(changed);
        Assert.All(changed, d => Assert.StartsWith("authenticatable:", d));
        var lastSeenBefore = LastSeen(f.BeforeStart);
        var lastSeenAfter = LastSeen(after);
        Assert.NotEqual(lastSeenBefore[1], lastSeenAfter[1]);
        Assert.NotEqual(lastSeenBefore[nodeId], lastSeenAfter[nodeId]);
    }

    private static Dictionary<int, string> LastSeen(DbSnapshot s)
    {
        var columns = s.Columns["authenticatable"];
        int id = columns.IndexOf("id"), lastSeen = columns.IndexOf("last_seen");
        return s.Tables["authenticatable"].Select(r => r.Split(" | "))
            .ToDictionary(v => int.Parse(v[id].Replace("i:", "")), v => v[lastSeen]);
    }

    // ------------------------------------------------------------------ 2. and 3. logins

    public static async Task UsersLogIn(IFixtureDatabase f)
    {
        foreach (var (username, password, id) in Users(f.Manifest))
        {
            var reply = await f.Server.LoginUserAsync(username, password);
            Assert.True(reply.Status == 200, $"login of {username}: {reply.Status} {reply.Text}");
            Assert.Equal($"/api/user/{id}", reply.Json!["user_url"]!.GetValue<string>());
            Assert.Equal("/api/token/refresh", reply.Json["refresh_url"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(reply.Json["access_token"]!.GetValue<string>()));
        }
    }

    public static async Task WrongPasswordIsRefused(IFixtureDatabase f)
    {
        // A wrong password counts a failed attempt (a write), so only an unknown user is tried here.
        var reply = await f.Server.LoginUserAsync("nobody_in_the_fixture", "Whatever-2024!");
        Assert.Equal(401, reply.Status);
    }

    public static async Task NodesLogIn(IFixtureDatabase f)
    {
        foreach (var (name, key, id, _) in Nodes(f.Manifest))
        {
            var reply = await f.Server.LoginNodeAsync(key);
            Assert.True(reply.Status == 200, $"login of node {name}: {reply.Status} {reply.Text}");
            Assert.Equal($"/api/node/{id}", reply.Json!["node_url"]!.GetValue<string>());
        }
    }

    public static async Task OtherDatabasesNodeKeysAreRefused(IFixtureDatabase f)
    {
        foreach (var (name, key, _, _) in Nodes(f.OtherManifest))
        {
            var reply = await f.Server.LoginNodeAsync(key);
            Assert.True(reply.Status == 401, $"the other database's key of {name} must be refused: {reply.Status} {reply.Text}");
        }
    }

    // ------------------------------------------------------------------ 5. list totals

    /// <summary>Resources whose list totals are checked (all that the manifest records).</summary>
    public static readonly string[] ListedResources = ["organization", "user", "role", "rule", "collaboration", "node", "study", "task", "run", "result"];

    public static TheoryData<string, string> UserListCases()
    {
        var data = new TheoryData<string, string>();
        var totals = FixtureFiles.Manifest(FixtureFiles.SqliteManifest)["observed_list_totals"]!["users"]!.AsObject();
        foreach (var (user, resources) in totals)
            foreach (var (resource, _) in resources!.AsObject())
                if (ListedResources.Contains(resource)) data.Add(user, resource);
        return data;
    }

    public static TheoryData<string, string> NodeListCases()
    {
        var data = new TheoryData<string, string>();
        var totals = FixtureFiles.Manifest(FixtureFiles.SqliteManifest)["observed_list_totals"]!["nodes"]!.AsObject();
        foreach (var (node, resources) in totals)
            foreach (var (resource, _) in resources!.AsObject())
                if (ListedResources.Contains(resource)) data.Add(node, resource);
        return data;
    }

    public static async Task UserSeesListTotal(IFixtureDatabase f, string username, string resource)
    {
        var expected = f.Manifest["observed_list_totals"]!["users"]![username]![resource]!;
        var token = await f.Server.UserTokenAsync(username, Password(f.Manifest, username));
        await AssertListTotal(f, token, $"{username} on /{resource}", resource, expected);
    }

    public static async Task NodeSeesListTotal(IFixtureDatabase f, string nodeName, string resource)
    {
        var expected = f.Manifest["observed_list_totals"]!["nodes"]![nodeName]![resource]!;
        var token = await f.Server.NodeTokenAsync(Nodes(f.Manifest).Single(n => n.Name == nodeName).ApiKey);
        await AssertListTotal(f, token, $"{nodeName} on /{resource}", resource, expected);
    }

    private static async Task AssertListTotal(IFixtureDatabase f, string token, string what, string resource, JsonNode expected)
    {
        var reply = await f.Server.GetAsync($"/api/{resource}", token);
        var status = expected["status"]!.GetValue<int>();
        Assert.True(reply.Status == status, $"{what}: expected {status}, got {reply.Status} {reply.Text}");
        if (expected["total"] is { } total)
            Assert.True(total.GetValue<int>() == reply.Total, $"{what}: expected total {total}, got {reply.Total}");
    }

    // ------------------------------------------------------------------ 4. values read back

    public static async Task OrganizationsReadBack(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        foreach (var expected in f.Manifest["organizations"]!.AsArray())
        {
            var id = expected!["id"]!.GetValue<int>();
            var org = (await f.Server.GetAsync($"/api/organization/{id}", root)).ExpectStatus(200).Json!;
            Assert.Equal(id, org["id"]!.GetValue<int>());
            foreach (var field in new[] { "name", "domain", "address1", "address2", "zipcode", "country" })
                Assert.True(JsonNode.DeepEquals(expected[field], org[field]),
                    $"organization {id}.{field}: expected {expected[field]?.ToJsonString() ?? "null"}, got {org[field]?.ToJsonString() ?? "null"}");
            var expectedKey = expected["public_key"]!.GetValue<string>();
            var actualKey = org["public_key"]!.GetValue<string>();
            if (expectedKey.Length == 0) Assert.Equal("", actualKey);
            else Assert.Equal(Convert.FromBase64String(expectedKey), Convert.FromBase64String(actualKey));
        }
        // The bootstrap organization holds NULL and shows "" as well.
        var rootOrg = (await f.Server.GetAsync("/api/organization/1", root)).ExpectStatus(200).Json!;
        Assert.Equal("root", rootOrg["name"]!.GetValue<string>());
        Assert.Equal("", rootOrg["public_key"]!.GetValue<string>());
    }

    public static async Task AlphaPublicKeyIsThePem(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        var id = f.Manifest["public_key_organization_id"]!.GetValue<int>();
        var org = (await f.Server.GetAsync($"/api/organization/{id}", root)).ExpectStatus(200).Json!;
        var pem = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(org["public_key"]!.GetValue<string>()));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem);
        // It is the public half of the fixture's private key.
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(FixtureFiles.Locate("org-private-key.pem")));
        using var pub = System.Security.Cryptography.RSA.Create();
        pub.ImportFromPem(pem);
        Assert.Equal(rsa.ExportParameters(false).Modulus, pub.ExportParameters(false).Modulus);
    }

    public static async Task UsersReadBack(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        foreach (var expected in f.Manifest["users"]!.AsArray())
        {
            var id = expected!["id"]!.GetValue<int>();
            var user = (await f.Server.GetAsync($"/api/user/{id}", root)).ExpectStatus(200).Json!;
            foreach (var field in new[] { "username", "email", "firstname", "lastname" })
                Assert.Equal(expected[field]!.GetValue<string>(), user[field]!.GetValue<string>());
            Assert.Equal(expected["organization_id"]!.GetValue<int>(), user["organization"]!["id"]!.GetValue<int>());
            Assert.Null(user["password"]);

            var roles = (await f.Server.GetAsync($"/api/role?user_id={id}&per_page=100", root)).ExpectStatus(200);
            Assert.Equal(expected["roles"]!.AsArray().Select(r => r!["id"]!.GetValue<int>()).Order(),
                roles.Data.Select(r => r!["id"]!.GetValue<int>()).Order());
        }
    }

    public static async Task CustomRoleReadsBack(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        var expected = f.Manifest["custom_role"]!;
        var role = (await f.Server.GetAsync("/api/role/8", root)).ExpectStatus(200).Json!;
        Assert.Equal(expected["name"]!.GetValue<string>(), role["name"]!.GetValue<string>());
        Assert.Equal(expected["description"]!.GetValue<string>(), role["description"]!.GetValue<string>());
        Assert.False(role["is_default_role"]!.GetValue<bool>());
        Assert.Equal(expected["organization_id"]!.GetValue<int>(), role["organization"]!["id"]!.GetValue<int>());

        var rules = (await f.Server.GetAsync("/api/rule?role_id=8", root)).ExpectStatus(200);
        Assert.Equal(5, rules.Total);
        Assert.Equal(expected["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<int>()).Order(),
            rules.Data.Select(r => r!["id"]!.GetValue<int>()).Order());
    }

    /// <summary>Role 7 holds rules 2 and 14 twice in <c>role_rule_association</c>; they are listed once.</summary>
    public static async Task DuplicateRoleRulesAreListedOnce(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        var rules = (await f.Server.GetAsync("/api/rule?role_id=7&no_pagination=1", root)).ExpectStatus(200);
        Assert.Equal(41, rules.Total);
        var ids = rules.Data.Select(r => r!["id"]!.GetValue<int>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(2, ids);
        Assert.Contains(14, ids);
    }

    public static async Task DirectUserRuleIsIncluded(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        var rules = (await f.Server.GetAsync("/api/rule?user_id=6&no_pagination=1", root)).ExpectStatus(200);
        var ids = rules.Data.Select(r => r!["id"]!.GetValue<int>()).ToHashSet();
        Assert.Contains(2, ids);
        var expected = f.Manifest["custom_role"]!["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<int>()).Append(2).ToHashSet();
        Assert.Equal(expected.Order(), ids.Order());
        var rule2 = rules.Data.Single(r => r!["id"]!.GetValue<int>() == 2)!;
        Assert.Equal("node", rule2["name"]!.GetValue<string>());
        Assert.Equal("COLLABORATION", rule2["scope"]!.GetValue<string>());
        Assert.Equal("VIEW", rule2["operation"]!.GetValue<string>());
    }

    public static async Task CollaborationsReadBack(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        foreach (var expected in f.Manifest["collaborations"]!.AsArray())
        {
            var id = expected!["id"]!.GetValue<int>();
            var collab = (await f.Server.GetAsync($"/api/collaboration/{id}", root)).ExpectStatus(200).Json!;
            Assert.Equal(expected["name"]!.GetValue<string>(), collab["name"]!.GetValue<string>());
            Assert.Equal(expected["encrypted"]!.GetValue<bool>(), collab["encrypted"]!.GetValue<bool>());
            var orgs = (await f.Server.GetAsync($"/api/organization?collaboration_id={id}&per_page=100", root)).ExpectStatus(200);
            Assert.Equal(expected["organization_ids"]!.AsArray().Select(o => o!.GetValue<int>()).Order(),
                orgs.Data.Select(o => o!["id"]!.GetValue<int>()).Order());
        }
    }

    /// <summary>Stored naive-UTC datetimes read back exactly, with the reference's rendering (no offset, µs).</summary>
    public static async Task RunDatetimesReadBack(IFixtureDatabase f)
    {
        var root = await RootAsync(f);
        foreach (var task in f.Manifest["tasks"]!.AsArray())
        {
            foreach (var expected in task!["runs"]!.AsArray())
            {
                var id = expected!["id"]!.GetValue<int>();
                var run = (await f.Server.GetAsync($"/api/run/{id}", root)).ExpectStatus(200).Json!;
                foreach (var field in new[] { "assigned_at", "started_at", "finished_at", "status" })
                    Assert.True(JsonNode.DeepEquals(expected[field], run[field]),
                        $"run {id}.{field}: expected {expected[field]?.ToJsonString() ?? "null"}, got {run[field]?.ToJsonString() ?? "null"}");
            }
            var taskId = task["id"]!.GetValue<int>();
            var t = (await f.Server.GetAsync($"/api/task/{taskId}", root)).ExpectStatus(200).Json!;
            Assert.True(JsonNode.DeepEquals(task["created_at"], t["created_at"]),
                $"task {taskId}.created_at: expected {task["created_at"]?.ToJsonString()}, got {t["created_at"]?.ToJsonString() ?? "null"}");
        }
    }
}
