using System.Diagnostics;
using System.Text.Json.Nodes;
using Vantage6.Common.Configuration;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Security;

/// <summary>
/// security.md, the classes that concern authentication and users: one test (at least) per class, named
/// after it. Others live next to the behaviour they guard: LockoutTests (UsernameEnumeration_LoginAnswersIdentical,
/// BruteForce_…), RecoveryTests (UsernameEnumeration_RecoveryAnswersIdentical, TokenSeparation_ResetTokenNotABearer,
/// MailFlooding_…, TwoFactorDowngrade_…), TwoFactorTests (SecretsInOutput_OtpSecretNeverInUserObjects).
/// </summary>
public class SecurityTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static readonly string[] ForbiddenKeys =
        ["password", "password_hash", "api_key", "failed_login_attempts", "last_login_attempt", "reset_token", "access_token"];

    /// <summary>Every key and string value in a JSON tree, for scanning replies.</summary>
    private static IEnumerable<(string Key, JsonNode? Value)> Walk(JsonNode? node, string key = "")
    {
        yield return (key, node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) foreach (var item in Walk(v, k)) yield return item;
                break;
            case JsonArray a:
                foreach (var v in a) foreach (var item in Walk(v, key)) yield return item;
                break;
        }
    }

    private static void AssertNoSecrets(Reply reply)
    {
        Assert.DoesNotContain("$2b$", reply.Text);
        Assert.DoesNotContain("$2a$", reply.Text);
        foreach (var (key, value) in Walk(reply.Json))
        {
            Assert.DoesNotContain(key, ForbiddenKeys);
            if (key == "otp_secret") Assert.Null(value);
        }
    }

    private async Task<(string Root, int Org, (int Id, string Username, string Password) User)> ArrangeAsync(params string[] roles)
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        return (root, org, await server.CreateUserAsync(root, org, roles));
    }

    [Fact]
    public async Task SecretsInOutput_NoHashesOrSecretsInUserObjects()
    {
        var (root, org, user) = await ArrangeAsync("Viewer");
        var username = V6TestServer.Unique("user");
        var created = await server.PostAsync("/api/user", root, new
        {
            username, password = "Password123!", email = $"{username}@example.org", firstname = "A", lastname = "B", organization_id = org,
        });
        created.ExpectStatus(201);
        var own = await server.LoginAsync(user.Username, user.Password);
        var replies = new[]
        {
            created,
            await server.GetAsync("/api/user?per_page=10000", root),
            await server.GetAsync($"/api/user/{user.Id}", root),
            await server.GetAsync($"/api/user/{user.Id}?include_permissions=true", root),
            await server.GetAsync($"/api/user/{user.Id}", own),
            await server.GetAsync($"/api/user?username={user.Username}", own),
            await server.PatchAsync($"/api/user/{user.Id}", root, new { lastname = "Changed" }),
            await server.PostAsync("/api/token/user/validate", own, null),
        };
        foreach (var reply in replies)
        {
            Assert.InRange(reply.Status, 200, 201);
            AssertNoSecrets(reply);
        }
        Assert.Contains(replies[1].Data, u => u!["username"]!.GetValue<string>() == "root");
        Assert.All(replies[1].Data, u => Assert.True(u!.AsObject().ContainsKey("otp_secret")));
    }

    [Fact]
    public async Task SecretsInOutput_NoApiKeyHashesInNodeObjects()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        foreach (var reply in new[] { await server.GetAsync("/api/node?per_page=10000", root), await server.GetAsync($"/api/node/{node.NodeId}", root) })
        {
            reply.ExpectStatus(200);
            Assert.DoesNotContain("$2b$", reply.Text);
            Assert.DoesNotContain(node.ApiKey, reply.Text);
            Assert.DoesNotContain(Walk(reply.Json), e => e.Key == "api_key");
        }
    }

    [Fact]
    public void WeakSecrets_GeneratedJwtSecretIs256Bit()
    {
        var first = ServerConfigLoader.FromYaml(ConfigYaml.With(""));
        var second = ServerConfigLoader.FromYaml(ConfigYaml.With(""));
        Assert.True(first.JwtSecretGenerated);
        Assert.Matches("^[0-9A-Fa-f]{64}$", first.JwtSecretKey);
        Assert.NotEqual(first.JwtSecretKey, second.JwtSecretKey);
        Assert.True(Convert.FromHexString(first.JwtSecretKey).Distinct().Count() > 8);

        var configured = ServerConfigLoader.FromYaml(ConfigYaml.With("jwt_secret_key: my-own-secret-of-sufficient-length\n"));
        Assert.False(configured.JwtSecretGenerated);
        Assert.Equal("my-own-secret-of-sufficient-length", configured.JwtSecretKey);
        var empty = ServerConfigLoader.FromYaml(ConfigYaml.With("jwt_secret_key: \"\"\n"));
        Assert.True(empty.JwtSecretGenerated);
        Assert.Equal(64, empty.JwtSecretKey.Length);
    }

    [Fact]
    public async Task TokenSeparation_RefreshTokensExpire()
    {
        var login = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var refresh = Jwt.Payload(login.Json!["refresh_token"]!.GetValue<string>());
        Assert.Equal(172800, refresh["exp"]!.GetValue<long>() - refresh["iat"]!.GetValue<long>());

        var sub = refresh["sub"]!.GetValue<int>();
        var expired = Jwt.Sign(Jwt.Claims("refresh", "user", sub, -200000, -1), server.Config.JwtSecretKey);
        var reply = await server.PostAsync("/api/token/refresh", expired, null);
        Assert.Equal(401, reply.Status);
        Assert.Equal("Token has expired", reply.Msg);
        var valid = Jwt.Sign(Jwt.Claims("refresh", "user", sub, -200000, 60), server.Config.JwtSecretKey);
        (await server.PostAsync("/api/token/refresh", valid, null)).ExpectStatus(200);
    }

    [Fact]
    public async Task TokenSeparation_AccessAndRefreshNotInterchangeable()
    {
        var login = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var access = login.Json!["access_token"]!.GetValue<string>();
        var refresh = login.Json["refresh_token"]!.GetValue<string>();
        var refreshAsAccess = await server.GetAsync("/api/organization", refresh);
        Assert.Equal(422, refreshAsAccess.Status);
        Assert.Equal("Only non-refresh tokens are allowed", refreshAsAccess.Msg);
        var accessAsRefresh = await server.PostAsync("/api/token/refresh", access, null);
        Assert.Equal(422, accessAsRefresh.Status);
        Assert.Equal("Only refresh tokens are allowed", accessAsRefresh.Msg);

        // Tokens of unknown kinds are refused too.
        var odd = Jwt.Sign(Jwt.Claims("id", "user", Jwt.Payload(access)["sub"]!.GetValue<int>(), 0, 600), server.Config.JwtSecretKey);
        Assert.Equal(422, (await server.GetAsync("/api/organization", odd)).Status);
        Assert.Equal(422, (await server.PostAsync("/api/token/refresh", odd, null)).Status);
    }

    [Fact]
    public async Task TokenSeparation_ResetTokenNeverAContainerToken()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var rootId = Jwt.Payload(root)["sub"]!.GetValue<int>();
        var container = new JsonObject
        {
            ["client_type"] = "container", ["node_id"] = node.NodeId, ["organization_id"] = node.Org, ["collaboration_id"] = node.Collab,
            ["study_id"] = null, ["store_id"] = null, ["task_id"] = 1, ["image"] = "x", ["databases"] = new JsonArray(),
        };
        // Control: a container token (no exp) is accepted where containers are admitted.
        var containerToken = Jwt.Sign(Jwt.Claims("access", "container", container.DeepClone(), 0, null), server.Config.JwtSecretKey);
        (await server.GetAsync("/api/organization", containerToken)).ExpectStatus(200);

        var forged = new[]
        {
            // The server's own reset token layout, and the same with a container-looking identity.
            Jwt.Sign(Jwt.Claims("reset", "reset", new JsonObject { ["id"] = rootId.ToString() }, 0, 3600), server.Config.JwtSecretKey),
            Jwt.Sign(Jwt.Claims("reset", "container", container.DeepClone(), 0, 3600), server.Config.JwtSecretKey),
            // The reference's reset token layout: an access token with sub {"id": "<user id>"} and client_type container.
            Jwt.Sign(Jwt.Claims("access", "container", new JsonObject { ["id"] = rootId.ToString() }, 0, 3600), server.Config.JwtSecretKey),
        };
        foreach (var token in forged)
        {
            var reply = await server.GetAsync("/api/organization", token);
            Assert.Equal(422, reply.Status);
            Assert.Null(reply.Json!["data"]);
            Assert.Equal(422, (await server.GetAsync("/api/user", token)).Status);
            Assert.Equal(422, (await server.PostAsync("/api/token/refresh", token, null)).Status);
        }
    }

    [Fact]
    public async Task TokenForgery_UnsignedOrForeignTokensRefused()
    {
        var root = await server.RootTokenAsync();
        var claims = Jwt.Payload(root);
        foreach (var token in new[]
                 {
                     Jwt.Unsigned(claims),
                     Jwt.Sign(claims, "another-secret-that-is-long-enough!"),
                     Jwt.Sign(claims, server.Config.JwtSecretKey, alg: "HS512"),
                 })
        {
            var reply = await server.GetAsync("/api/user", token);
            Assert.Equal(422, reply.Status);
            Assert.Null(reply.Json!["data"]);
        }

        // A payload changed after signing keeps the old signature and is refused.
        var parts = root.Split('.');
        var tampered = (JsonObject)claims.DeepClone();
        tampered["roles"] = new JsonArray("Root", "Root");
        var forged = $"{parts[0]}.{Jwt.Base64Url(System.Text.Encoding.UTF8.GetBytes(tampered.ToJsonString()))}.{parts[2]}";
        var reply2 = await server.GetAsync("/api/user", forged);
        Assert.Equal(422, reply2.Status);
        Assert.Equal("Signature verification failed", reply2.Msg);
    }

    [Fact]
    public async Task TokenForgery_NotYetValidTokenRefused()
    {
        var rootId = Jwt.Payload(await server.RootTokenAsync())["sub"]!.GetValue<int>();
        var future = Jwt.Sign(Jwt.Claims("access", "user", rootId, 3600, 7200), server.Config.JwtSecretKey);
        Assert.Equal(422, (await server.GetAsync("/api/user", future)).Status);
    }

    [Fact]
    public async Task WrongCaller_NodeTokenOnUserEndpoint_Is401NotA500()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var nodeToken = (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey }))
            .ExpectStatus(200).Json!["access_token"]!.GetValue<string>();
        foreach (var reply in new[]
                 {
                     await server.GetAsync("/api/user", nodeToken),
                     await server.PostAsync("/api/token/user/validate", nodeToken, null),
                     await server.PostAsync("/api/recover/node", nodeToken, new { id = node.NodeId }),
                 })
        {
            Assert.Equal(401, reply.Status);
            Assert.False(string.IsNullOrEmpty(reply.Msg));
        }
    }

    [Fact]
    public async Task UsernameEnumeration_LoginTimeSimilarForUnknownUsers()
    {
        // Give root (the decoy hash for unknown users) and a real user an expensive hash, so that skipping
        // the bcrypt work for unknown usernames would show as a large difference.
        var (_, _, user) = await ArrangeAsync("Viewer");
        var slowRoot = BCrypt.Net.BCrypt.HashPassword(V6TestServer.RootPassword, BCrypt.Net.BCrypt.GenerateSalt(10, 'b'));
        var slowUser = BCrypt.Net.BCrypt.HashPassword(user.Password, BCrypt.Net.BCrypt.GenerateSalt(10, 'b'));
        await using (server.Scope(out var db))
        {
            foreach (var u in db.Users.Where(u => u.Username == "root" || u.Id == user.Id))
                u.Password = u.Username == "root" ? slowRoot : slowUser;
            await db.SaveChangesAsync();
        }

        // Interleaved, and the fastest of each: other work on the machine only ever adds time, so the minimum
        // is what the login itself costs.
        double known = double.MaxValue, unknown = double.MaxValue;
        for (var i = 0; i < 7; i++)
        {
            known = Math.Min(known, await TimeMs(() => server.LoginReplyAsync(user.Username, "Wrong-password1")));
            unknown = Math.Min(unknown, await TimeMs(() => server.LoginReplyAsync(V6TestServer.Unique("nobody"), "Wrong-password1")));
        }
        Assert.True(unknown > known * 0.5, $"unknown-user logins took {unknown:F1} ms, wrong passwords {known:F1} ms");

        static async Task<double> TimeMs(Func<Task<Reply>> login)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(401, (await login()).Status);
            return watch.Elapsed.TotalMilliseconds;
        }
    }

    [Fact]
    public async Task NameIdConfusion_NumericUsernameRefused()
    {
        var (root, org, user) = await ArrangeAsync("Viewer");
        var created = await server.PostAsync("/api/user", root, new
        {
            username = "12345", password = "Password123!", email = $"{V6TestServer.Unique("n")}@example.org", firstname = "A", lastname = "B",
            organization_id = org,
        });
        Assert.Equal(400, created.Status);
        Assert.NotNull(created.Json!["errors"]!["username"]);

        var own = await server.LoginAsync(user.Username, user.Password);
        var renamed = await server.PatchAsync($"/api/user/{user.Id}", own, new { username = "67890" });
        Assert.Equal(400, renamed.Status);
        Assert.Equal(user.Username, (await server.UserRowAsync(user.Id)).Username);
    }

    [Fact]
    public async Task OrganizationMove_UserStaysInItsOrganization()
    {
        var (root, org, user) = await ArrangeAsync("Organization Admin");
        var other = await server.CreateOrganizationAsync(root);
        var reply = await server.PatchAsync($"/api/user/{user.Id}", root, new { organization_id = other });
        Assert.True(reply.Status is 200 or 400, reply.Text);
        Assert.Equal(org, (await server.UserRowAsync(user.Id)).OrganizationId);

        // The user's rights stay those of the original organization.
        var token = await server.LoginAsync(user.Username, user.Password);
        var inOther = await server.PostAsync("/api/user", token, new
        {
            username = V6TestServer.Unique("u"), password = "Password123!", email = $"{V6TestServer.Unique("e")}@example.org",
            firstname = "A", lastname = "B", organization_id = other,
        });
        Assert.Equal(401, inOther.Status);
    }

    [Fact]
    public async Task PrivilegeWidening_CannotGrantRolesOrRulesNotHeld()
    {
        var (root, org, admin) = await ArrangeAsync("Organization Admin");
        var token = await server.LoginAsync(admin.Username, admin.Password);
        var roles = await server.GetAsync("/api/role?name=Root", root);
        var rootRole = roles.Data.First(r => r!["name"]!.GetValue<string>() == "Root")!["id"]!.GetValue<int>();

        var username = V6TestServer.Unique("u");
        var create = await server.PostAsync("/api/user", token, new
        {
            username, password = "Password123!", email = $"{username}@example.org", firstname = "A", lastname = "B",
            organization_id = org, roles = new[] { rootRole },
        });
        Assert.Equal(401, create.Status);

        var self = await server.PatchAsync($"/api/user/{admin.Id}", token, new { roles = new[] { rootRole } });
        Assert.Equal(401, self.Status);
        var peer = await server.CreateUserAsync(root, org, "Viewer");
        var widen = await server.PatchAsync($"/api/user/{peer.Id}", token, new { roles = new[] { rootRole } });
        Assert.Equal(401, widen.Status);
        var peerToken = Jwt.Payload(await server.LoginAsync(peer.Username, peer.Password));
        Assert.Equal(["Viewer"], peerToken["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }
}
