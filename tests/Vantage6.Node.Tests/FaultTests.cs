using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Node.Tests;

/// <summary>
/// Failures the node must handle cleanly: crashing, hanging and misbehaving algorithms, kill requests, policies,
/// a node killed during a run, and a server restart while nodes are connected.
/// </summary>
public class FaultTests(TestNetwork network) : IClassFixture<TestNetwork>
{
    private const string Collaboration = "faults";

    private async Task<JsonObject> SingleRunAsync(HttpClient http, int taskId) => Assert.Single(await network.RunsAsync(http, taskId));

    private async Task<int> TaskAsync(HttpClient http, string image, string method, object? kwargs = null, int org = 0) =>
        await network.CreateTaskAsync(http, Collaboration, image, [org], new { method, args = Array.Empty<object>(), kwargs = kwargs ?? new { } });

    private async Task<JsonObject> WaitForRunStatusAsync(HttpClient http, int taskId, string status, TimeSpan timeout, string node)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var run = await SingleRunAsync(http, taskId);
            if ((string?)run["status"] == status) return run;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Run of task {taskId} did not become '{status}'\n{network.NodeLog(node)}");
    }

    [Fact]
    public async Task CrashingHangingAndInvalidOutput_GiveFailedRunsWithUsefulLogs()
    {
        const string node = "fault-algorithms";
        await network.StartNodeAsync(node, Collaboration, 0, "algorithm_time_limit: 8");
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(0));
            var crash = await TaskAsync(http, "v6-faulty", "crash");
            var hang = await TaskAsync(http, "v6-faulty", "hang");
            var bad = await TaskAsync(http, "v6-faulty", "bad_output");
            var unknown = await TaskAsync(http, "not-on-the-list", "crash");
            foreach (var t in new[] { crash, hang, bad, unknown }) await network.WaitForTaskAsync(http, t, TimeSpan.FromSeconds(60), () => network.NodeLog(node));

            var crashed = await SingleRunAsync(http, crash);
            Assert.Equal("crashed", (string?)crashed["status"]);
            Assert.True(((string?)crashed["log"] ?? "").Contains("error > something went terribly wrong"), $"{crashed["log"]}\n{network.NodeLog(node)}");
            Assert.NotNull(crashed["finished_at"]);

            var hung = await SingleRunAsync(http, hang);
            Assert.Equal("crashed", (string?)hung["status"]);
            Assert.Contains("time limit of 8 s", (string?)hung["log"]);

            var invalid = await SingleRunAsync(http, bad);
            Assert.Equal("failed", (string?)invalid["status"]);
            Assert.Contains("not valid UTF-8 JSON", (string?)invalid["log"]);
            Assert.Equal("", (string?)invalid["result"] ?? "");

            var missing = await SingleRunAsync(http, unknown);
            Assert.Equal("non-existing Docker image", (string?)missing["status"]);
            Assert.Contains("'not-on-the-list' is not in the node's list of algorithms", network.NodeLog(node));
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task AlgorithmEnvironment_FollowsTheContract()
    {
        const string node = "fault-environment";
        await network.StartNodeAsync(node, Collaboration, 0);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(0));
            var task = await TaskAsync(http, "v6-faulty", "environment");
            Assert.Equal("completed", await network.WaitForTaskAsync(http, task, TimeSpan.FromSeconds(60), () => network.NodeLog(node)));
            var env = JsonNode.Parse(Assert.Single(await network.ResultsAsync(http, task, Collaboration, 0)))!;
            Assert.Equal("http://127.0.0.1", (string?)env["HOST"]);
            Assert.True(int.Parse((string)env["PORT"]!) > 0);
            Assert.Equal("", (string?)env["API_PATH"]);
            Assert.Equal("default", (string?)env["USER_REQUESTED_DATABASE_LABELS"]);
            Assert.Equal("default", (string?)env["DB_LABELS"]);
            Assert.Equal("csv", (string?)env["DEFAULT_DATABASE_TYPE"]);
            // mount_mode copy: a private copy with the same content, never the original file.
            var uri = (string)env["DEFAULT_DATABASE_URI"]!;
            Assert.StartsWith(network.NodeDataDirectory(node), uri);
            Assert.Equal(File.ReadAllText(Path.Combine(TestNetwork.RepoRoot, "examples", "data", "hospital_a.csv")), File.ReadAllText(uri));
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task KillRequest_StopsARunningAlgorithmWithinTwoSeconds()
    {
        const string node = "fault-kill";
        await network.StartNodeAsync(node, Collaboration, 0);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(0));
            var task = await TaskAsync(http, "v6-faulty", "sleep", new { seconds = 60 });
            var run = await WaitForRunStatusAsync(http, task, "active", TimeSpan.FromSeconds(60), node);
            var pidFile = Path.Combine(network.NodeDataDirectory(node), "data", $"task-{(int)run["id"]!:D9}", "pid");
            var pid = int.Parse(File.ReadAllText(pidFile));
            Assert.True(Alive(pid));
            using var kill = await http.PostAsJsonAsync($"{network.ApiBase}/kill/task", new { id = task });
            Assert.True(kill.IsSuccessStatusCode, await kill.Content.ReadAsStringAsync());
            var watch = Stopwatch.StartNew();
            while (Alive(pid) && watch.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50);
            Assert.False(Alive(pid), "the algorithm still runs 5 s after the kill request");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the algorithm stopped only after {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal("killed by user", (string?)(await SingleRunAsync(http, task))["status"]);
            await Task.Delay(1000);
            Assert.Contains($"Run id={(int)run["id"]!} was killed", network.NodeLog(node));
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task Policies_RefuseRunsWithNotAllowedAndAReason()
    {
        const string node = "fault-policies";
        await network.StartNodeAsync(node, Collaboration, 1, $"""
            policies:
              allowed_algorithms:
                - v6-average
              allowed_organizations:
                - "{network.OrgIds[TestNetwork.Organizations[1]]}"
            """);
        try
        {
            // alice (organization A) may not run anything on B's node; bob (B) may run only v6-average.
            using var alice = TestNetwork.Http(await network.LoginAsync(0));
            using var bob = TestNetwork.Http(await network.LoginAsync(1));
            var byAlice = await TaskAsync(alice, "v6-average", "partial_average", new { column_name = "age" }, org: 1);
            var wrongImage = await TaskAsync(bob, "v6-faulty", "crash", org: 1);
            var fine = await TaskAsync(bob, "v6-average", "partial_average", new { column_name = "age" }, org: 1);
            foreach (var t in new[] { byAlice, wrongImage, fine }) await network.WaitForTaskAsync(alice, t, TimeSpan.FromSeconds(60), () => network.NodeLog(node));
            Assert.Equal("not allowed", (string?)(await SingleRunAsync(alice, byAlice))["status"]);
            Assert.Equal("not allowed", (string?)(await SingleRunAsync(bob, wrongImage))["status"]);
            Assert.Equal("completed", (string?)(await SingleRunAsync(bob, fine))["status"]);
            var log = network.NodeLog(node);
            Assert.Contains("not in this node's allowed_users / allowed_organizations", log);
            Assert.Contains("the image 'v6-faulty' is not in this node's allowed_algorithms", log);
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task NodeKilledDuringARun_RestartFinishesItAndPicksUpRunsCreatedMeanwhile()
    {
        const string node = "fault-restart";
        await network.StartNodeAsync(node, Collaboration, 2);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(2));
            var first = await TaskAsync(http, "v6-faulty", "sleep", new { seconds = 4 }, org: 2);
            await WaitForRunStatusAsync(http, first, "active", TimeSpan.FromSeconds(60), node);
            var pid = network.NodePid(node)!.Value;
            using (var p = Process.GetProcessById(pid)) p.Kill();   // the node only: its algorithm is left behind
            var whileDown = await TaskAsync(http, "v6-faulty", "sleep", new { seconds = 0.2 }, org: 2);
            await Task.Delay(500);
            Assert.Equal("pending", (string?)(await SingleRunAsync(http, whileDown))["status"]);

            await network.StartNodeAsync(node, Collaboration, 2);
            Assert.Equal("completed", await network.WaitForTaskAsync(http, first, TimeSpan.FromSeconds(60), () => network.NodeLog(node)));
            Assert.Equal("completed", await network.WaitForTaskAsync(http, whileDown, TimeSpan.FromSeconds(60), () => network.NodeLog(node)));
            Assert.Equal(4, (int)JsonNode.Parse(Assert.Single(await network.ResultsAsync(http, first, Collaboration, 2)))!["slept"]!);
            // The run was started once by each node process, never twice by one.
            Assert.Equal(2, CountOccurrences(network.NodeLog(node), $"Starting run id={(int)(await SingleRunAsync(http, first))["id"]!} "));
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task ServerRestart_WhileNodesAreConnected_LosesNoRun()
    {
        const string node = "fault-server";
        await network.StartNodeAsync(node, Collaboration, 1);
        try
        {
            var http = TestNetwork.Http(await network.LoginAsync(1));
            var during = await TaskAsync(http, "v6-faulty", "sleep", new { seconds = 3 }, org: 1);
            await WaitForRunStatusAsync(http, during, "active", TimeSpan.FromSeconds(60), node);
            await network.StopServerAsync();
            await Task.Delay(4000);            // the algorithm finishes while the server is down
            await network.StartServerAsync();
            http.Dispose();
            http = TestNetwork.Http(await network.LoginAsync(1));
            var after = await TaskAsync(http, "v6-faulty", "sleep", new { seconds = 0.2 }, org: 1);
            Assert.Equal("completed", await network.WaitForTaskAsync(http, during, TimeSpan.FromSeconds(60), () => network.NodeLog(node)));
            Assert.Equal("completed", await network.WaitForTaskAsync(http, after, TimeSpan.FromSeconds(60), () => network.NodeLog(node)));
            Assert.Equal(3, (int)JsonNode.Parse(Assert.Single(await network.ResultsAsync(http, during, Collaboration, 1)))!["slept"]!);
            Assert.Contains("retrying", network.NodeLog(node));
            http.Dispose();
        }
        finally { await network.StopNodeAsync(node); }
    }

    private static int CountOccurrences(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static bool Alive(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] != 'Z'; }
        catch (IOException) { return false; }
    }
}
