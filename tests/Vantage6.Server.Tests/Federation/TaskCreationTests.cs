using System.Text.Json.Nodes;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>
/// Task creation writes the task, its databases and runs in one transaction and answers from what it wrote;
/// the answer must equal what a later read gives, and job ids must stay unique under concurrent creation.
/// </summary>
public class TaskCreationTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task CreatedTask_EqualsItsLaterRead_AndHasOnePendingRunPerOrganization()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var created = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!;
        var id = created["id"]!.GetValue<int>();

        var read = (await server.GetAsync($"/api/task/{id}", n.Researcher)).ExpectStatus(200).Json!;
        Assert.True(JsonNode.DeepEquals(read, created), $"created: {created}\nread: {read}");

        var runs = (await server.GetAsync($"/api/run?task_id={id}&per_page=10", n.Researcher)).ExpectStatus(200);
        Assert.Equal(n.Orgs.Length, runs.Total);
        Assert.Equal(n.Orgs.Order(), runs.Data.Select(r => r!["organization"]!["id"]!.GetValue<int>()).Order());
        Assert.All(runs.Data, r =>
        {
            Assert.Equal("pending", r!["status"]!.GetValue<string>());
            Assert.Equal(created["created_at"]!.GetValue<string>(), r["assigned_at"]!.GetValue<string>());
            Assert.False(r["blob_storage_used"]!.GetValue<bool>());
            Assert.Null(r["started_at"]?.GetValue<string>());
        });
        var inputs = runs.Data.Select(r => r!["input"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(n.Orgs.Length, inputs.Count);
    }

    [Fact]
    public async Task ConcurrentCreations_GetDistinctConsecutiveJobIds()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        const int count = 12;
        var responses = await Task.WhenAll(Enumerable.Range(0, count)
            .Select(_ => server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))));
        var jobIds = responses.Select(r => r.ExpectStatus(201).Json!["job_id"]!.GetValue<int>()).Order().ToList();
        Assert.Equal(count, jobIds.Distinct().Count());
        Assert.Equal(Enumerable.Range(jobIds[0], count), jobIds);

        var runs = (await server.GetAsync($"/api/run?per_page=1&collaboration_id={n.Collab}", n.Researcher)).ExpectStatus(200);
        Assert.Equal(count * n.Orgs.Length, runs.Total);
    }
}
