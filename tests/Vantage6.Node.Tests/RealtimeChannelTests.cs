using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Node.Tests;

/// <summary>
/// A vnode process against the server's real Socket.IO <c>/tasks</c> namespace: new tasks and kill requests
/// arrive as events (with the socket up, the node polls only every 30 s, so REST polling cannot explain them).
/// </summary>
public class RealtimeChannelTests(TestNetwork network) : IClassFixture<TestNetwork>
{
    private const string Collaboration = "faults";
    private static readonly object NoArgs = Array.Empty<object>();

    private async Task<int> NodeIdAsync(HttpClient http, int org)
    {
        var url = $"{network.ApiBase}/node?organization_id={network.OrgIds[TestNetwork.Organizations[org]]}&collaboration_id={network.CollaborationIds[Collaboration]}";
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            // The configuration is reported over the socket right after it connects.
            var node = (await http.GetFromJsonAsync<JsonObject>(url))!["data"]!.AsArray().SingleOrDefault();
            if (node is not null && node["config"]!.AsArray().Count > 0 && (string?)node["status"] == "online") return (int)node["id"]!;
            await Task.Delay(200);
        }
        throw new TimeoutException("the node never connected its socket");
    }

    [Fact]
    public async Task NewTask_ReachesTheNodeOverTheSocket()
    {
        const string node = "socket-new-task";
        await network.StartNodeAsync(node, Collaboration, 2);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(2));
            await NodeIdAsync(http, 2);
            var watch = Stopwatch.StartNew();
            var task = await network.CreateTaskAsync(http, Collaboration, "v6-faulty", [2], new { method = "sleep", args = NoArgs, kwargs = new { seconds = 0.1 } });
            Assert.Equal("completed", await network.WaitForTaskAsync(http, task, TimeSpan.FromSeconds(15), () => network.NodeLog(node)));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        }
        finally { await network.StopNodeAsync(node); }
    }

    [Fact]
    public async Task KillNodeTasks_StopsTheRunningAlgorithm()
    {
        const string node = "socket-kill";
        await network.StartNodeAsync(node, Collaboration, 2);
        try
        {
            using var http = TestNetwork.Http(await network.LoginAsync(2));
            var nodeId = await NodeIdAsync(http, 2);
            var task = await network.CreateTaskAsync(http, Collaboration, "v6-faulty", [2], new { method = "sleep", args = NoArgs, kwargs = new { seconds = 60 } });
            var pidFile = "";
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                var run = (await network.RunsAsync(http, task)).Single();
                pidFile = Path.Combine(network.NodeDataDirectory(node), "data", $"task-{(int)run["id"]!:D9}", "pid");
                if ((string?)run["status"] == "active" && File.Exists(pidFile)) break;
                await Task.Delay(100);
            }
            var pid = int.Parse(File.ReadAllText(pidFile));
            using var kill = await http.PostAsJsonAsync($"{network.ApiBase}/kill/node/tasks", new { id = nodeId });
            Assert.True(kill.IsSuccessStatusCode, await kill.Content.ReadAsStringAsync());
            watch.Restart();
            while (Alive(pid) && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);
            Assert.False(Alive(pid), $"the algorithm still runs 10 s after /kill/node/tasks\n{network.NodeLog(node)}");
        }
        finally { await network.StopNodeAsync(node); }
    }

    private static bool Alive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
