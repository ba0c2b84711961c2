using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class ColumnApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task Columns_FromNodeConfig_OrElseAColumnTask()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var body = new
        {
            db_label = "default", collaboration_id = n.Collab,
            organizations = new[] { new { id = n.Orgs[0], input = FederatedFlowTests.B64Json(new { method = "column_names" }) } },
        };
        var task = (await server.PostAsync("/api/column", n.Researcher, body)).ExpectStatus(201).Json!;
        Assert.Equal("get_column_names", task["name"]!.GetValue<string>());
        Assert.Equal("default", task["databases"]![0]!["label"]!.GetValue<string>());

        await using (server.Scope(out var db))
        {
            db.NodeConfigs.AddRange(
                new NodeConfig { NodeId = n.Nodes[1].Id, Key = "columns_default", Value = "age" },
                new NodeConfig { NodeId = n.Nodes[1].Id, Key = "columns_default", Value = "weight" });
            await db.SaveChangesAsync();
        }
        var columns = (await server.PostAsync("/api/column", n.Researcher, body)).ExpectStatus(200).Json!;
        Assert.Equal(new[] { "age", "weight" }, columns["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray());
        Assert.Equal(401, (await server.PostAsync("/api/column", n.Nodes[0].Token, body)).Status);
    }
}
