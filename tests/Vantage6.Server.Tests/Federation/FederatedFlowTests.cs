using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Server.Realtime;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>The whole federated flow as the Python client, node and algorithm containers drive it.</summary>
public class FederatedFlowTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    internal static string B64Json(object value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value)));

    internal sealed record Network(string Root, string Researcher, int[] Orgs, int Collab, (int Id, string Token)[] Nodes);

    internal static async Task<Network> ArrangeAsync(V6TestServer server, bool encrypted = false)
    {
        var root = await server.RootTokenAsync();
        var orgs = new int[3];
        for (int i = 0; i < 3; i++) orgs[i] = await server.CreateOrganizationAsync(root);
        var collab = (await server.PostAsync("/api/collaboration", root,
            new { name = V6TestServer.Unique("col"), organization_ids = orgs, encrypted })).ExpectStatus(200).Json!["id"]!.GetValue<int>();
        var nodes = new List<(int, string)>();
        foreach (var org in orgs)
        {
            var node = (await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = org })).ExpectStatus(201).Json!;
            var login = (await server.PostAsync("/api/token/node", null, new { api_key = node["api_key"]!.GetValue<string>() })).ExpectStatus(200);
            nodes.Add((node["id"]!.GetValue<int>(), login.Json!["access_token"]!.GetValue<string>()));
        }
        var researcher = await server.CreateUserAsync(root, orgs[0], "Researcher");
        return new Network(root, await server.LoginAsync(researcher.Username, researcher.Password), orgs, collab, nodes.ToArray());
    }

    internal static object TaskBody(Network n, string image = "harbor2.vantage6.ai/demo/average") => new
    {
        name = "average",
        image,
        collaboration_id = n.Collab,
        organizations = n.Orgs.Select(o => new { id = o, input = B64Json(new { method = "partial_average", org = o }) }).ToArray(),
        databases = new object[] { new { label = "default" }, new { label = "extra", query = "SELECT 1" } },
    };

    [Fact]
    public async Task WholeFlow_TaskRunsResultsSubtaskKillDelete()
    {
        var n = await ArrangeAsync(server);
        var events = new List<ServerEvent>();
        using var subscription = server.Services.GetRequiredService<IEventPublisher>().Subscribe(e => { lock (events) events.Add(e); });

        // A researcher creates a task for three organizations with per-organization input.
        var created = (await server.PostAsync("/api/task", n.Researcher, TaskBody(n))).ExpectStatus(201).Json!;
        var taskId = created["id"]!.GetValue<int>();
        Assert.Equal("pending", created["status"]!.GetValue<string>());
        Assert.Equal(n.Orgs[0], created["init_org"]!["id"]!.GetValue<int>());
        Assert.Equal("{\"query\":\"SELECT 1\"}", created["databases"]![1]!["parameters"]!.GetValue<string>());
        Assert.Equal("{}", created["databases"]![0]!["parameters"]!.GetValue<string>());
        var newTask = Assert.Single(events, e => e.Name == "new_task");
        Assert.Equal($"collaboration_{n.Collab}", newTask.Room);
        Assert.Equal(taskId, newTask.Payload["id"]!.GetValue<int>());
        Assert.Null(newTask.Payload["parent_id"]);

        // Each node lists its open runs (as the node's queue sync does) and sees exactly its own.
        var runIds = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            var (nodeId, token) = n.Nodes[i];
            var open = (await server.GetAsync($"/api/run?state=open&node_id={nodeId}&include=task", token)).ExpectStatus(200);
            var run = Assert.Single(open.Data);
            Assert.Equal(taskId, run!["task"]!["id"]!.GetValue<int>());
            Assert.Equal(n.Orgs[i], run["organization"]!["id"]!.GetValue<int>());
            Assert.Null(run["task"]!["runs"]);
            var input = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(run["input"]!.GetValue<string>())))!;
            Assert.Equal(n.Orgs[i], input["org"]!.GetValue<int>());
            runIds.Add(run["id"]!.GetValue<int>());
        }

        // Node 0 starts its run; its algorithm gets a container token and creates a subtask in the same job.
        var (_, token0) = n.Nodes[0];
        (await server.PatchAsync($"/api/run/{runIds[0]}", token0, new { started_at = DateTime.UtcNow.ToString("O") })).ExpectStatus(200);
        var active = (await server.PatchAsync($"/api/run/{runIds[0]}", token0, new { status = "active" })).ExpectStatus(200);
        Assert.Equal("active", active.Json!["status"]!.GetValue<string>());
        Assert.NotNull(active.Json["started_at"]);
        var containerToken = (await server.PostAsync("/api/token/container", token0,
            new { task_id = taskId, image = "harbor2.vantage6.ai/demo/average" })).ExpectStatus(200).Json!["container_token"]!.GetValue<string>();
        var sub = JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlDecode(containerToken.Split('.')[1])))!["sub"]!;
        Assert.Equal(taskId, sub["task_id"]!.GetValue<int>());
        Assert.Equal("default", sub["databases"]![0]!["label"]!.GetValue<string>());

        var subtask = (await server.PostAsync("/api/task", containerToken, new
        {
            name = "partial", image = "harbor2.vantage6.ai/demo/average", collaboration_id = n.Collab,
            organizations = new[] { new { id = n.Orgs[1], input = B64Json(new { method = "partial" }) } },
        })).ExpectStatus(201).Json!;
        Assert.Equal(created["job_id"]!.GetValue<int>(), subtask["job_id"]!.GetValue<int>());
        Assert.Equal(taskId, subtask["parent"]!["id"]!.GetValue<int>());

        // Node 1 picks up both of its runs and completes them with a result.
        var (node1, token1) = n.Nodes[1];
        var open1 = (await server.GetAsync($"/api/run?state=open&node_id={node1}&include=task", token1)).ExpectStatus(200);
        Assert.Equal(2, open1.Data.Count);
        foreach (var run in open1.Data)
        {
            var id = run!["id"]!.GetValue<int>();
            (await server.PatchAsync($"/api/run/{id}", token1, new { status = "active" })).ExpectStatus(200);
            var done = (await server.PatchAsync($"/api/run/{id}", token1, new
            {
                status = "completed", result = B64Json(new { sum = 10, count = 2 }), log = "ok", finished_at = DateTime.UtcNow.ToString("O"),
            })).ExpectStatus(200);
            Assert.Equal("completed", done.Json!["status"]!.GetValue<string>());
            var again = await server.PatchAsync($"/api/run/{id}", token1, new { status = "active" });
            Assert.Equal(400, again.Status);
            Assert.Equal("Cannot update an already finished algorithm run!", again.Msg);
        }
        Assert.Contains(events, e => e.Name == "status_update");

        // The container reads the results of its subtask; the subtask is completed.
        var subId = subtask["id"]!.GetValue<int>();
        var results = (await server.GetAsync($"/api/result?task_id={subId}", containerToken)).ExpectStatus(200);
        Assert.Equal(B64Json(new { sum = 10, count = 2 }), results.Data.Single()!["result"]!.GetValue<string>());
        Assert.Equal("completed", (await server.GetAsync($"/api/task/{subId}/status", containerToken)).Json!["status"]!.GetValue<string>());

        // Another node cannot patch someone else's run.
        var foreign = await server.PatchAsync($"/api/run/{runIds[2]}", token0, new { status = "active" });
        Assert.Equal(401, foreign.Status);

        // The user sees the task as active, then kills it; only unfinished runs are killed.
        Assert.Equal("active", (await server.GetAsync($"/api/task/{taskId}/status", n.Researcher)).Json!["status"]!.GetValue<string>());
        (await server.PostAsync("/api/kill/task", n.Root, new { id = taskId })).ExpectStatus(200);
        var kill = events.Last(e => e.Name == "kill_containers");
        var killed = kill.Payload["kill_list"]!.AsArray().Select(k => k!["run_id"]!.GetValue<int>()).Order().ToArray();
        Assert.Equal(new[] { runIds[0], runIds[2] }.Order().ToArray(), killed);
        var status = (await server.GetAsync($"/api/task/{taskId}?include=results,runs", n.Researcher)).ExpectStatus(200).Json!;
        Assert.Equal("killed by user", status["status"]!.GetValue<string>());
        Assert.Equal(3, status["runs"]!.AsArray().Count);
        Assert.Equal(400, (await server.PostAsync("/api/kill/task", n.Root, new { id = taskId })).Status);

        // A finished parent no longer accepts subtasks from its container.
        var late = await server.PostAsync("/api/task", containerToken, new
        {
            image = "harbor2.vantage6.ai/demo/average", collaboration_id = n.Collab,
            organizations = new[] { new { id = n.Orgs[1], input = B64Json(new { method = "partial" }) } },
        });
        Assert.Equal(401, late.Status);

        // Deleting the task removes its subtask and every run.
        (await server.DeleteAsync($"/api/task/{taskId}", n.Root)).ExpectStatus(200);
        Assert.Equal(404, (await server.GetAsync($"/api/task/{subId}", n.Root)).Status);
        Assert.Equal(404, (await server.GetAsync($"/api/run/{runIds[1]}", n.Root)).Status);
    }

    [Fact]
    public async Task EncryptedCollaborations_RefusePlainInput()
    {
        var n = await ArrangeAsync(server, encrypted: true);
        var plain = await server.PostAsync("/api/task", n.Researcher, TaskBody(n));
        Assert.Equal(400, plain.Status);
        Assert.Equal("Your collaboration requires encryption, but input is not encrypted! Please encrypt your input before sending it.", plain.Msg);

        // vantage6 hybrid format: base64(RSA(key)) $ base64(iv) $ base64(AES-CTR ciphertext) — not readable as text.
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var sealedKey = Convert.ToBase64String(rsa.Encrypt(key, System.Security.Cryptography.RSAEncryptionPadding.Pkcs1));
        var iv = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var cipher = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var body = new
        {
            image = "x/y", collaboration_id = n.Collab,
            organizations = n.Orgs.Select(o => new { id = o, input = $"{sealedKey}${iv}${cipher}" }).ToArray(),
        };
        (await server.PostAsync("/api/task", n.Researcher, body)).ExpectStatus(201);
    }

    [Fact]
    public async Task UnencryptedCollaborations_RefuseUnreadableInput_AndBadBodies()
    {
        var n = await ArrangeAsync(server);
        var body = new { image = "x/y", collaboration_id = n.Collab, organizations = new[] { new { id = n.Orgs[0], input = Convert.ToBase64String(new byte[] { 0xff, 0xfe, 0xfd }) } } };
        Assert.Equal(400, (await server.PostAsync("/api/task", n.Researcher, body)).Status);
        var noTarget = await server.PostAsync("/api/task", n.Researcher, new { image = "x/y", organizations = new[] { new { id = n.Orgs[0] } } });
        Assert.Equal(400, noTarget.Status);
        Assert.Equal("Collaboration_id or study_id is required", noTarget.Json!["errors"]!["_schema"]![0]!.GetValue<string>());
        var outsider = await server.CreateOrganizationAsync(n.Root);
        var notMember = await server.PostAsync("/api/task", n.Researcher,
            new { image = "x/y", collaboration_id = n.Collab, organizations = new[] { new { id = outsider, input = B64Json(1) } } });
        Assert.Equal(400, notMember.Status);
        var badDb = await server.PostAsync("/api/task", n.Researcher, new
        {
            image = "x/y", collaboration_id = n.Collab, organizations = new[] { new { id = n.Orgs[0], input = B64Json(1) } },
            databases = new[] { new { label = "a", password = "x" } },
        });
        Assert.Equal(400, badDb.Status);
        Assert.Equal(401, (await server.PostAsync("/api/task", n.Nodes[0].Token, TaskBody(n))).Status);
    }

    [Fact]
    public async Task SubtaskBypass_RequiresValidContainerTokenOfRunningParent()
    {
        var n = await ArrangeAsync(server);
        var task = (await server.PostAsync("/api/task", n.Researcher, TaskBody(n))).ExpectStatus(201).Json!;
        var taskId = task["id"]!.GetValue<int>();
        var (_, token0) = n.Nodes[0];
        Assert.Equal(401, (await server.PostAsync("/api/token/container", token0, new { task_id = taskId, image = "other/image" })).Status);
        Assert.Equal(400, (await server.PostAsync("/api/token/container", token0, new { task_id = 999999, image = "x" })).Status);
        var container = (await server.PostAsync("/api/token/container", token0,
            new { task_id = taskId, image = "harbor2.vantage6.ai/demo/average" })).ExpectStatus(200).Json!["container_token"]!.GetValue<string>();

        // a different image is refused
        var wrongImage = await server.PostAsync("/api/task", container, new
        {
            image = "evil/image", collaboration_id = n.Collab,
            organizations = new[] { new { id = n.Orgs[1], input = B64Json(1) } },
        });
        Assert.Equal(401, wrongImage.Status);
        Assert.Equal("Container-token is not valid", wrongImage.Msg);

        // a node token cannot create tasks at all; a user cannot pass parent ids
        Assert.Equal(401, (await server.PostAsync("/api/task", token0, TaskBody(n))).Status);
        var withParent = await server.PostAsync("/api/task", n.Researcher, new
        {
            image = "x/y", collaboration_id = n.Collab, parent_id = taskId,
            organizations = new[] { new { id = n.Orgs[1], input = B64Json(1) } },
        });
        Assert.Equal(400, withParent.Status);
    }

    [Fact]
    public async Task TaskList_ScopesFiltersAndPaging()
    {
        var n = await ArrangeAsync(server);
        for (int i = 0; i < 3; i++) (await server.PostAsync("/api/task", n.Researcher, TaskBody(n))).ExpectStatus(201);
        var list = (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&per_page=2", n.Researcher)).ExpectStatus(200);
        Assert.Equal(3, list.Total);
        Assert.Equal(2, list.Data.Count);
        var ids = list.Data.Select(t => t!["id"]!.GetValue<int>()).ToArray();
        Assert.True(ids[0] > ids[1], "newest first");
        var pending = (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&status=pending", n.Researcher)).ExpectStatus(200);
        Assert.Equal(3, pending.Total);
        var completed = (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&status=completed", n.Researcher)).ExpectStatus(200);
        Assert.Equal(0, completed.Total);
        Assert.Equal(3, (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&is_user_created=1", n.Researcher)).Total);
        Assert.Equal(400, (await server.GetAsync("/api/task?is_user_created=abc", n.Researcher)).Status);
        Assert.Equal(3, (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&database=extra", n.Researcher)).Total);

        // A researcher of an unrelated organization sees none of these tasks.
        var other = await server.CreateOrganizationAsync(n.Root);
        var stranger = await server.CreateUserAsync(n.Root, other, "Researcher");
        var strangerToken = await server.LoginAsync(stranger.Username, stranger.Password);
        Assert.Equal(401, (await server.GetAsync($"/api/task?collaboration_id={n.Collab}", strangerToken)).Status);
        var all = (await server.GetAsync("/api/task", strangerToken)).ExpectStatus(200);
        Assert.Equal(0, all.Total);
        Assert.Equal(401, (await server.GetAsync($"/api/task/{ids[0]}", strangerToken)).Status);
        Assert.Equal(401, (await server.GetAsync($"/api/run?task_id={ids[0]}", strangerToken)).Status);
    }

    [Fact]
    public async Task FailedRun_FailsUnstartedSiblings()
    {
        var n = await ArrangeAsync(server);
        var taskId = (await server.PostAsync("/api/task", n.Researcher, TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var runs = (await server.GetAsync($"/api/run?task_id={taskId}", n.Root)).ExpectStatus(200).Data
            .ToDictionary(r => r!["organization"]!["id"]!.GetValue<int>(), r => r!["id"]!.GetValue<int>());
        (await server.PatchAsync($"/api/run/{runs[n.Orgs[1]]}", n.Nodes[1].Token, new { started_at = DateTime.UtcNow.ToString("O") })).ExpectStatus(200);
        (await server.PatchAsync($"/api/run/{runs[n.Orgs[0]]}", n.Nodes[0].Token,
            new { status = "crashed", log = "boom", finished_at = DateTime.UtcNow.ToString("O") })).ExpectStatus(200);
        var sibling = (await server.GetAsync($"/api/run/{runs[n.Orgs[2]]}", n.Root)).Json!;
        Assert.Equal("failed", sibling["status"]!.GetValue<string>());
        Assert.Equal($"Marked as failed because sibling run id={runs[n.Orgs[0]]} failed with status 'crashed'.", sibling["log"]!.GetValue<string>());
        var started = (await server.GetAsync($"/api/run/{runs[n.Orgs[1]]}", n.Root)).Json!;
        Assert.Equal("pending", started["status"]!.GetValue<string>());
        Assert.Equal("failed", (await server.GetAsync($"/api/task/{taskId}/status", n.Researcher)).Json!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Injection_FieldsAreStoredVerbatim()
    {
        var n = await ArrangeAsync(server);
        var nasty = "x=1\n$(rm -rf /); `id` && echo \"$HOME\"";
        var body = new
        {
            name = "inj", description = nasty, image = "harbor2.vantage6.ai/demo/average", collaboration_id = n.Collab,
            organizations = new[] { new { id = n.Orgs[0], input = B64Json(new { arg = nasty }) } },
            databases = new[] { new { label = "default", query = nasty } },
        };
        var task = (await server.PostAsync("/api/task", n.Researcher, body)).ExpectStatus(201).Json!;
        var fetched = (await server.GetAsync($"/api/task/{task["id"]}", n.Researcher)).Json!;
        Assert.Equal(nasty, fetched["description"]!.GetValue<string>());
        Assert.Equal(nasty, JsonNode.Parse(fetched["databases"]![0]!["parameters"]!.GetValue<string>())!["query"]!.GetValue<string>());
        var run = (await server.GetAsync($"/api/run?task_id={task["id"]}", n.Researcher)).Data.Single()!;
        Assert.Equal(B64Json(new { arg = nasty }), run["input"]!.GetValue<string>());
    }

    [Fact]
    public async Task NestedRouteLeaks_IncludeResultsNeedsRunRights()
    {
        var n = await ArrangeAsync(server);
        var taskId = (await server.PostAsync("/api/task", n.Researcher, TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        // A role that may see the collaboration's tasks but no runs or results.
        var rules = (await server.GetAsync("/api/rule?name=task&scope=col&operation=v", n.Root)).Data.Select(r => r!["id"]!.GetValue<int>()).ToArray();
        var role = (await server.PostAsync("/api/role", n.Root, new { name = V6TestServer.Unique("taskonly"), rules, organization_id = n.Orgs[1] }))
            .ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var user = await server.CreateUserAsync(n.Root, n.Orgs[1]);
        (await server.PatchAsync($"/api/user/{user.Id}", n.Root, new { roles = new[] { role } })).ExpectStatus(200);
        var token = await server.LoginAsync(user.Username, user.Password);

        (await server.GetAsync($"/api/task/{taskId}", token)).ExpectStatus(200);
        var withResults = await server.GetAsync($"/api/task/{taskId}?include=results", token);
        Assert.Equal(401, withResults.Status);
        Assert.Equal("You lack the permission to view results for this task!", withResults.Msg);
        var list = (await server.GetAsync($"/api/task?collaboration_id={n.Collab}", token)).ExpectStatus(200);
        Assert.Equal(1, list.Total);
        Assert.Equal(401, (await server.GetAsync($"/api/task?collaboration_id={n.Collab}&include=results", token)).Status);
        Assert.Equal(401, (await server.GetAsync($"/api/run?task_id={taskId}", token)).Status);
        Assert.Equal(401, (await server.GetAsync($"/api/result?task_id={taskId}", token)).Status);
    }

    private static byte[] Base64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
