using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Vantage6.Common.Configuration;
using Vantage6.Server.Jobs;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class BackgroundJobTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task ClusterLease_OnlyOneProcessRunsTheJobs()
    {
        var database = server.Services.GetRequiredService<DatabaseUri>();
        // the server itself may already hold the lease; two fresh ones compete for what is left
        await using var serverLease = server.Services.GetRequiredService<ClusterLease>();
        await serverLease.TryAcquireAsync(default);
        await using var other = new ClusterLease(database, NullLogger<ClusterLease>.Instance);
        Assert.True(serverLease.IsHeld, $"lease not held on {database.Display}");
        Assert.False(await other.TryAcquireAsync(default));
        await serverLease.DisposeAsync();
        Assert.True(await other.TryAcquireAsync(default));
    }

    [Fact]
    public async Task NodeStatusJob_MarksOnlySilentNodesOffline()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var now = DateTime.UtcNow;
        await using (server.Scope(out var db))
        {
            var nodes = await db.Nodes.Where(x => n.Nodes.Select(p => p.Id).Contains(x.Id)).OrderBy(x => x.Id).ToListAsync();
            nodes[0].Status = "online"; nodes[0].LastSeen = now.AddMinutes(-5);
            nodes[1].Status = "online"; nodes[1].LastSeen = now.AddSeconds(10);
            nodes[2].Status = "offline"; nodes[2].LastSeen = now.AddMinutes(-5);
            await db.SaveChangesAsync();
            Assert.True(await NodeStatusJob.MarkStaleNodesOfflineAsync(db, now) >= 1);
        }
        await using (server.Scope(out var db))
        {
            var statuses = await db.Nodes.AsNoTracking().Where(x => n.Nodes.Select(p => p.Id).Contains(x.Id)).OrderBy(x => x.Id)
                .Select(x => x.Status).ToListAsync();
            Assert.Equal(new[] { "offline", "online", "offline" }, statuses);
        }
    }

    [Fact]
    public async Task RunCleanupJob_ClearsOnlyOldCompletedResults()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var taskId = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var now = DateTime.UtcNow;
        List<int> ids;
        await using (server.Scope(out var db))
        {
            var runs = await db.Runs.Where(r => r.TaskId == taskId).OrderBy(r => r.Id).ToListAsync();
            ids = runs.Select(r => r.Id).ToList();
            (runs[0].Status, runs[0].FinishedAt, runs[0].Result) = ("completed", now.AddDays(-40), "old-result");
            (runs[1].Status, runs[1].FinishedAt, runs[1].Result) = ("crashed", now.AddDays(-40), "crash-result");
            (runs[2].Status, runs[2].FinishedAt, runs[2].Result) = ("completed", now.AddDays(-1), "recent-result");
            await db.SaveChangesAsync();
            Assert.Equal(1, await RunCleanupJob.CleanAsync(db, days: 30, includeInput: true, now));
        }
        await using (server.Scope(out var db))
        {
            var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync();
            Assert.Equal("", runs[0].Result);
            Assert.Equal("", runs[0].Input);
            Assert.NotNull(runs[0].CleanupAt);
            Assert.Equal("crash-result", runs[1].Result);
            Assert.Equal("recent-result", runs[2].Result);
            Assert.Equal(0, await RunCleanupJob.CleanAsync(db, days: 30, includeInput: true, now));
        }
    }
}
