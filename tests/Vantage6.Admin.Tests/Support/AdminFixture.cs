using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common.Configuration;
using Vantage6.Server;
using Vantage6.Server.Data;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Admin.Tests.Support;

/// <summary>One test's database with its server configuration, and the real server on it when a test needs HTTP.</summary>
public sealed class AdminFixture : IAsyncDisposable
{
    // bcrypt at cost 4 in tests so that hashing is quick; the server itself always uses 12.
    static AdminFixture() => Vantage6.Server.Auth.PasswordHasher.WorkFactor = 4;

    public static string ExampleFile => Path.Combine(AppContext.BaseDirectory, "examples", "import.yaml");

    private readonly TestDatabase _database;
    private WebApplication? _server;
    public string DataDirectory { get; } = Path.GetTempPath();
    public string ConfigFile { get; }

    private AdminFixture(TestDatabase database, bool allowDropAll)
    {
        _database = database;
        Config = ServerConfigLoader.FromYaml(ConfigYaml(database.Uri, allowDropAll));
        ConfigFile = Path.Combine(Path.GetTempPath(), $"v6admin-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(ConfigFile, ConfigYaml(database.Uri, allowDropAll));
    }

    public ServerConfig Config { get; }

    public static async Task<AdminFixture> CreateAsync(bool allowDropAll = false) => new(await TestDatabase.CreateAsync(), allowDropAll);

    private static string ConfigYaml(string uri, bool allowDropAll) => TestServerYaml.For("admin test server", uri, allowDropAll);

    public V6DbContext OpenDb() => AdminDatabase.Open(Config.Uri, DataDirectory);

    public Task ImportAsync(string yaml, bool dropAll = false, IMessages? messages = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"v6import-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        return ImportFileAsync(file, dropAll, messages);
    }

    public Task ImportFileAsync(string file, bool dropAll = false, IMessages? messages = null) =>
        Vantage6.Admin.Import.ImportRunner.RunAsync(Config, DataDirectory, file, dropAll, messages ?? new RecordedMessages());

    /// <summary>Rows per table, to show that a failed import wrote nothing.</summary>
    public async Task<Dictionary<string, int>> RowCountsAsync()
    {
        await using var db = OpenDb();
        return new Dictionary<string, int>
        {
            ["organization"] = await db.Organizations.CountAsync(),
            ["user"] = await db.Users.CountAsync(),
            ["role"] = await db.Roles.CountAsync(),
            ["rule"] = await db.Rules.CountAsync(),
            ["Permission"] = await db.UserRoles.CountAsync(),
            ["role_rule_association"] = await db.RoleRules.CountAsync(),
            ["collaboration"] = await db.Collaborations.CountAsync(),
            ["Member"] = await db.Members.CountAsync(),
            ["node"] = await db.Nodes.CountAsync(),
            ["task"] = await db.Tasks.CountAsync(),
            ["run"] = await db.Runs.CountAsync(),
        };
    }

    /// <summary>Starts the real server (in memory) on this database and returns its client.</summary>
    public async Task<HttpClient> StartServerAsync()
    {
        _server = ServerHost.Build(Config, new ServerRunOptions { DataDirectory = DataDirectory, ConfigureBuilder = b => b.WebHost.UseTestServer() });
        await ServerHost.InitializeAsync(_server);
        await _server.StartAsync();
        return _server.GetTestClient();
    }

    public static async Task<int> UserLoginStatusAsync(HttpClient client, string username, string password) =>
        (int)(await client.PostAsJsonAsync("/api/token/user", new { username, password })).StatusCode;

    public static async Task<int> NodeLoginStatusAsync(HttpClient client, string apiKey) =>
        (int)(await client.PostAsJsonAsync("/api/token/node", new { api_key = apiKey })).StatusCode;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await _database.DisposeAsync();
        try { File.Delete(ConfigFile); } catch (IOException) { }
    }
}
