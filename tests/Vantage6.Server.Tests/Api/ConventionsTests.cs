using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary>Cross-cutting REST conventions (api-core §1, §2.3) and the limits security.md adds.</summary>
public class ConventionsTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    private async Task<(int Status, string Text, HttpResponseMessage Response)> SendRawAsync(HttpRequestMessage request)
    {
        var response = await server.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private async Task<Reply> WithAuthorizationAsync(string path, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null;
        return new Reply((int)response.StatusCode, json, text, new Dictionary<string, string>());
    }

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>An HS256 JWT with the given payload, signed with <paramref name="secret"/>.</summary>
    private static string Jwt(JsonObject payload, string secret)
    {
        var head = B64Url(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var body = B64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{head}.{body}"));
        return $"{head}.{body}.{B64Url(signature)}";
    }

    private static JsonObject UserPayload(int sub, long iat, long exp, string type = "access") => new()
    {
        ["fresh"] = false, ["iat"] = iat, ["jti"] = Guid.NewGuid().ToString(), ["type"] = type, ["sub"] = sub,
        ["nbf"] = iat, ["exp"] = exp, ["client_type"] = "user", ["roles"] = new JsonArray("Root"),
    };

    // ---------------------------------------------------------------- misc endpoints

    [Fact]
    public async Task Health_Version_Robots()
    {
        var health = await server.GetAsync("/api/health");
        health.ExpectStatus(200);
        Assert.Equal("application/json", health.Headers["content-type"]);
        AssertJson("""{"database": true}""", health.Json);

        var version = await server.GetAsync("/api/version");
        version.ExpectStatus(200);
        Assert.Matches(@"^4\.14\.\d+$", version.Json!["version"]!.GetValue<string>());
        Assert.Single(version.Json.AsObject());

        var robots = await server.GetAsync("/robots.txt");
        robots.ExpectStatus(200);
        Assert.StartsWith("text/plain", robots.Headers["content-type"]);
        Assert.Contains("User-agent: *", robots.Text);
        Assert.Contains("Disallow: /", robots.Text);

        // HEAD is accepted wherever GET is
        using var head = new HttpRequestMessage(HttpMethod.Head, "/api/health");
        var (headStatus, headText, headResponse) = await SendRawAsync(head);
        using (headResponse)
        {
            Assert.Equal(200, headStatus);
            Assert.Equal("", headText);
            Assert.Equal("application/json", headResponse.Content.Headers.ContentType?.MediaType);
        }
        var root = await server.RootTokenAsync();
        using var headList = new HttpRequestMessage(HttpMethod.Head, "/api/rule");
        headList.Headers.Authorization = new AuthenticationHeaderValue("Bearer", root);
        var (listStatus, listText, listResponse) = await SendRawAsync(headList);
        using (listResponse)
        {
            Assert.Equal(200, listStatus);
            Assert.Equal("", listText);
            Assert.Equal("86", string.Join(",", listResponse.Headers.GetValues("total-count")));
        }
        using var headAnonymous = new HttpRequestMessage(HttpMethod.Head, "/api/rule");
        var (anonymousStatus, _, anonymousResponse) = await SendRawAsync(headAnonymous);
        anonymousResponse.Dispose();
        Assert.Equal(401, anonymousStatus);
        using var headMissing = new HttpRequestMessage(HttpMethod.Head, "/api/nowhere");
        var (missingStatus, _, missingResponse) = await SendRawAsync(headMissing);
        missingResponse.Dispose();
        Assert.Equal(404, missingStatus);
    }

    // ---------------------------------------------------------------- routing

    [Theory]
    [InlineData("/api/nonexistent")]
    [InlineData("/")]
    [InlineData("/api")]
    [InlineData("/api/organization/")]
    [InlineData("/api/health/")]
    [InlineData("/api/user/-1")]
    [InlineData("/api/user/abc")]
    [InlineData("/api/organization/1.5")]
    [InlineData("/organization")]
    public async Task UnknownRoutes_Are404Html(string path)
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync(path, root);
        Assert.Equal(404, reply.Status);
        Assert.StartsWith("text/html", reply.Headers["content-type"]);
        Assert.Contains("Not Found", reply.Text);
    }

    [Fact]
    public async Task WrongMethod_Is405Json_WithAllow()
    {
        var root = await server.RootTokenAsync();
        foreach (var (method, path) in new[] { (HttpMethod.Put, "/api/organization"), (HttpMethod.Delete, "/api/rule/1"), (HttpMethod.Post, "/api/health") })
        {
            var reply = await server.SendAsync(method, path, root, new { });
            Assert.Equal(405, reply.Status);
            Assert.Equal("application/json", reply.Headers["content-type"]);
            AssertJson("""{"message": "The method is not allowed for the requested URL."}""", reply.Json);
        }
        var put = await server.SendAsync(HttpMethod.Put, "/api/organization", root, new { });
        var allow = put.Headers["allow"].Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("GET", allow);
        Assert.Contains("POST", allow);
        // no token needed to learn that a method is not allowed
        Assert.Equal(405, (await server.SendAsync(HttpMethod.Put, "/api/organization/1")).Status);
    }

    [Theory]
    [InlineData("/api/organization", "GET, HEAD, OPTIONS, POST")]
    [InlineData("/api/organization/1", "DELETE, GET, HEAD, OPTIONS, PATCH")]
    [InlineData("/api/rule/1", "GET, HEAD, OPTIONS")]
    [InlineData("/api/token/user", "OPTIONS, POST")]
    [InlineData("/robots.txt", "GET, HEAD, OPTIONS")]
    public async Task Options_AnswersEveryRoute_WithAllow(string path, string allow)
    {
        foreach (var preflight in new[] { false, true })
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            if (preflight)
            {
                request.Headers.TryAddWithoutValidation("Origin", "http://ui.local");
                request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "GET");
            }
            var (status, text, response) = await SendRawAsync(request);
            using (response)
            {
                Assert.Equal(200, status);
                Assert.Equal("", text);
                Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
            }
        }
    }

    [Fact]
    public async Task Options_OnUnknownPath_Is404()
    {
        foreach (var path in new[] { "/api/nowhere", "/api/organization/1/extra", "/" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            var (status, _, response) = await SendRawAsync(request);
            response.Dispose();
            Assert.Equal(404, status);
        }
    }

    // ---------------------------------------------------------------- paging input

    [Theory]
    [InlineData("page=0", "page needs to be >= 1")]
    [InlineData("page=-3", "page needs to be >= 1")]
    [InlineData("per_page=0", "per_page needs to be >= 1")]
    [InlineData("per_page=abc", null)]
    [InlineData("page=abc", null)]
    [InlineData("page=1.5", null)]
    [InlineData("page=99999999999999999999", null)]
    public async Task BadPaging_Is400(string query, string? message)
    {
        var root = await server.RootTokenAsync();
        foreach (var path in new[] { "/api/organization", "/api/rule", "/api/user", "/api/role" })
        {
            var reply = await server.GetAsync($"{path}?{query}", root);
            Assert.Equal(400, reply.Status);
            Assert.False(string.IsNullOrEmpty(reply.Text));
            if (message is not null && path != "/api/role") Assert.Equal(message, reply.Msg);
        }
    }

    [Fact]
    public async Task PerPage_IsClampedTo10000()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync("/api/rule?per_page=20000", root);
        reply.ExpectStatus(200);
        Assert.Equal(86, reply.Data.Count);
        Assert.Equal("/api/rule?per_page=10000&page=1", reply.Json!["links"]!["self"]!.GetValue<string>());
        Assert.Equal("/api/rule?per_page=10000&page=1", reply.Json["links"]!["last"]!.GetValue<string>());
        Assert.Contains("</api/rule?per_page=10000&page=1>; rel=self", reply.Headers["link"]);

        var ui = await server.GetAsync("/api/rule?per_page=9999", root);
        Assert.Equal("/api/rule?per_page=9999&page=1", ui.Json!["links"]!["self"]!.GetValue<string>());
        var huge = await server.GetAsync("/api/rule?per_page=2147483647&page=2", root);
        huge.ExpectStatus(200);
        Assert.Empty(huge.Data);
        Assert.Equal("/api/rule?per_page=10000&page=2", huge.Json!["links"]!["self"]!.GetValue<string>());
    }

    // ---------------------------------------------------------------- serialization

    [Fact]
    public async Task Datetimes_HaveNoOffset()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        Assert.Null((await server.GetAsync($"/api/user/{user.Id}", root)).Json!["last_seen"]);

        var before = DateTime.UtcNow.AddSeconds(-2);
        var token = await server.LoginAsync(user.Username, user.Password);
        (await server.GetAsync($"/api/organization/{org}", token)).ExpectStatus(200);
        var after = DateTime.UtcNow.AddSeconds(2);

        var text = (await server.GetAsync($"/api/user/{user.Id}", root)).Json!["last_seen"]!.GetValue<string>();
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$"), text);
        var seen = DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seen, before, after); // UTC, not local time
    }

    // ---------------------------------------------------------------- tokens

    [Fact]
    public async Task TokenErrors_HaveReferenceAnswers()
    {
        var missing = await server.GetAsync("/api/organization");
        Assert.Equal(401, missing.Status);
        AssertJson("""{"msg": "Missing Authorization Header"}""", missing.Json);

        var cases = new (string Header, int Status, string Msg)[]
        {
            ("Basic x", 401, "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"),
            ("Bearer a b", 422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"),
            ("Bearer", 422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"),
            ("Bearer abc", 422, "Not enough segments"),
        };
        foreach (var (header, status, msg) in cases)
        {
            var reply = await WithAuthorizationAsync("/api/organization", header);
            Assert.Equal(status, reply.Status);
            AssertJson(new JsonObject { ["msg"] = msg }.ToJsonString(), reply.Json);
        }

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var forged = Jwt(UserPayload(1, now, now + 3600), "another-secret-that-is-long-enough-too");
        var signature = await WithAuthorizationAsync("/api/organization", $"Bearer {forged}");
        Assert.Equal(422, signature.Status);
        AssertJson("""{"msg": "Signature verification failed"}""", signature.Json);

        var expired = Jwt(UserPayload(1, now - 7200, now - 3600), server.Config.JwtSecretKey);
        var expiredReply = await WithAuthorizationAsync("/api/organization", $"Bearer {expired}");
        Assert.Equal(401, expiredReply.Status);
        AssertJson("""{"msg": "Token has expired"}""", expiredReply.Json);

        // a well-signed token with the right key works: the forged one failed only on its signature
        var valid = Jwt(UserPayload(1, now, now + 3600), server.Config.JwtSecretKey);
        (await server.GetAsync("/api/organization", valid)).ExpectStatus(200);

        var gone = Jwt(UserPayload(999999, now, now + 3600), server.Config.JwtSecretKey);
        var goneReply = await server.GetAsync("/api/organization", gone);
        Assert.Equal(401, goneReply.Status);
        Assert.Equal("Error loading the user 999999", goneReply.Msg);

        var login = await server.PostAsync("/api/token/user", null, new { username = "root", password = V6TestServer.RootPassword });
        var refresh = login.ExpectStatus(200).Json!["refresh_token"]!.GetValue<string>();
        var refreshReply = await server.GetAsync("/api/organization", refresh);
        Assert.Equal(422, refreshReply.Status);
        Assert.Equal("Only non-refresh tokens are allowed", refreshReply.Msg);
    }

    // ---------------------------------------------------------------- body limit

    [Fact]
    public async Task OversizedBody_Is413()
    {
        var root = await server.RootTokenAsync();
        var json = "{\"name\": \"" + new string('a', 17 * 1024 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/organization");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", root);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var (status, text, response) = await SendRawAsync(request);
        using (response)
        {
            Assert.Equal(413, status);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.False(string.IsNullOrEmpty(JsonNode.Parse(text)!["msg"]?.GetValue<string>()));
        }
        // just under the limit is read (and then validated normally)
        var name = new string('b', 15 * 1024 * 1024);
        var big = await server.PostAsync("/api/organization", root, new { name });
        Assert.Equal(400, big.Status);
        Assert.Equal("Name cannot be longer than 128 characters", big.Json!["errors"]!["name"]![0]!.GetValue<string>());
    }
}
