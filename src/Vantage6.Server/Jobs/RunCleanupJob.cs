using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server.Data;

namespace Vantage6.Server.Jobs;

/// <summary>
/// With <c>runs_data_cleanup_days</c> set: at start and then hourly, clears the results (and, with
/// <c>runs_data_cleanup_include_input</c>, the inputs) of completed runs older than that many days.
/// The log is kept, failed runs are never touched, and <c>cleanup_at</c> marks what was cleared.
/// </summary>
public sealed class RunCleanupJob(ServerConfig config, IServiceScopeFactory scopes, ClusterLease lease, Blobs.BlobStore blobs,
    ILogger<RunCleanupJob> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    /// <summary>Unreferenced blobs younger than this are kept: their task may still be on its way.</summary>
    public static readonly TimeSpan BlobGrace = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int? days = config.RunsDataCleanupDays;
        if (days is null && !blobs.Enabled) return;
        if (days is not null) logger.LogInformation("Results older than {Days} days will be removed", days);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await lease.TryAcquireAsync(stoppingToken))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
                    if (days is not null)
                    {
                        var cleaned = await CleanAsync(db, days.Value, config.RunsDataCleanupIncludeInput, DateTime.UtcNow, stoppingToken);
                        if (cleaned > 0) logger.LogInformation("Removed the results of {Count} runs", cleaned);
                    }
                    var swept = await blobs.SweepOrphansAsync(db, BlobGrace, stoppingToken);
                    if (swept > 0) logger.LogInformation("Removed {Count} blobs no run refers to", swept);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Results cleanup failed. Will try again in one hour.");
            }
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    public static async Task<int> CleanAsync(V6DbContext db, int days, bool includeInput, DateTime now, CancellationToken ct = default)
    {
        var before = now.AddDays(-days);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var runs = await db.Runs.Where(r => r.FinishedAt < before && r.CleanupAt == null && r.Status == RunStatus.Completed).ToListAsync(ct);
        foreach (var run in runs)
        {
            run.Result = "";
            if (includeInput) run.Input = "";
            run.CleanupAt = now;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return runs.Count;
    }
}
