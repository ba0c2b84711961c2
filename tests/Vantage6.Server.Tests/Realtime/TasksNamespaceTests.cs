using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Server.Realtime;
using Vantage6.Server.Tests.Federation;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Realtime;

/// <summary>The vantage6 <c>/tasks</c> namespace end to end: real server on 127.0.0.1, real Socket.IO clients.</summary>
public sealed class TasksNamespaceTests(LoopbackServer server) : IClassFixture<LoopbackServer>, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _clients = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.DisposeAsync();
    }

    private async Task<RecordingClient> ConnectAsync(string? token, bool webSocketOnly = false)
    {
        var client = await RecordingClient.ConnectAsync(server.BaseUrl!, token, webSocketOnly);
        _clients.Add(client);
        return client;
    }

    private async Task<RawSocket> ConnectRawAsync(string token)
    {
        var raw = await RawSocket.ConnectAsync(server.BaseUrl!, token);
        _clients.Add(raw);
        return raw;
    }

    private async Task<(string? Status, DateTime? LastSeen)> NodeStatusAsync(int nodeId)
    {
        await using var scope = server.Scope(out var db);
        var node = await db.Nodes.AsNoTracking().FirstAsync(n => n.Id == nodeId);
        return (node.Status, node.LastSeen);
    }

    private async Task<int> CreateTaskAsync(FederatedFlowTests.Network n) =>
        (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();

    [Fact]
    public async Task Node_ConnectsIdentified_JoinsItsRooms_AndGetsNewTaskWithinASecond()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var (nodeId, token) = n.Nodes[0];
        var node = await ConnectAsync(token);

        await node.NextAsync("sync");
        var joined = node.Of("message").Select(m => m.GetString()).ToList();
        await Wait.UntilAsync(() => node.Of("message").Count() >= 2, "join messages");
        var name = (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["name"]!.GetValue<string>();
        Assert.Equal(
            [$"Node <{name}> joined room <collaboration_{n.Collab}>", $"Node <{name}> joined room <collaboration_{n.Collab}_organization_{n.Orgs[0]}>"],
            node.Of("message").Select(m => m.GetString()).ToList());
        Assert.Equal("online", (await NodeStatusAsync(nodeId)).Status);
        Assert.Equal("online", (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["status"]!.GetValue<string>());

        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            var taskId = await CreateTaskAsync(n);
            var newTask = await node.NextAsync("new_task", e => e.GetProperty("id").GetInt32() == taskId, seconds: 5);
            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"new_task took {clock.Elapsed.TotalMilliseconds} ms");
            Assert.Equal(JsonValueKind.Null, newTask.GetProperty("parent_id").ValueKind);
            Assert.Equal(2, newTask.EnumerateObject().Count());
        }
    }

    [Fact]
    public async Task Kill_ReachesTheNodesOfItsCollaborationOnly_AndNeverWithAnEmptyList()
    {
        var a = await FederatedFlowTests.ArrangeAsync(server);
        var b = await FederatedFlowTests.ArrangeAsync(server);
        var nodeA = await ConnectAsync(a.Nodes[1].Token);
        var nodeB = await ConnectAsync(b.Nodes[1].Token, webSocketOnly: true);
        await nodeA.NextAsync("sync");
        await nodeB.NextAsync("sync");

        var taskId = await CreateTaskAsync(a);
        (await server.PostAsync("/api/kill/task", a.Root, new { id = taskId })).ExpectStatus(200);
        var kill = await nodeA.NextAsync("kill_containers");
        Assert.Equal(a.Collab, kill.GetProperty("collaboration_id").GetInt32());
        var list = kill.GetProperty("kill_list").EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        Assert.All(list, k => Assert.Equal(taskId, k.GetProperty("task_id").GetInt32()));
        Assert.Contains(list, k => k.GetProperty("organization_id").GetInt32() == a.Orgs[1]);

        // Form B, for one node: the node of collaboration B gets it, A's node does not.
        (await server.PostAsync("/api/kill/node/tasks", b.Root, new { id = b.Nodes[1].Id })).ExpectStatus(200);
        var killB = await nodeB.NextAsync("kill_containers");
        Assert.Equal(b.Nodes[1].Id, killB.GetProperty("node_id").GetInt32());
        Assert.Equal(b.Collab, killB.GetProperty("collaboration_id").GetInt32());

        // An empty kill list would make a Python node kill everything: the forwarder drops it.
        server.Services.GetRequiredService<IEventPublisher>().Publish(new ServerEvent("kill_containers",
            new JsonObject { ["kill_list"] = new JsonArray(), ["collaboration_id"] = a.Collab }, Rooms.Collaboration(a.Collab)));
        var marker = await CreateTaskAsync(a); // events are delivered in order: once this arrives, the empty kill would have too
        await nodeA.NextAsync("new_task", e => e.GetProperty("id").GetInt32() == marker);
        await Task.Delay(200);

        Assert.Single(nodeA.Of("kill_containers"));
        Assert.Single(nodeB.Of("kill_containers"));
        Assert.DoesNotContain(nodeB.Of("new_task"), e => e.GetProperty("id").GetInt32() == taskId);
    }

    [Fact]
    public async Task NodeThatDrops_IsMarkedOffline_AnnouncedToUsers_AndItsConfigIsRemoved()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var (nodeId, token) = n.Nodes[2];
        var watcher = await ConnectAsync(n.Researcher); // collaboration-scope receive rule
        await Wait.UntilAsync(() => watcher.Of("message").Any(), "watcher joined");

        var raw = await ConnectRawAsync(token);
        var online = await watcher.NextAsync("node-online", e => e.GetProperty("id").GetInt32() == nodeId);
        Assert.Equal(n.Orgs[2], online.GetProperty("org_id").GetInt32());
        Assert.Equal(["id", "name", "org_id"], online.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("online", (await NodeStatusAsync(nodeId)).Status);
        Assert.Contains(raw.Frames, f => f == "42/tasks,[\"sync\"]");

        await raw.EmitAsync("node_info_update", new JsonObject
        {
            ["encryption"] = false, ["allowed_algorithms"] = "all", ["database_labels"] = new JsonArray("default"),
            ["database_types"] = new JsonObject { ["db_type_default"] = "csv" },
            ["database_columns"] = new JsonObject { ["columns_default"] = new JsonArray("age", "weight") },
        });
        await Wait.UntilAsync(async () => (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["config"]!.AsArray().Count == 6, "config rows");
        var config = (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["config"]!.AsArray()
            .Select(c => $"{c!["key"]}={c["value"]}").Order().ToArray();
        Assert.Equal(["allowed_algorithms=all", "columns_default=age", "columns_default=weight", "database_labels=default",
            "db_type_default=csv", "encryption=false"], config);

        raw.Drop();
        var offline = await watcher.NextAsync("node-offline", e => e.GetProperty("id").GetInt32() == nodeId);
        Assert.Equal(online.GetRawText(), offline.GetRawText());
        await Wait.UntilAsync(async () => (await NodeStatusAsync(nodeId)).Status == "offline", "node offline");
        await Wait.UntilAsync(async () => (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["config"]!.AsArray().Count == 0, "config removed");
        Assert.Contains(watcher.Of("message"), m => m.GetString()!.EndsWith($" left room collaboration_{n.Collab}"));
    }

    [Fact]
    public async Task Reconnect_BeforeTheOldSocketCloses_StaysOnline()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var (nodeId, token) = n.Nodes[0];
        var first = await ConnectRawAsync(token);
        var second = await ConnectRawAsync(token);
        await Wait.UntilAsync(() => first.Frames.Contains("42/tasks,[\"sync\"]") && second.Frames.Contains("42/tasks,[\"sync\"]"), "both identified");
        first.Drop();
        await Task.Delay(300);
        Assert.Equal("online", (await NodeStatusAsync(nodeId)).Status);
        second.Drop();
        await Wait.UntilAsync(async () => (await NodeStatusAsync(nodeId)).Status == "offline", "node offline");
    }

    [Fact]
    public async Task Ping_SetsOnlineAndLastSeen_AndNodeStatusJobCooperates()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var (nodeId, token) = n.Nodes[1];
        var node = await ConnectAsync(token);
        await node.NextAsync("sync");
        // The background job marked the node offline meanwhile (it missed a ping): the next ping brings it back.
        await using (var scope = server.Scope(out var db))
        {
            var row = await db.Nodes.FirstAsync(x => x.Id == nodeId);
            row.Status = "offline";
            row.LastSeen = DateTime.UtcNow.AddMinutes(-10);
            await db.SaveChangesAsync();
        }
        var before = DateTime.UtcNow.AddSeconds(-1);
        await node.EmitAsync("ping");
        await Wait.UntilAsync(async () => (await NodeStatusAsync(nodeId)).Status == "online", "online after ping");
        var (_, lastSeen) = await NodeStatusAsync(nodeId);
        Assert.True(lastSeen > before, $"last_seen {lastSeen:O} not refreshed");

        // The job leaves a node alone that pinged since the start of its interval.
        await using (var scope = server.Scope(out var db))
            Assert.Equal(0, await Jobs.NodeStatusJob.MarkStaleNodesOfflineAsync(db, before.AddSeconds(-5)));
        Assert.Equal("online", (await NodeStatusAsync(nodeId)).Status);
    }

    [Fact]
    public async Task ExpiredInvalidAndMissingTokens_AreAcceptedButNotIdentified()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var nodeId = n.Nodes[0].Id;
        long past = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds();
        long future = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds();
        var expired = await ConnectAsync(Jwt.Sign(server.Config.JwtSecretKey, Jwt.AccessPayload("node", nodeId, past)));
        var invalid = await ConnectAsync(Jwt.Sign("another-secret-of-another-server", Jwt.AccessPayload("node", nodeId, future)));
        var expiredBadSignature = await ConnectAsync(Jwt.Sign("another-secret-of-another-server", Jwt.AccessPayload("node", nodeId, past)));
        var none = await ConnectAsync(null);
        var garbage = await ConnectAsync("not-a-jwt");

        await expired.NextAsync("expired_token");
        await invalid.NextAsync("invalid_token");
        await expiredBadSignature.NextAsync("invalid_token");
        await CreateTaskAsync(n);
        await Task.Delay(500);
        foreach (var c in new[] { expired, invalid, expiredBadSignature, none, garbage })
        {
            Assert.True(c.Client.Connected);
            Assert.DoesNotContain(c.Events, e => e.Name is "sync" or "new_task" or "message");
        }
        Assert.Empty(none.Events);
        Assert.Empty(garbage.Events);
        Assert.Single(expired.Events);
        Assert.Single(invalid.Events);
        Assert.NotEqual("online", (await NodeStatusAsync(nodeId)).Status);
    }

    [Fact]
    public async Task Users_SeeOnlyTheStatusChangesTheirRuleAllows()
    {
        var a = await FederatedFlowTests.ArrangeAsync(server);
        var b = await FederatedFlowTests.ArrangeAsync(server);
        var collabUser = await ConnectAsync(a.Researcher);                 // event receive, collaboration scope
        var orgUser = await ConnectAsync(await OrgScopeUserTokenAsync(a)); // event receive, organization scope only
        var noRights = await ConnectAsync(await NoEventUserTokenAsync(a));
        await Wait.UntilAsync(() => collabUser.Of("message").Any() && orgUser.Of("message").Any(), "users joined");
        Assert.EndsWith($"> joined room <collaboration_{a.Collab}_organization_{a.Orgs[0]}>", orgUser.Of("message").Single().GetString());
        Assert.StartsWith("User <", orgUser.Of("message").Single().GetString());

        // Node 0 of A (organization of orgUser), node 1 of A, node 0 of B connect.
        var nodeA0 = await ConnectAsync(a.Nodes[0].Token);
        var nodeA1 = await ConnectAsync(a.Nodes[1].Token);
        var nodeB0 = await ConnectAsync(b.Nodes[0].Token);
        await collabUser.NextAsync("node-online", e => e.GetProperty("id").GetInt32() == a.Nodes[1].Id);
        await orgUser.NextAsync("node-online", e => e.GetProperty("id").GetInt32() == a.Nodes[0].Id);
        await nodeB0.NextAsync("sync");

        // Node A1 reports a status change of its own run; node B0 of a run in B.
        var taskA = await CreateTaskAsync(a);
        var taskB = await CreateTaskAsync(b);
        var runA1 = await RunOfAsync(a, taskA, 1);
        var runB0 = await RunOfAsync(b, taskB, 0);
        var jobA = (await server.GetAsync($"/api/task/{taskA}", a.Root)).Json!["job_id"]!.GetValue<int>();
        await nodeA1.EmitAsync("algorithm_status_change", new
        {
            node_id = a.Nodes[1].Id, status = "active", run_id = runA1, task_id = taskA, collaboration_id = a.Collab,
            organization_id = a.Orgs[1], parent_id = (int?)null,
        });
        await nodeB0.EmitAsync("algorithm_status_change", new
        {
            node_id = b.Nodes[0].Id, status = "crashed", run_id = runB0, task_id = taskB, collaboration_id = b.Collab,
            organization_id = b.Orgs[0], parent_id = (int?)null,
        });
        // A node relaying a run that is not its own (B0 naming A1's run and A's collaboration) is ignored.
        await nodeB0.EmitAsync("algorithm_status_change", new
        {
            node_id = b.Nodes[0].Id, status = "failed", run_id = runA1, task_id = taskA, collaboration_id = a.Collab,
            organization_id = a.Orgs[1], parent_id = (int?)null,
        });
        await nodeA1.EmitAsync("algorithm_log", new { collaboration_id = a.Collab, run_id = runA1, task_id = taskA, log = "line 1" });
        await nodeA1.EmitAsync("algorithm_log", new { collaboration_id = a.Collab, run_id = runA1, task_id = taskA, log = "line 2\n" });

        var change = await collabUser.NextAsync("algorithm_status_change");
        var expected = new JsonObject
        {
            ["status"] = "active", ["run_id"] = runA1, ["task_id"] = taskA, ["job_id"] = jobA, ["collaboration_id"] = a.Collab,
            ["node_id"] = a.Nodes[1].Id, ["organization_id"] = a.Orgs[1], ["parent_id"] = null,
        };
        Assert.Equal(expected.ToJsonString(), JsonNode.Parse(change.GetRawText())!.ToJsonString());
        await nodeA1.NextAsync("algorithm_status_change"); // the sender is in the room too
        await Wait.UntilAsync(() => collabUser.Of("algorithm_log").Count() == 2, "logs relayed");
        await nodeB0.NextAsync("algorithm_status_change", e => e.GetProperty("status").GetString() == "crashed");
        await Task.Delay(300);

        Assert.Single(collabUser.Of("algorithm_status_change"));
        Assert.DoesNotContain(collabUser.Of("node-online"), e => e.GetProperty("id").GetInt32() == b.Nodes[0].Id);
        Assert.Equal([a.Nodes[0].Id], orgUser.Of("node-online").Select(e => e.GetProperty("id").GetInt32()).ToArray());
        Assert.Empty(orgUser.Of("algorithm_status_change"));
        Assert.Empty(orgUser.Of("new_task"));
        Assert.Contains(collabUser.Of("new_task"), e => e.GetProperty("id").GetInt32() == taskA);
        Assert.DoesNotContain(collabUser.Of("new_task"), e => e.GetProperty("id").GetInt32() == taskB);
        Assert.Empty(noRights.Events);
        Assert.Single(nodeB0.Of("algorithm_status_change"));
        // Nodes are not told about each other's presence.
        Assert.Empty(nodeA0.Of("node-online"));

        await using var scope = server.Scope(out var db);
        Assert.Equal("line 1\nline 2\n", (await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runA1)).Log);
    }

    private async Task<int> RunOfAsync(FederatedFlowTests.Network n, int taskId, int nodeIndex)
    {
        var (nodeId, token) = n.Nodes[nodeIndex];
        var runs = (await server.GetAsync($"/api/run?task_id={taskId}&node_id={nodeId}", token)).ExpectStatus(200);
        return runs.Data.Single()!["id"]!.GetValue<int>();
    }

    private async Task<string> OrgScopeUserTokenAsync(FederatedFlowTests.Network n)
    {
        var rule = (await server.GetAsync("/api/rule?name=event&scope=org&operation=r", n.Root)).Data.Single()!["id"]!.GetValue<int>();
        var role = (await server.PostAsync("/api/role", n.Root, new
        {
            name = V6TestServer.Unique("role"), description = "org events", rules = new[] { rule }, organization_id = n.Orgs[0],
        })).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var username = V6TestServer.Unique("user");
        (await server.PostAsync("/api/user", n.Root, new
        {
            username, password = "Password123!", email = $"{username}@example.org", firstname = "O", lastname = "U",
            organization_id = n.Orgs[0], roles = new[] { role },
        })).ExpectStatus(201);
        return await server.LoginAsync(username, "Password123!");
    }

    private async Task<string> NoEventUserTokenAsync(FederatedFlowTests.Network n)
    {
        var username = V6TestServer.Unique("user");
        (await server.PostAsync("/api/user", n.Root, new
        {
            username, password = "Password123!", email = $"{username}@example.org", firstname = "N", lastname = "U",
            organization_id = n.Orgs[0], roles = Array.Empty<int>(),
        })).ExpectStatus(201);
        return await server.LoginAsync(username, "Password123!");
    }
}
