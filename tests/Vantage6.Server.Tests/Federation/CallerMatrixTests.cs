using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>
/// The callers column of the federation endpoint index (api-federation §3): every endpoint refuses the
/// token types it is not for, and anonymous callers, with 401 and a message (never a 500 and never
/// the operation). Only the refusals are checked here; the endpoint tests cover what allowed callers get.
/// </summary>
public class CallerMatrixTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private sealed record World(FederatedFlowTests.Network Network, int Task, int Run, int Study, string Container);

    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static readonly Dictionary<V6TestServer, World> Worlds = new();

    private async Task<World> WorldAsync()
    {
        await Lock.WaitAsync();
        try
        {
            if (Worlds.TryGetValue(server, out var world)) return world;
            var n = await FederatedFlowTests.ArrangeAsync(server);
            var task = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
            var (node0, token0) = n.Nodes[0];
            var run = (await server.GetAsync($"/api/run?task_id={task}&node_id={node0}", token0)).Data.Single()!["id"]!.GetValue<int>();
            var study = (await server.PostAsync("/api/study", n.Root, new { name = V6TestServer.Unique("study"), collaboration_id = n.Collab, organization_ids = n.Orgs }))
                .ExpectStatus(201).Json!["id"]!.GetValue<int>();
            var container = (await server.PostAsync("/api/token/container", token0, new { task_id = task, image = "harbor2.vantage6.ai/demo/average" }))
                .ExpectStatus(200).Json!["container_token"]!.GetValue<string>();
            world = new World(n, task, run, study, container);
            Worlds[server] = world;
            return world;
        }
        finally { Lock.Release(); }
    }

    /// <summary>(method, path template, callers allowed by §3: U user, N node, C container).</summary>
    public static TheoryData<string, string, string> Endpoints => new()
    {
        { "GET", "/collaboration", "UN" },
        { "POST", "/collaboration", "U" },
        { "GET", "/collaboration/{collab}", "UNC" },
        { "PATCH", "/collaboration/{collab}", "U" },
        { "DELETE", "/collaboration/{collab}", "U" },
        { "POST", "/collaboration/{collab}/organization", "U" },
        { "DELETE", "/collaboration/{collab}/organization", "U" },
        { "POST", "/collaboration/{collab}/node", "U" },
        { "DELETE", "/collaboration/{collab}/node", "U" },
        { "GET", "/node", "UN" },
        { "POST", "/node", "U" },
        { "GET", "/node/{node}", "UN" },
        { "PATCH", "/node/{node}", "UN" },
        { "DELETE", "/node/{node}", "U" },
        { "GET", "/task", "UNC" },
        { "POST", "/task", "UC" },
        { "GET", "/task/{task}", "UNC" },
        { "DELETE", "/task/{task}", "U" },
        { "GET", "/task/{task}/status", "UC" },
        { "GET", "/run", "UNC" },
        { "GET", "/run/{run}", "UNC" },
        { "PATCH", "/run/{run}", "N" },
        { "GET", "/result", "UNC" },
        { "GET", "/result/{run}", "UNC" },
        { "GET", "/study", "UNC" }, // containers too: the algorithm client lists studies (quirk Q11)
        { "POST", "/study", "U" },
        { "GET", "/study/{study}", "UNC" },
        { "PATCH", "/study/{study}", "U" },
        { "DELETE", "/study/{study}", "U" },
        { "POST", "/study/{study}/organization", "U" },
        { "DELETE", "/study/{study}/organization", "U" },
        { "GET", "/algorithmstore", "U" },
        { "POST", "/algorithmstore", "U" },
        { "POST", "/port", "N" },
        { "DELETE", "/port", "N" },
        { "GET", "/vpn/algorithm/addresses", "C" },
        { "GET", "/vpn", "N" },
        { "POST", "/kill/task", "U" },
        { "POST", "/kill/node/tasks", "U" },
        { "POST", "/column", "U" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task OtherCallers_AreRefusedWith401(string method, string template, string allowed)
    {
        var w = await WorldAsync();
        var n = w.Network;
        var path = "/api" + template.Replace("{collab}", n.Collab.ToString()).Replace("{node}", n.Nodes[0].Id.ToString())
            .Replace("{task}", w.Task.ToString()).Replace("{run}", w.Run.ToString()).Replace("{study}", w.Study.ToString());
        // A plausible body so that a refusal cannot hide behind a validation error.
        object body = new { id = w.Task, organization_id = n.Orgs[0], node_id = n.Nodes[0].Id, name = "x", port = 8000, run_id = w.Run };
        var callers = new List<(char Kind, string? Token)> { ('-', null) };
        if (!allowed.Contains('U')) callers.Add(('U', n.Researcher));
        if (!allowed.Contains('U')) callers.Add(('R', n.Root));
        if (!allowed.Contains('N')) callers.Add(('N', n.Nodes[0].Token));
        if (!allowed.Contains('C')) callers.Add(('C', w.Container));

        foreach (var (kind, token) in callers)
        {
            var reply = await server.SendAsync(new HttpMethod(method), path, token, method is "GET" or "DELETE" ? null : body);
            Assert.True(reply.Status == 401, $"{method} {template} as {kind}: expected 401, got {reply.Status}: {reply.Text}");
            Assert.False(string.IsNullOrWhiteSpace(reply.Msg), $"{method} {template} as {kind}: a refusal carries a msg: {reply.Text}");
        }
        // Nothing was changed by the refused calls.
        Assert.Equal(200, (await server.GetAsync($"/api/collaboration/{n.Collab}", n.Root)).Status);
        Assert.Equal(200, (await server.GetAsync($"/api/task/{w.Task}", n.Root)).Status);
        Assert.Equal(200, (await server.GetAsync($"/api/study/{w.Study}", n.Root)).Status);
        Assert.Equal(200, (await server.GetAsync($"/api/node/{n.Nodes[0].Id}", n.Root)).Status);
    }
}
