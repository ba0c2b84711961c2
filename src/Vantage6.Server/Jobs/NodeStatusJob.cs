using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;

namespace Vantage6.Server.Jobs;

/// <summary>
/// Marks nodes offline that stopped pinging: every interval, nodes still "online" whose last_seen is
/// older than the start of the interval become "offline" (model-and-permissions §3.7).
/// </summary>
public sealed class NodeStatusJob(IServiceScopeFactory scopes, ClusterLease lease, ILogger<NodeStatusJob> logger) : BackgroundService
{
    /// <summary>Ping interval (60 s) plus a margin.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(65);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var start = DateTime.UtcNow;
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                if (!await lease.TryAcquireAsync(stoppingToken)) continue;
                await using var scope = scopes.CreateAsyncScope();
                var marked = await MarkStaleNodesOfflineAsync(scope.ServiceProvider.GetRequiredService<V6DbContext>(), start, stoppingToken);
                if (marked > 0) logger.LogInformation("Marked {Count} silent nodes offline", marked);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Node status check failed; trying again next interval");
            }
        }
    }

    public static async Task<int> MarkStaleNodesOfflineAsync(V6DbContext db, DateTime seenBefore, CancellationToken ct = default)
    {
        var stale = await db.Nodes.Where(n => n.Status == "online" && (n.LastSeen == null || n.LastSeen < seenBefore)).ToListAsync(ct);
        foreach (var node in stale) node.Status = "offline";
        await db.SaveChangesAsync(ct);
        return stale.Count;
    }
}
