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
}
