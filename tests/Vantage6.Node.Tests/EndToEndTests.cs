using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Node.Tests;

/// <summary>
/// The issue's "done when": a server and three vnode processes, each with its own CSV; a user creates the example
/// federated mean through the REST API and gets the combined result — unencrypted and encrypted.
/// </summary>
public class EndToEndTests(TestNetwork network) : IClassFixture<TestNetwork>
{
    [Theory]
    [InlineData("plain")]
    [InlineData("secret")]
    public async Task FederatedMean_OverThreeNodes_MatchesTheCsvs(string collaboration)
    {
        var names = Enumerable.Range(0, 3).Select(i => $"{collaboration}-{i}").ToArray();
        for (var i = 0; i < 3; i++) await network.StartNodeAsync(names[i], collaboration, i);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(0));
            var taskId = await network.CreateTaskAsync(http, collaboration, "v6-average", [0],
                new { method = "central_average", args = Array.Empty<object>(), kwargs = new { column_name = "age" } });
            var status = await network.WaitForTaskAsync(http, taskId, TimeSpan.FromSeconds(120), () => string.Join("\n", names.Select(network.NodeLog)));
            var runs = await network.RunsAsync(http, taskId);
            Assert.True(status == "completed", $"status {status}; log: {runs[0]["log"]}\n{network.NodeLog(names[0])}");
            var results = await network.ResultsAsync(http, taskId, collaboration, 0);
            var result = JsonNode.Parse(Assert.Single(results))!;
            var (mean, count) = TestNetwork.ExpectedAge([0, 1, 2]);
            Assert.Equal(count, (int)result["count"]!);
            Assert.Equal(3, (int)result["organizations"]!);
            Assert.Equal(mean, (double)result["average"]!, 9);
            // The central run's log holds the algorithm's output.
            Assert.Contains("combined 3 partial results", (string?)runs[0]["log"] ?? "");
            // The subtasks ran on all three nodes; in the encrypted collaboration their stored results are ciphertext.
            using var userHttp = TestNetwork.Http(await network.LoginAsync(0));
            var children = (await userHttp.GetFromJsonAsync<JsonObject>($"{network.ApiBase}/task?parent_id={taskId}"))!["data"]!.AsArray();
            var child = (int)Assert.Single(children)!["id"]!;
            var childRuns = await network.RunsAsync(userHttp, child);
            Assert.Equal(3, childRuns.Count);
            Assert.All(childRuns, r => Assert.Equal("completed", (string?)r["status"]));
            var stored = (await userHttp.GetFromJsonAsync<JsonObject>($"{network.ApiBase}/result?task_id={child}"))!["data"]!.AsArray();
            Assert.All(stored, r => Assert.Equal(collaboration == "secret", ((string?)r!["result"] ?? "").Contains('$')));
            // The private key never shows up in a node log.
            var pem = File.ReadAllText(network.KeyFile(0));
            var keyLine = pem.Split('\n')[1];
            Assert.DoesNotContain(keyLine, network.NodeLog(names[0]));
        }
        finally
        {
            foreach (var name in names) await network.StopNodeAsync(name);
        }
    }

    [Fact]
    public async Task NodeApi_LogsIn_RefreshesItsToken_AndRefusesAWrongKey()
    {
        using var api = new ServerApi(network.ApiBase, $"http://127.0.0.1:{network.Port}", TestNetwork.ApiKey("plain", 0));
        await api.LoginAsync(default);
        var first = api.AccessToken;
        Assert.True(api.NodeId > 0);
        Assert.True(api.AccessTokenExpiry > DateTimeOffset.UtcNow.AddMinutes(30));
        Assert.Equal(TimeSpan.FromSeconds(600), api.RefreshMargin);
        await Task.Delay(1100);   // a new iat
        await api.RefreshAsync(default);
        Assert.NotEqual(first, api.AccessToken);
        var node = await api.GetAsync($"/node/{api.NodeId}", default);
        Assert.Equal(network.CollaborationIds["plain"], (int?)node!["collaboration"]!["id"]);
        using var wrong = new ServerApi(network.ApiBase, $"http://127.0.0.1:{network.Port}", "99999999-9999-4999-8999-999999999999");
        var refused = await Assert.ThrowsAsync<ServerApiException>(() => wrong.LoginAsync(default));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task InProcessNode_Proxy_RelaysErrors_PassesThrough_AndServesSingleResults()
    {
        var file = network.WriteNodeConfig("inproc", "faults", 0);
        var config = NodeConfig.Load(file, "inproc", Path.Combine(network.Root, "inproc-data"), Path.Combine(network.Root, "inproc-log"));
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var log = new NodeLog(console: false, level: "DEBUG");
        log.Written += lines.Enqueue;
        using var stop = new CancellationTokenSource();
        await using var node = new VantageNode(config, log);
        var running = node.RunAsync(stop.Token);
        await node.Ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        try
        {
            var proxy = $"http://127.0.0.1:{node.ProxyPort}";
            using var anonymous = new HttpClient();
            using (var missing = await anonymous.PostAsJsonAsync($"{proxy}/task", new { name = "x" }))
            {
                Assert.Equal(System.Net.HttpStatusCode.BadRequest, missing.StatusCode);
                Assert.Contains("Organizations missing from input", await missing.Content.ReadAsStringAsync());
            }
            using (var unauthorized = await anonymous.GetAsync($"{proxy}/task/1"))
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.StatusCode);   // relayed, not 500
            using var http = TestNetwork.Http(await network.LoginAsync(0));
            using (var status = await http.GetAsync($"{proxy}/blobstream/status"))
                Assert.Contains("blob_store_enabled", await status.Content.ReadAsStringAsync());
            var task = await network.CreateTaskAsync(http, "faults", "v6-faulty", [0], new { method = "sleep", kwargs = new { seconds = 0.1 } });
            Assert.Equal("completed", await network.WaitForTaskAsync(http, task, TimeSpan.FromSeconds(60), () => string.Join("\n", lines)));
            var run = Assert.Single(await network.RunsAsync(http, task));
            using var viaProxy = TestNetwork.Http(await network.LoginAsync(0));
            var single = await viaProxy.GetFromJsonAsync<JsonObject>($"{proxy}/result/{(int)run["id"]!}");
            Assert.Equal("{\"slept\": 0.1}", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)single!["result"]!)));
            Assert.Contains(lines, l => l.Contains($"Run id={(int)run["id"]!} completed"));
        }
        finally
        {
            stop.Cancel();
            await running;
        }
        Assert.Contains(lines, l => l.Contains("Node stopped"));
    }
}
