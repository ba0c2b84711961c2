using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vantage6.Common.Configuration;
using Vantage6.Server.Tests.Security;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Authentication;

/// <summary>Login, token layout, refresh, validation and the token failure answers (api-core §2.2–2.10).</summary>
public class TokenTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static readonly string[] TokenClaims = ["fresh", "iat", "jti", "type", "sub", "nbf", "exp", "client_type", "roles"];

    private async Task<int> RootIdAsync(string token)
    {
        var users = await server.GetAsync("/api/user?username=root", token);
        return users.ExpectStatus(200).Data.Single(u => u!["username"]!.GetValue<string>() == "root")!["id"]!.GetValue<int>();
    }

    private static long Long(JsonObject payload, string claim)
    {
        var value = Assert.IsAssignableFrom<JsonValue>(payload[claim]);
        Assert.Equal(JsonValueKind.Number, value.GetValueKind());
        return value.GetValue<long>();
    }

    [Fact]
    public async Task UserLogin_ReturnsTokensUrlsAndHeader()
    {
        var reply = await server.LoginReplyAsync("root", V6TestServer.RootPassword);
        reply.ExpectStatus(200);
        var access = reply.Json!["access_token"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(reply.Json["refresh_token"]!.GetValue<string>()));
        Assert.Equal("/api/token/refresh", reply.Json["refresh_url"]!.GetValue<string>());
        Assert.Equal($"/api/user/{await RootIdAsync(access)}", reply.Json["user_url"]!.GetValue<string>());
        Assert.Null(reply.Json["node_url"]);
        Assert.Equal(access, reply.Headers["jwt-token"]);
        Assert.StartsWith("application/json", reply.Headers["content-type"]);
    }

    [Fact]
    public async Task AccessToken_HasExactlyTheReferenceClaims()
    {
        var reply = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var access = reply.Json!["access_token"]!.GetValue<string>();
        var header = Jwt.Header(access);
        Assert.Equal("HS256", header["alg"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());

        var payload = Jwt.Payload(access);
        Assert.Equal(TokenClaims.OrderBy(c => c), payload.Select(p => p.Key).OrderBy(c => c));
        var sub = Assert.IsAssignableFrom<JsonValue>(payload["sub"]);
        Assert.Equal(JsonValueKind.Number, sub.GetValueKind());
        Assert.Equal(await RootIdAsync(access), sub.GetValue<int>());
        Assert.Equal("access", payload["type"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.False, payload["fresh"]!.GetValueKind());
        var iat = Long(payload, "iat");
        Assert.Equal(iat, Long(payload, "nbf"));
        Assert.Equal(21600, Long(payload, "exp") - iat);
        Assert.InRange(iat, Jwt.Now - 60, Jwt.Now + 5);
        Assert.True(Guid.TryParse(payload["jti"]!.GetValue<string>(), out _));
        Assert.Equal("user", payload["client_type"]!.GetValue<string>());
        Assert.Equal(["Root"], payload["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task RefreshToken_IsMarkedAndLastsTwoDays()
    {
        var reply = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var access = Jwt.Payload(reply.Json!["access_token"]!.GetValue<string>());
        var refresh = Jwt.Payload(reply.Json["refresh_token"]!.GetValue<string>());
        Assert.Equal(TokenClaims.OrderBy(c => c), refresh.Select(p => p.Key).OrderBy(c => c));
        Assert.Equal("refresh", refresh["type"]!.GetValue<string>());
        Assert.Equal(172800, Long(refresh, "exp") - Long(refresh, "iat"));
        Assert.Equal("user", refresh["client_type"]!.GetValue<string>());
        Assert.Equal(access["sub"]!.GetValue<int>(), refresh["sub"]!.GetValue<int>());
        Assert.NotEqual(access["jti"]!.GetValue<string>(), refresh["jti"]!.GetValue<string>());
    }

    [Fact]
    public async Task UserToken_RolesClaimListsRoleNames()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Researcher", "Viewer");
        var payload = Jwt.Payload(await server.LoginAsync(user.Username, user.Password));
        Assert.Equal(user.Id, payload["sub"]!.GetValue<int>());
        Assert.Equal(["Researcher", "Viewer"], payload["roles"]!.AsArray().Select(r => r!.GetValue<string>()).OrderBy(r => r));

        var bare = await server.CreateUserAsync(root, org);
        Assert.Empty(Jwt.Payload(await server.LoginAsync(bare.Username, bare.Password))["roles"]!.AsArray());
    }

    [Fact]
    public async Task Login_MissingPassword_Is400WithFieldError()
    {
        var reply = await server.PostAsync("/api/token/user", null, new { username = "root" });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Request body is incorrect", reply.Msg);
        Assert.Equal("Missing data for required field.", reply.Json!["errors"]!["password"]![0]!.GetValue<string>());
        Assert.Null(reply.Json["access_token"]);
    }

    [Fact]
    public async Task Login_BadBodies_Are400()
    {
        var unknown = await server.PostAsync("/api/token/user", null, new { username = "root", password = "root", nickname = "x" });
        Assert.Equal(400, unknown.Status);
        Assert.Equal("Unknown field.", unknown.Json!["errors"]!["nickname"]![0]!.GetValue<string>());
        var empty = await server.PostAsync("/api/token/user", null, new { username = "", password = "root" });
        Assert.Equal(400, empty.Status);
        Assert.NotNull(empty.Json!["errors"]!["username"]);
        var longCode = await server.PostAsync("/api/token/user", null, new { username = "root", password = "root", mfa_code = "12345678901" });
        Assert.Equal(400, longCode.Status);
        Assert.NotNull(longCode.Json!["errors"]!["mfa_code"]);
    }

    [Fact]
    public async Task Login_WrongPassword_Is401FailedToLogin()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var reply = await server.LoginReplyAsync(user.Username, "Wrong-password1");
        Assert.Equal(401, reply.Status);
        Assert.Equal("Failed to login", reply.Msg);
        Assert.Null(reply.Json!["access_token"]);
        Assert.False(reply.Headers.ContainsKey("jwt-token"));
    }

    [Fact]
    public async Task Login_WithTwoFactorDisabled_IgnoresMfaCode()
    {
        var reply = await server.LoginReplyAsync("root", V6TestServer.RootPassword, "123456");
        reply.ExpectStatus(200);
        Assert.NotNull(reply.Json!["access_token"]);
    }

    [Fact]
    public async Task NodeLogin_InvalidUuid_Is400()
    {
        var reply = await server.PostAsync("/api/token/node", null, new { api_key = "not-a-uuid" });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Request body is incorrect", reply.Msg);
        Assert.Equal(["API key is not a valid UUID"], reply.Json!["errors"]!["api_key"]!.AsArray().Select(e => e!.GetValue<string>()));
        var missing = await server.PostAsync("/api/token/node", null, new { });
        Assert.Equal(400, missing.Status);
        Assert.Equal("Missing data for required field.", missing.Json!["errors"]!["api_key"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task NodeLogin_UnknownKey_Is401()
    {
        var reply = await server.PostAsync("/api/token/node", null, new { api_key = Guid.NewGuid().ToString() });
        Assert.Equal(401, reply.Status);
        Assert.Equal("Api key is not recognized!", reply.Msg);
    }

    [Fact]
    public async Task NodeLogin_ReturnsNodeTokens()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var reply = await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey });
        reply.ExpectStatus(200);
        var access = reply.Json!["access_token"]!.GetValue<string>();
        Assert.Equal(access, reply.Headers["jwt-token"]);
        Assert.Equal("/api/token/refresh", reply.Json["refresh_url"]!.GetValue<string>());
        Assert.Equal($"/api/node/{node.NodeId}", reply.Json["node_url"]!.GetValue<string>());
        Assert.Null(reply.Json["user_url"]);

        var payload = Jwt.Payload(access);
        Assert.Equal(TokenClaims.OrderBy(c => c), payload.Select(p => p.Key).OrderBy(c => c));
        Assert.Equal(JsonValueKind.Number, payload["sub"]!.GetValueKind());
        Assert.Equal(node.NodeId, payload["sub"]!.GetValue<int>());
        Assert.Equal("node", payload["client_type"]!.GetValue<string>());
        Assert.Equal("access", payload["type"]!.GetValue<string>());
        Assert.Empty(payload["roles"]!.AsArray());
        Assert.Equal(21600, Long(payload, "exp") - Long(payload, "iat"));
        var refresh = Jwt.Payload(reply.Json["refresh_token"]!.GetValue<string>());
        Assert.Equal("refresh", refresh["type"]!.GetValue<string>());
        Assert.Equal("node", refresh["client_type"]!.GetValue<string>());

    }

    [Fact]
    public async Task Refresh_WithRefreshToken_GivesNewPair()
    {
        var login = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var refreshToken = login.Json!["refresh_token"]!.GetValue<string>();
        var reply = await server.PostAsync("/api/token/refresh", refreshToken, null);
        reply.ExpectStatus(200);
        var access = reply.Json!["access_token"]!.GetValue<string>();
        var refresh = reply.Json["refresh_token"]!.GetValue<string>();
        Assert.Equal(access, reply.Headers["jwt-token"]);
        Assert.Equal("/api/token/refresh", reply.Json["refresh_url"]!.GetValue<string>());
        Assert.Equal(login.Json["user_url"]!.GetValue<string>(), reply.Json["user_url"]!.GetValue<string>());
        Assert.Equal("access", Jwt.Payload(access)["type"]!.GetValue<string>());
        Assert.Equal("refresh", Jwt.Payload(refresh)["type"]!.GetValue<string>());
        Assert.Equal(["Root"], Jwt.Payload(access)["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotEqual(Jwt.Payload(refreshToken)["jti"]!.GetValue<string>(), Jwt.Payload(refresh)["jti"]!.GetValue<string>());

        // The new access token works; the old refresh token stays valid until it expires.
        (await server.GetAsync("/api/user?per_page=1", access)).ExpectStatus(200);
        (await server.PostAsync("/api/token/refresh", refreshToken, null)).ExpectStatus(200);
    }

    [Fact]
    public async Task Refresh_ForNode_GivesNodeUrl()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var login = (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey })).ExpectStatus(200);
        var reply = await server.PostAsync("/api/token/refresh", login.Json!["refresh_token"]!.GetValue<string>(), null);
        reply.ExpectStatus(200);
        Assert.Equal($"/api/node/{node.NodeId}", reply.Json!["node_url"]!.GetValue<string>());
        Assert.Equal("node", Jwt.Payload(reply.Json["access_token"]!.GetValue<string>())["client_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refresh_WithAccessToken_Is422()
    {
        var reply = await server.PostAsync("/api/token/refresh", await server.RootTokenAsync(), null);
        Assert.Equal(422, reply.Status);
        Assert.Equal("Only refresh tokens are allowed", reply.Msg);
    }

    [Fact]
    public async Task RefreshToken_OnApiEndpoint_Is422()
    {
        var login = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var reply = await server.GetAsync("/api/user", login.Json!["refresh_token"]!.GetValue<string>());
        Assert.Equal(422, reply.Status);
        Assert.Equal("Only non-refresh tokens are allowed", reply.Msg);
    }

    [Fact]
    public async Task DeletedUser_TokensAre401()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var login = (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        var access = login.Json!["access_token"]!.GetValue<string>();
        (await server.GetAsync($"/api/user/{user.Id}", access)).ExpectStatus(200);

        (await server.DeleteAsync($"/api/user/{user.Id}", root)).ExpectStatus(200);
        var reply = await server.GetAsync("/api/organization", access);
        Assert.Equal(401, reply.Status);
        Assert.Equal($"Error loading the user {user.Id}", reply.Msg);
        var refresh = await server.PostAsync("/api/token/refresh", login.Json["refresh_token"]!.GetValue<string>(), null);
        Assert.Equal(401, refresh.Status);
        Assert.Equal($"Error loading the user {user.Id}", refresh.Msg);
    }

    [Fact]
    public async Task Validate_ReturnsTheUser()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var reply = await server.PostAsync("/api/token/user/validate", await server.LoginAsync(user.Username, user.Password), null);
        reply.ExpectStatus(200);
        var body = reply.Json!.AsObject();
        Assert.Equal(["email", "msg", "organization_id", "user_id", "username"], body.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal("Token is valid", reply.Msg);
        Assert.Equal(user.Id, body["user_id"]!.GetValue<int>());
        Assert.Equal(user.Username, body["username"]!.GetValue<string>());
        Assert.Equal($"{user.Username}@example.org", body["email"]!.GetValue<string>());
        Assert.Equal(org, body["organization_id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Validate_WithNodeToken_Is401()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var nodeToken = (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey }))
            .ExpectStatus(200).Json!["access_token"]!.GetValue<string>();
        var reply = await server.PostAsync("/api/token/user/validate", nodeToken, null);
        Assert.Equal(401, reply.Status);
        Assert.False(string.IsNullOrEmpty(reply.Msg));
        Assert.Equal(401, (await server.PostAsync("/api/token/user/validate", null, null)).Status);
    }

    [Fact]
    public async Task ExpiredToken_Is401TokenHasExpired()
    {
        var rootId = await RootIdAsync(await server.RootTokenAsync());
        var claims = Jwt.Claims("access", "user", rootId, iatOffset: -7200, expOffset: -1);
        claims["roles"] = new JsonArray("Root");
        var expired = Jwt.Sign(claims, server.Config.JwtSecretKey);
        var reply = await server.GetAsync("/api/user", expired);
        Assert.Equal(401, reply.Status);
        Assert.Equal("Token has expired", reply.Msg);

        // The same token with a future exp is accepted: the 401 above comes from exp only.
        var valid = Jwt.Claims("access", "user", rootId, iatOffset: -7200, expOffset: 600);
        (await server.GetAsync("/api/user?per_page=1", Jwt.Sign(valid, server.Config.JwtSecretKey))).ExpectStatus(200);
    }

    [Fact]
    public async Task MalformedAuthorization_GivesReferenceAnswers()
    {
        var token = await server.RootTokenAsync();
        var missing = await server.GetAsync("/api/user");
        Assert.Equal(401, missing.Status);
        Assert.Equal("Missing Authorization Header", missing.Msg);

        async Task<Reply> WithHeader(string value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/user");
            request.Headers.TryAddWithoutValidation("Authorization", value);
            using var response = await server.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return new Reply((int)response.StatusCode, JsonNode.Parse(text), text, new Dictionary<string, string>());
        }

        var noBearer = await WithHeader($"Token {token}");
        Assert.Equal(401, noBearer.Status);
        Assert.Equal("Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'", noBearer.Msg);
        var twoTokens = await WithHeader($"Bearer {token} {token}");
        Assert.Equal(422, twoTokens.Status);
        Assert.Equal("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'", twoTokens.Msg);
        var garbage = await WithHeader("Bearer abc");
        Assert.Equal(422, garbage.Status);
        Assert.Equal("Not enough segments", garbage.Msg);

        var parts = token.Split('.');
        var badSignature = await server.GetAsync("/api/user", $"{parts[0]}.{parts[1]}.{Jwt.Base64Url(new byte[32])}");
        Assert.Equal(422, badSignature.Status);
        Assert.Equal("Signature verification failed", badSignature.Msg);
    }

    [Fact]
    public async Task LastSeen_UpdatedByRequests_NotByLoginOrRefresh()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var login = (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        (await server.PostAsync("/api/token/refresh", login.Json!["refresh_token"]!.GetValue<string>(), null)).ExpectStatus(200);
        Assert.Null((await server.UserRowAsync(user.Id)).LastSeen);

        (await server.GetAsync($"/api/user/{user.Id}", login.Json["access_token"]!.GetValue<string>())).ExpectStatus(200);
        var seen = (await server.UserRowAsync(user.Id)).LastSeen;
        Assert.NotNull(seen);
        Assert.InRange(seen.Value, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
    }
}

public sealed class LegacyTypeTestServer : V6TestServer
{
    protected override string ExtraYaml => "type: test\n";
}

/// <summary>The legacy <c>type: test</c> key makes access tokens last a day (api-core §2.1 / cli-and-config).</summary>
public class LegacyTypeTokenTests(LegacyTypeTestServer server) : IClassFixture<LegacyTypeTestServer>
{
    [Fact]
    public async Task TypeTest_AccessTokensLastOneDay()
    {
        var reply = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var access = Jwt.Payload(reply.Json!["access_token"]!.GetValue<string>());
        Assert.Equal(86400, access["exp"]!.GetValue<long>() - access["iat"]!.GetValue<long>());
        var refresh = Jwt.Payload(reply.Json["refresh_token"]!.GetValue<string>());
        Assert.Equal(172800, refresh["exp"]!.GetValue<long>() - refresh["iat"]!.GetValue<long>());
    }
}

public sealed class TooShortTokenTestServer : V6TestServer
{
    protected override string ExtraYaml => "token_expires_hours: 0.1\n";
}

public class TooShortTokenLifetimeTests(TooShortTokenTestServer server) : IClassFixture<TooShortTokenTestServer>
{
    [Fact]
    public async Task TokenExpiresHoursBelowHalfAnHour_FallsBackToSixHours()
    {
        Assert.Equal(21600, server.Config.AccessTokenSeconds);
        Assert.Contains(server.Config.Warnings, w => w.Contains("token_expires_hours", StringComparison.Ordinal));
        var reply = (await server.LoginReplyAsync("root", V6TestServer.RootPassword)).ExpectStatus(200);
        var access = Jwt.Payload(reply.Json!["access_token"]!.GetValue<string>());
        Assert.Equal(21600, access["exp"]!.GetValue<long>() - access["iat"]!.GetValue<long>());
    }
}

/// <summary>Lifetime parsing of api-core §2.1 on the configuration alone.</summary>
public class TokenLifetimeConfigTests
{
    [Theory]
    [InlineData("", 21600, 172800)]
    [InlineData("token_expires_hours: 1\n", 3600, 172800)]
    [InlineData("token_expires_hours: \"2.5\"\n", 9000, 172800)]
    [InlineData("token_expires_hours: 0.5\n", 1800, 172800)]
    [InlineData("token_expires_hours: 0.4\n", 21600, 172800)]
    [InlineData("token_expires_hours: abc\n", 21600, 172800)]
    [InlineData("refresh_token_expires_hours: 12\n", 21600, 43200)]
    [InlineData("refresh_token_expires_hours: 6\n", 21600, 172800)]
    [InlineData("token_expires_hours: 72\n", 259200, 172800)]
    [InlineData("token_expires_hours: 72\nrefresh_token_expires_hours: 24\n", 259200, 172800)]
    [InlineData("type: test\n", 86400, 172800)]
    [InlineData("type: test\ntoken_expires_hours: 0.1\n", 86400, 172800)]
    public void Lifetimes(string extra, int access, int refresh)
    {
        var config = ServerConfigLoader.FromYaml(ConfigYaml.With(extra));
        Assert.Equal(access, config.AccessTokenSeconds);
        Assert.Equal(refresh, config.RefreshTokenSeconds);
    }
}
