using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary>A server that only admits two literal UI origins and one regex entry.</summary>
public sealed class CorsRestrictedServer : V6TestServer
{
    public const string RegexEntry = @"https://.*\.example\.net";

    // One top-level YAML line; single quotes keep the backslashes literal.
    protected override string ExtraYaml => $"cors_allowed_origins: ['https://ui.example.org', 'http://localhost:7600', '{RegexEntry}']";
}

internal static class CorsRequests
{
    public static async Task<HttpResponseMessage> SendAsync(V6TestServer server, HttpMethod method, string path, string? origin,
        string? requestMethod = null, string? requestHeaders = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
        if (requestMethod is not null) request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", requestMethod);
        if (requestHeaders is not null) request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", requestHeaders);
        return await server.Client.SendAsync(request);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values) : null;
}

/// <summary>CORS (security.md "CORS", api-core §1.8) with the default configuration: the reference's <c>*</c>.</summary>
public class CorsTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private const string AllowMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

    [Fact]
    public void Cors_DefaultConfigurationIsWildcard()
    {
        Assert.Equal(new[] { "*" }, server.Config.CorsAllowedOrigins);
    }

    [Fact]
    public async Task Cors_WildcardEchoesOrigin_WithVary()
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", "https://anything.example.com");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("https://anything.example.com", CorsRequests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", CorsRequests.Header(response, "Vary"));
        Assert.Null(CorsRequests.Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Cors_WithoutOrigin_AnswersStar()
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", null);
        Assert.Equal("*", CorsRequests.Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_AppliesToErrorsAndUnknownPaths()
    {
        using var unauthorized = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/organization", "http://ui.local");
        Assert.Equal(401, (int)unauthorized.StatusCode);
        Assert.Equal("http://ui.local", CorsRequests.Header(unauthorized, "Access-Control-Allow-Origin"));
        using var missing = await CorsRequests.SendAsync(server, HttpMethod.Get, "/nowhere", "http://ui.local");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("http://ui.local", CorsRequests.Header(missing, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_Preflight_ListsMethodsAndSortedHeaders()
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Options, "/api/organization", "https://ui.example.org",
            "PATCH", "X-Custom, content-type, Authorization");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal("https://ui.example.org", CorsRequests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(AllowMethods, CorsRequests.Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("Authorization, X-Custom, content-type", CorsRequests.Header(response, "Access-Control-Allow-Headers"));
        Assert.Null(CorsRequests.Header(response, "Access-Control-Allow-Credentials"));
        Assert.Null(CorsRequests.Header(response, "Access-Control-Max-Age"));

        // a preflight needs no token, also on endpoints that do
        using var item = await CorsRequests.SendAsync(server, HttpMethod.Options, "/api/user/1", "https://ui.example.org", "DELETE");
        Assert.Equal(200, (int)item.StatusCode);
        Assert.Equal(AllowMethods, CorsRequests.Header(item, "Access-Control-Allow-Methods"));
        Assert.Null(CorsRequests.Header(item, "Access-Control-Allow-Headers"));

        // OPTIONS without Access-Control-Request-Method is not a preflight
        using var plain = await CorsRequests.SendAsync(server, HttpMethod.Options, "/api/organization", "https://ui.example.org");
        Assert.Equal(200, (int)plain.StatusCode);
        Assert.Null(CorsRequests.Header(plain, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task Cors_PaginatedResponsesExposeTheirHeaders()
    {
        var root = await server.RootTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rule");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", root);
        request.Headers.TryAddWithoutValidation("Origin", "https://ui.example.org");
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("https://ui.example.org", CorsRequests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("total-count, Link", CorsRequests.Header(response, "Access-Control-Expose-Headers"));
    }
}

/// <summary>CORS (security.md "CORS") with an explicit list: only those origins get CORS headers.</summary>
public class CorsRestrictedOriginsTests(CorsRestrictedServer server) : IClassFixture<CorsRestrictedServer>
{
    [Fact]
    public void Cors_ConfigurationIsRead()
    {
        Assert.Equal(new[] { "https://ui.example.org", "http://localhost:7600", CorsRestrictedServer.RegexEntry }, server.Config.CorsAllowedOrigins);
    }

    [Theory]
    [InlineData("https://ui.example.org")]
    [InlineData("HTTPS://UI.Example.ORG")]
    [InlineData("http://localhost:7600")]
    public async Task Cors_ListedOriginIsEchoed(string origin)
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", origin);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(origin, CorsRequests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", CorsRequests.Header(response, "Vary"));
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("https://ui.example.org.evil.com")]
    [InlineData("http://ui.example.org")]
    [InlineData("http://localhost:7601")]
    [InlineData("null")]
    [InlineData("http://app.example.net")]
    public async Task Cors_OtherOriginsGetNoCorsHeaders_ButAreServed(string origin)
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", origin);
        Assert.Equal(200, (int)response.StatusCode); // the request itself is still processed
        Assert.Equal("{\"database\":true}", (await response.Content.ReadAsStringAsync()).Replace(" ", ""));
        Assert.Null(CorsRequests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(CorsRequests.Header(response, "Access-Control-Allow-Methods"));
    }

    [Theory]
    [InlineData("https://app.example.net")]
    [InlineData("HTTPS://APP.EXAMPLE.NET")]
    [InlineData("https://a.b.example.net:8443")]
    [InlineData("https://app.example.net.evil.com")] // prefix match, as in the reference
    public async Task Cors_RegexEntryMatchesAsCaseInsensitivePrefix(string origin)
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", origin);
        Assert.Equal(origin, CorsRequests.Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_WithoutOrigin_AnswersFirstLiteralOrigin()
    {
        using var response = await CorsRequests.SendAsync(server, HttpMethod.Get, "/api/health", null);
        Assert.Equal("http://localhost:7600", CorsRequests.Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_PreflightFromOtherOrigin_IsNotApproved()
    {
        using var refused = await CorsRequests.SendAsync(server, HttpMethod.Options, "/api/organization", "https://evil.example.com",
            "POST", "Authorization, Content-Type");
        Assert.Null(CorsRequests.Header(refused, "Access-Control-Allow-Origin"));
        Assert.Null(CorsRequests.Header(refused, "Access-Control-Allow-Methods"));
        Assert.Null(CorsRequests.Header(refused, "Access-Control-Allow-Headers"));

        using var approved = await CorsRequests.SendAsync(server, HttpMethod.Options, "/api/organization", "https://ui.example.org",
            "POST", "Content-Type, Authorization");
        Assert.Equal("https://ui.example.org", CorsRequests.Header(approved, "Access-Control-Allow-Origin"));
        Assert.Equal("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", CorsRequests.Header(approved, "Access-Control-Allow-Methods"));
        Assert.Equal("Authorization, Content-Type", CorsRequests.Header(approved, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Cors_RestrictedServerStillServesTheApi()
    {
        var root = await server.RootTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rule");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", root);
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example.com");
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(CorsRequests.Header(response, "Access-Control-Allow-Origin"));
    }
}
