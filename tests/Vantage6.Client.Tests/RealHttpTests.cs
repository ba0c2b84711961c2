using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Common.Configuration;
using Vantage6.Server;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>The server listening on a real 127.0.0.1 port, for clients built from a URL.</summary>
public sealed class ListeningServer : IAsyncLifetime
{
    private WebApplication? _app;
    private TestDatabase? _database;

    public string ApiUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var config = ServerConfigLoader.FromYaml(TestServerYaml.For("client test server", _database.Uri, allowDropAll: false));
        _app = ServerHost.Build(config, new ServerRunOptions { Urls = "http://127.0.0.1:0" });
        await ServerHost.InitializeAsync(_app);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ApiUrl = address.TrimEnd('/') + "/api";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>The flow the demo will use, over real HTTP with a client made from the API URL.</summary>
public class RealHttpTests(ListeningServer server) : IClassFixture<ListeningServer>
{
    [Fact]
    public async Task LoginCreateTaskForSeveralOrganizations_WaitAndReadResults()
    {
        using var root = new V6Client(server.ApiUrl);
        var me = await root.AuthenticateAsync("root", V6TestServer.RootPassword);
        Assert.Equal("root", me.OrganizationName);

        var orgs = new List<int>();
        for (int i = 0; i < 3; i++) orgs.Add((await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") })).Id);
        // The initiating organization must take part in the collaboration.
        var collab = await root.Collaborations.CreateAsync(V6TestServer.Unique("col"), [me.OrganizationId, .. orgs], encrypted: false);
        var nodeKeys = new List<string>();
        foreach (var org in orgs) nodeKeys.Add((await root.Nodes.CreateAsync(collab.Id, org)).ApiKey!);

        var task = await root.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = collab.Id, Organizations = orgs, Name = "demo", Image = "harbor2.vantage6.ai/demo/average",
            Input = new TaskInput { Method = "partial_average", Kwargs = new Dictionary<string, object?> { ["column_name"] = "age" } },
        });

        // The nodes answer over plain HTTP.
        using var http = new HttpClient { BaseAddress = new Uri(server.ApiUrl + "/") };
        foreach (var key in nodeKeys)
        {
            var login = await (await http.PostAsJsonAsync("token/node", new { api_key = key })).Content.ReadFromJsonAsync<JsonObject>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!["access_token"]!.GetValue<string>());
            var nodeId = int.Parse(login["node_url"]!.GetValue<string>().Split('/').Last());
            var open = await http.GetFromJsonAsync<JsonObject>($"run?state=open&node_id={nodeId}&task_id={task.Id}");
            var run = open!["data"]!.AsArray().Single()!;
            var input = JsonNode.Parse(Convert.FromBase64String(run["input"]!.GetValue<string>()))!;
            var result = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"method\": \"{input["method"]}\", \"node\": {nodeId}}}"));
            var patch = await http.PatchAsJsonAsync($"run/{run["id"]}", new { result, log = "", status = "completed", finished_at = DateTime.UtcNow.ToString("O") });
            Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
        }

        var results = await root.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick);
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("partial_average", r.Parse()!["method"]!.GetValue<string>()));

        // A wrong URL fails with the HTTP error, not a hang.
        using var nowhere = new V6Client("http://127.0.0.1:9/api");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => nowhere.AuthenticateAsync("root", "root"));
    }

    /// <summary>The README's usage example, kept here so that it keeps compiling (not run: it needs nodes).</summary>
    internal static async Task ReadmeExample()
    {
        using var client = new V6Client("http://127.0.0.1:7601/api");
        await client.AuthenticateAsync("alice", "Password123!" /*, mfaCode: "123456" */);
        await client.SetupEncryptionAsync("alice_org_private_key.pem");   // only for encrypted collaborations

        var task = await client.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = 1,
            Organizations = [2, 3],      // each gets its own copy of the input, encrypted with its public key
            Name = "average",
            Image = "harbor2.vantage6.ai/demo/average",
            Input = new TaskInput { Method = "partial_average", Kwargs = new Dictionary<string, object?> { ["column_name"] = "age" } },
            Databases = [new DatabaseSelection { Label = "default" }],
        });
        foreach (var result in await client.Tasks.WaitForResultsAsync(task.Id))   // polls /task/{id}/status with back-off
            Console.WriteLine($"run {result.RunId}: {result.Json}");
    }
}
