using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Server.Tests.Security;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>Server errors surface as typed exceptions with status code and the server's message.</summary>
public class ErrorMappingTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task WrongPassword_Is401WithTheServerMessage()
    {
        using var client = server.NewClient();
        var e = await Assert.ThrowsAsync<V6UnauthorizedException>(() => client.AuthenticateAsync("root", "wrong"));
        Assert.Equal(401, e.StatusCode);
        Assert.Equal("Failed to login", e.ServerMessage);
        Assert.Contains("401", e.Message);
        Assert.Null(client.AccessToken);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.Organizations.ListAsync());
    }

    [Fact]
    public async Task MissingPermission_Is401_UnknownId_Is404()
    {
        using var root = await server.RootAsync();
        var org = await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") });
        var viewer = await server.CreateUserAsync(await server.RootTokenAsync(), org.Id, "Viewer");
        using var client = await server.ClientLoginAsync(viewer.Username, viewer.Password);

        var denied = await Assert.ThrowsAsync<V6UnauthorizedException>(() => client.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("x") }));
        Assert.Equal("You lack the permissions to do that!", denied.ServerMessage);
        var other = await Assert.ThrowsAsync<V6UnauthorizedException>(() => client.Organizations.GetAsync(1));
        Assert.Equal("You do not have permission to do that!", other.ServerMessage);

        var missing = await Assert.ThrowsAsync<V6NotFoundException>(() => root.Organizations.GetAsync(987654));
        Assert.Equal(404, missing.StatusCode);
        Assert.Equal("Organization id=987654 not found!", missing.ServerMessage);
        Assert.Equal("Run id=987654 not found!", (await Assert.ThrowsAsync<V6NotFoundException>(() => root.Runs.GetAsync(987654))).ServerMessage);
    }

    [Fact]
    public async Task Validation_Is400_WithFieldErrors()
    {
        using var root = await server.RootAsync();
        var invalid = await Assert.ThrowsAsync<V6BadRequestException>(() => root.Users.CreateAsync(new NewUser
        {
            Username = "9lives", Password = "abc", Email = "not-an-address",
        }));
        Assert.Equal("Request body is incorrect", invalid.ServerMessage);
        Assert.Equal(["email", "password", "username"], invalid.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Not a valid email address."], invalid.Errors["email"]);
        Assert.Contains("email: Not a valid email address.", invalid.Message);

        // Role endpoints put the field errors in msg itself.
        var role = await Assert.ThrowsAsync<V6BadRequestException>(() => root.Roles.CreateAsync("Viewer", []));
        Assert.Equal(["Role name cannot be one of the default roles"], role.Errors["name"]);

        var name = V6TestServer.Unique("col");
        await root.Collaborations.CreateAsync(name, [1], encrypted: false);
        var duplicate = await Assert.ThrowsAsync<V6BadRequestException>(() => root.Collaborations.CreateAsync(name, [1], encrypted: false));
        Assert.Equal($"Collaboration name '{name}' already exists!", duplicate.ServerMessage);
        Assert.Empty(duplicate.Errors);
    }

    [Fact]
    public async Task AlgorithmStoreOfAnotherCollaboration_Is403()
    {
        var n = await server.ArrangeAsync(encrypted: false, orgCount: 1);
        var otherCollab = await n.Root.Collaborations.CreateAsync(V6TestServer.Unique("col"), [n.Orgs[0]], encrypted: false);
        int storeId;
        await using (server.Scope(out var db))
        {
            var store = new Vantage6.Server.Data.Entities.AlgorithmStore { Name = "store", Url = "https://store.example.org/api", CollaborationId = otherCollab.Id };
            db.AlgorithmStores.Add(store);
            await db.SaveChangesAsync();
            storeId = store.Id;
        }
        var e = await Assert.ThrowsAsync<V6ForbiddenException>(() => n.User.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = n.Collab, Organizations = n.Orgs, Image = "img", StoreId = storeId, Input = new TaskInput { Method = "m" },
        }));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal("The algorithm store is not part of the collaboration to which the task is posted.", e.ServerMessage);
    }

    [Fact]
    public async Task ExpiredAccessToken_IsRefreshedBeforeTheRequest()
    {
        using var root = await server.RootAsync();
        var refresh = root.RefreshToken!;
        var expired = Sign(new JsonObject
        {
            ["fresh"] = false, ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(), ["jti"] = Guid.NewGuid().ToString(),
            ["type"] = "access", ["nbf"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), ["sub"] = 1, ["client_type"] = "user", ["roles"] = new JsonArray("Root"),
        });
        // The server itself refuses the expired token...
        Assert.Equal("Token has expired", (await server.GetAsync("/api/organization/1", expired)).ExpectStatus(401).Msg);

        // ...so the client refreshes first and the call succeeds with new tokens.
        root.UseTokens(expired, refresh);
        Assert.Equal("root", (await root.Organizations.GetAsync(1)).Name);
        Assert.NotEqual(expired, root.AccessToken);

        // Without a refresh token the expiry surfaces as 401.
        root.UseTokens(expired);
        Assert.Equal("Token has expired", (await Assert.ThrowsAsync<V6UnauthorizedException>(() => root.Organizations.GetAsync(1))).ServerMessage);
    }

    private string Sign(JsonObject payload)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var head = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return head + "." + B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(server.Config.JwtSecretKey), Encoding.ASCII.GetBytes(head)));
    }
}

/// <summary>Login with mandatory two-factor authentication (api-core §2.5 step 3).</summary>
public class TwoFactorClientTests(TwoFactorTestServer server) : IClassFixture<TwoFactorTestServer>
{
    [Fact]
    public async Task SetupThenCode_LogsIn()
    {
        var root = await server.RootToken2faAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        using var client = server.NewClient();

        var setup = await Assert.ThrowsAsync<V6TwoFactorSetupRequiredException>(() => client.AuthenticateAsync(user.Username, user.Password));
        Assert.Matches("^[A-Z2-7]{32}$", setup.OtpSecret);
        Assert.StartsWith("otpauth://totp/", setup.QrUri);
        Assert.Contains(setup.OtpSecret, setup.QrUri);
        Assert.Contains("obligatory", setup.Message);

        var needCode = await Assert.ThrowsAsync<V6TwoFactorCodeRequiredException>(() => client.AuthenticateAsync(user.Username, user.Password));
        Assert.Equal("Please include your two-factor authentication code", needCode.Message);

        var wrong = await Assert.ThrowsAsync<V6UnauthorizedException>(() =>
            client.AuthenticateAsync(user.Username, user.Password, TwoFactorTestServer.WrongCode(setup.OtpSecret)));
        Assert.Equal("Your two-factor authentication code is incorrect!", wrong.ServerMessage);
        Assert.Null(client.AccessToken);

        var me = await client.AuthenticateAsync(user.Username, user.Password, TwoFactorTestServer.Code(setup.OtpSecret));
        Assert.Equal(user.Id, me.UserId);
        Assert.Equal(org, me.OrganizationId);
        Assert.Equal(org, (await client.Organizations.GetAsync(org)).Id);
    }
}
