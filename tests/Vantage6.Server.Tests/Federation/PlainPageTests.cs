using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Tests.Api;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>
/// The plain task page and a node's own-runs poll are read with plain SQL; any filter or sort takes the query
/// path. Both must give the same rows, fields and totals (an explicit <c>sort=-id</c> is the default order).
/// </summary>
public class PlainPageTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private async Task<FederatedFlowTests.Network> ArrangeTasksAsync()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var taskIds = new List<int>();
        for (int i = 0; i < 3; i++)
            taskIds.Add((await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>());
        // Runs in every state the views derive something from: started, finished with result and log, untouched.
        var (node0, token0) = n.Nodes[0];
        var runs = (await server.GetAsync($"/api/run?node_id={node0}&per_page=10", token0)).ExpectStatus(200).Data;
        var started = runs[0]!["id"]!.GetValue<int>();
        var finished = runs[1]!["id"]!.GetValue<int>();
        (await server.PatchAsync($"/api/run/{started}", token0, new { started_at = "2026-01-02T03:04:05.123456", status = "active" })).ExpectStatus(200);
        (await server.PatchAsync($"/api/run/{finished}", token0, new
        {
            started_at = "2026-01-02T03:04:05", finished_at = "2026-01-02T04:05:06.5", status = "completed", result = "cmVzdWx0", log = "done",
        })).ExpectStatus(200);
        return n;
    }

    private async Task AssertSameAsQueryPath(string plainPath, string token, string sort = "-id")
    {
        var plain = (await server.GetAsync(plainPath, token)).ExpectStatus(200);
        var sorted = (await server.GetAsync(plainPath + "&sort=" + sort, token)).ExpectStatus(200);
        Assert.Equal(sorted.Total, plain.Total);
        Assert.True(JsonNode.DeepEquals(sorted.Json!["data"], plain.Json!["data"]), $"{plainPath}\nplain: {plain.Json!["data"]}\nquery: {sorted.Json!["data"]}");
    }

    [Fact]
    public async Task TaskPage_SameAsQueryPath_ForEveryScopeAndInclude()
    {
        var n = await ArrangeTasksAsync();
        var orgAdmin = await server.CreateUserAsync(n.Root, n.Orgs[1], "Organization Admin");
        var orgAdminToken = await server.LoginAsync(orgAdmin.Username, orgAdmin.Password);
        foreach (var token in new[] { n.Root, n.Researcher, orgAdminToken })
        {
            await AssertSameAsQueryPath("/api/task?page=1&per_page=2", token);
            await AssertSameAsQueryPath("/api/task?page=2&per_page=2&include=runs", token);
            await AssertSameAsQueryPath("/api/task?per_page=5&include=results", token);
            await AssertSameAsQueryPath("/api/task?page=999&per_page=2", token);
        }
        var page = (await server.GetAsync("/api/task?page=1&per_page=2", n.Researcher)).ExpectStatus(200);
        Assert.Equal(2, page.Data.Count);
        Assert.True(page.Data[0]!["id"]!.GetValue<int>() > page.Data[1]!["id"]!.GetValue<int>(), "newest first");
        Assert.Empty((await server.GetAsync("/api/task?page=999&per_page=2", n.Researcher)).ExpectStatus(200).Data);
    }

    [Fact]
    public async Task OwnRunsPoll_SameAsQueryPath_AndOnlyTheNodesOwnRuns()
    {
        var n = await ArrangeTasksAsync();
        var (node0, token0) = n.Nodes[0];
        await AssertSameAsQueryPath($"/api/run?node_id={node0}&per_page=10", token0);
        await AssertSameAsQueryPath($"/api/run?state=open&node_id={node0}&include=task", token0);
        await AssertSameAsQueryPath($"/api/run?state=open&node_id={node0}&include=task&page=2&per_page=1", token0);
        await AssertSameAsQueryPath($"/api/result?node_id={node0}&per_page=10", token0);

        var all = (await server.GetAsync($"/api/run?node_id={node0}&per_page=10", token0)).ExpectStatus(200);
        Assert.Equal(3, all.Total);
        Assert.All(all.Data, r => Assert.Equal(n.Orgs[0], r!["organization"]!["id"]!.GetValue<int>()));
        var finished = Assert.Single(all.Data, r => r!["status"]!.GetValue<string>() == "completed")!;
        Assert.Equal("2026-01-02T04:05:06.500000", finished["finished_at"]!.GetValue<string>());
        Assert.Equal("done", finished["log"]!.GetValue<string>());

        var open = (await server.GetAsync($"/api/run?state=open&node_id={node0}&include=task", token0)).ExpectStatus(200);
        Assert.Equal(2, open.Total);
        Assert.All(open.Data, r => Assert.Null(r!["finished_at"]?.GetValue<string>()));
        Assert.All(open.Data, r => Assert.Equal(n.Collab, r!["task"]!["collaboration"]!["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task PageTotals_FollowEveryChange_AlsoOnesMadeOutsideTheApi()
    {
        var n = await ArrangeTasksAsync();
        const string page = "/api/task?page=1&per_page=2";
        var before = (await server.GetAsync(page, n.Researcher)).ExpectStatus(200).Total;
        Assert.Equal(before, (await server.GetAsync(page, n.Researcher)).ExpectStatus(200).Total);

        var created = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        Assert.Equal(before + 1, (await server.GetAsync(page, n.Researcher)).ExpectStatus(200).Total);

        // Another server sharing the database (here: another connection) removes the task and closes a run.
        var (node0, token0) = n.Nodes[0];
        var poll = $"/api/run?state=open&node_id={node0}&include=task";
        var open = (await server.GetAsync(poll, token0)).ExpectStatus(200);
        var openRun = open.Data[open.Data.Count - 1]!["id"]!.GetValue<int>();
        await using (server.Scope(out var db))
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM run WHERE task_id = {created}");
            await db.Database.ExecuteSqlAsync($"DELETE FROM taskdatabase WHERE task_id = {created}");
            await db.Database.ExecuteSqlAsync($"DELETE FROM task WHERE id = {created}");
            await db.Database.ExecuteSqlAsync($"UPDATE run SET status = 'completed', finished_at = assigned_at WHERE id = {openRun}");
        }
        Assert.Equal(before, (await server.GetAsync(page, n.Researcher)).ExpectStatus(200).Total);
        Assert.Equal(open.Total - 2, (await server.GetAsync(poll, token0)).ExpectStatus(200).Total);
    }

    [Fact]
    public async Task OrganizationList_SameAsQueryPath_ForEveryScope()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var orgOnly = await server.CreateUserAsync(n.Root, n.Orgs[1]);
        await server.GrantRoleAsync(orgOnly.Id, await server.CustomRoleAsync(n.Orgs[1], ("organization", Scope.ORGANIZATION, Operation.VIEW)));
        var orgOnlyToken = await server.LoginAsync(orgOnly.Username, orgOnly.Password);
        var none = await server.CreateUserAsync(n.Root, n.Orgs[1]);
        var noneToken = await server.LoginAsync(none.Username, none.Password);
        foreach (var token in new[] { n.Root, n.Researcher, orgOnlyToken, n.Nodes[0].Token })
        {
            var all = (await server.GetAsync("/api/organization?per_page=100", token)).ExpectStatus(200);
            Assert.True(JsonNode.DeepEquals((await server.GetAsync("/api/organization?per_page=100&sort=id", token)).ExpectStatus(200).Json!["data"], all.Json!["data"]));
            await AssertSameAsQueryPath("/api/organization?page=1&per_page=2", token, sort: "id");
            await AssertSameAsQueryPath("/api/organization?page=2&per_page=1", token, sort: "id");
            await AssertSameAsQueryPath("/api/organization?page=999&per_page=2", token, sort: "id");
        }
        var researcherSees = (await server.GetAsync("/api/organization?per_page=100", n.Researcher)).ExpectStatus(200).Data.Select(o => o!["id"]!.GetValue<int>()).ToList();
        Assert.Equal(n.Orgs.Order(), researcherSees.Order());
        var own = Assert.Single((await server.GetAsync("/api/organization", orgOnlyToken)).ExpectStatus(200).Data);
        Assert.Equal(n.Orgs[1], own!["id"]!.GetValue<int>());
        Assert.Equal(401, (await server.GetAsync("/api/organization", noneToken)).Status);
    }
}
