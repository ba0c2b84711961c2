using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class PortAndVpnTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task Ports_AreRegisteredByTheRunsNode_AndVisibleToTheAlgorithm()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var taskId = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var (node0, token0) = n.Nodes[0];
        var run0 = (await server.GetAsync($"/api/run?state=open&node_id={node0}", token0)).Data.Single()!["id"]!.GetValue<int>();
        (await server.PatchAsync($"/api/node/{node0}", token0, new { ip = "10.76.0.5" })).ExpectStatus(200);

        var port = (await server.PostAsync("/api/port", token0, new { port = 8888, run_id = run0, label = "central-api" })).ExpectStatus(201).Json!;
        Assert.Equal(8888, port["port"]!.GetValue<int>());
        Assert.Equal(401, (await server.PostAsync("/api/port", n.Nodes[1].Token, new { port = 8889, run_id = run0 })).Status);
        Assert.Equal(400, (await server.PostAsync("/api/port", token0, new { port = 70000, run_id = run0 })).Status);
        Assert.Equal(401, (await server.PostAsync("/api/port", n.Researcher, new { port = 8889, run_id = run0 })).Status);

        var run = (await server.GetAsync($"/api/run/{run0}", n.Root)).Json!;
        Assert.Equal(8888, run["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal(1, (await server.GetAsync($"/api/run?port=8888&task_id={taskId}", n.Root)).Total);

        var container = (await server.PostAsync("/api/token/container", token0,
            new { task_id = taskId, image = "harbor2.vantage6.ai/demo/average" })).ExpectStatus(200).Json!["container_token"]!.GetValue<string>();
        var addresses = (await server.GetAsync("/api/vpn/algorithm/addresses", container)).ExpectStatus(200).Json!["addresses"]!.AsArray();
        var address = Assert.Single(addresses)!;
        Assert.Equal("10.76.0.5", address["ip"]!.GetValue<string>());
        Assert.Equal("central-api", address["label"]!.GetValue<string>());
        Assert.Equal(n.Orgs[0], address["organization_id"]!.GetValue<int>());
        Assert.Empty((await server.GetAsync("/api/vpn/algorithm/addresses?only_siblings=1", container)).Json!["addresses"]!.AsArray());
        Assert.Single((await server.GetAsync("/api/vpn/algorithm/addresses?only_self=1", container)).Json!["addresses"]!.AsArray());
        Assert.Equal(400, (await server.GetAsync("/api/vpn/algorithm/addresses?only_self=1&only_siblings=1", container)).Status);
        Assert.Equal(401, (await server.GetAsync("/api/vpn/algorithm/addresses", token0)).Status);

        Assert.Equal("The run_id argument is required!", (await server.DeleteAsync("/api/port", token0)).Msg);
        Assert.Equal(401, (await server.DeleteAsync($"/api/port?run_id={run0}", n.Nodes[1].Token)).Status);
        (await server.DeleteAsync($"/api/port?run_id={run0}", token0)).ExpectStatus(200);
        Assert.Empty((await server.GetAsync($"/api/run/{run0}", n.Root)).Json!["ports"]!.AsArray());
    }

    [Fact]
    public async Task Vpn_WithoutConfiguration_Answers501WithMessage()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var reply = await server.GetAsync("/api/vpn", n.Nodes[0].Token);
        Assert.Equal(501, reply.Status);
        Assert.Equal("This server does not support VPN", reply.Msg);
    }
}
