using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Common.Configuration;
using Vantage6.Server.Data;

namespace Vantage6.Server.Tests.Support;

/// <summary>
/// The real server, in process, on a fresh database (SQLite, or PostgreSQL in CI). One per test
/// class (<c>IClassFixture&lt;V6TestServer&gt;</c>); tests create their own entities with unique names.
/// </summary>
public class V6TestServer : IAsyncLifetime
{
    public const string RootPassword = "root";

    // bcrypt at cost 4 in tests so that creating users is quick; the server itself always uses 12.
    static V6TestServer() => Vantage6.Server.Auth.PasswordHasher.WorkFactor = 4;
    private WebApplication? _app;
    private TestDatabase? _database;

    public HttpClient Client { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;
    public ServerConfig Config { get; private set; } = null!;

    /// <summary>Override to change the configuration (e.g. enable two-factor authentication).</summary>
    protected virtual string ExtraYaml => "";

    /// <summary>Override with true to serve on a real port of 127.0.0.1 (for websocket clients) instead of in memory.</summary>
    protected virtual bool ListenOnLoopback => false;

    /// <summary>Base address (<c>http://127.0.0.1:port</c>) when <see cref="ListenOnLoopback"/>.</summary>
    public string? BaseUrl { get; private set; }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        Config = ServerConfigLoader.FromYaml(TestServerYaml.For("test server", _database.Uri, allowDropAll: true, ExtraYaml));
        _app = ListenOnLoopback
            ? ServerHost.Build(Config, new ServerRunOptions { Urls = "http://127.0.0.1:0" })
            : ServerHost.Build(Config, new ServerRunOptions { ConfigureBuilder = b => b.WebHost.UseTestServer() });
        await ServerHost.InitializeAsync(_app);
        await _app.StartAsync();
        if (ListenOnLoopback)
        {
            BaseUrl = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
            Client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        }
        else Client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    /// <summary>A database context on the server's database, for arranging and checking rows directly.</summary>
    public AsyncServiceScope Scope(out V6DbContext db)
    {
        var scope = Services.CreateAsyncScope();
        db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        return scope;
    }

    public async Task<string> LoginAsync(string username, string password)
    {
        var response = await Client.PostAsJsonAsync("/api/token/user", new { username, password });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"login of {username} failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    public Task<string> RootTokenAsync() => LoginAsync("root", RootPassword);

    /// <summary>Sends a request with an optional bearer token and JSON body.</summary>
    public Task<Reply> SendAsync(HttpMethod method, string path, string? token = null, object? body = null) =>
        Reply.SendAsync(Client, method, path, token, body);

    public Task<Reply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token);
    public Task<Reply> PostAsync(string path, string? token, object? body) => SendAsync(HttpMethod.Post, path, token, body);
    public Task<Reply> PatchAsync(string path, string? token, object? body) => SendAsync(HttpMethod.Patch, path, token, body);
    public Task<Reply> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, token);

    /// <summary>Creates an organization as root and returns its id.</summary>
    public async Task<int> CreateOrganizationAsync(string rootToken, string? name = null)
    {
        var reply = await PostAsync("/api/organization", rootToken, new { name = name ?? Unique("org") });
        reply.ExpectStatus(201);
        return reply.Json!["id"]!.GetValue<int>();
    }

    /// <summary>Creates a user (as root) in an organization with the given default role names; returns (id, username, password).</summary>
    public async Task<(int Id, string Username, string Password)> CreateUserAsync(string rootToken, int organizationId, params string[] roleNames)
    {
        var roleIds = new List<int>();
        foreach (var name in roleNames)
        {
            var roles = await GetAsync($"/api/role?name={Uri.EscapeDataString(name)}&per_page=100", rootToken);
            roleIds.Add(roles.Json!["data"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<int>());
        }
        var username = Unique("user");
        const string password = "Password123!";
        var reply = await PostAsync("/api/user", rootToken, new
        {
            username, password, email = $"{username}@example.org", firstname = "Test", lastname = "User",
            organization_id = organizationId, roles = roleIds,
        });
        reply.ExpectStatus(201);
        return (reply.Json!["id"]!.GetValue<int>(), username, password);
    }

    public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];
}

/// <summary>A response: status, parsed JSON (when JSON), raw text and lower-cased headers.</summary>
public sealed record Reply(int Status, JsonNode? Json, string Text, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Sends a request with an optional bearer token and JSON body and reads the whole answer.</summary>
    public static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string path, string? token = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0) json = JsonNode.Parse(text);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        return new Reply((int)response.StatusCode, json, text, headers);
    }

    public Reply ExpectStatus(int status)
    {
        if (Status != status) throw new Xunit.Sdk.XunitException($"expected {status}, got {Status}: {Text}");
        return this;
    }

    public string? Msg => Json?["msg"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    public JsonArray Data => Json!["data"]!.AsArray();
    public int Total => int.Parse(Headers["total-count"]);
}
