using System.Data.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server.Data;

namespace Vantage6.Server.Jobs;

/// <summary>
/// Decides which of several server processes sharing one database runs the background jobs, so
/// each job runs once per cluster. PostgreSQL: a session advisory lock held on a dedicated
/// connection (released by the database if the process dies). SQLite: an exclusive lock on a file
/// next to the database (a SQLite file is only ever shared by processes on one machine).
/// </summary>
public sealed class ClusterLease(DatabaseUri database, ILogger<ClusterLease> logger) : IAsyncDisposable
{
    private const long AdvisoryKey = 0x76365F6A6F6273; // "v6_jobs"
    private DbConnection? _connection;
    private FileStream? _lockFile;

    public bool IsHeld => _connection is not null || _lockFile is not null || database.SqliteFile is null && database.Kind == DatabaseKind.Sqlite;

    /// <summary>Tries to become the job runner; cheap to call repeatedly.</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct)
    {
        if (IsHeld) return true;
        try
        {
            if (database.Kind == DatabaseKind.PostgreSql)
                _connection = await PostgresOnly.TryAdvisoryLockAsync(database.ConnectionString, AdvisoryKey, ct);
            else if (database.SqliteFile is { } file)
            {
                _lockFile = new FileStream(file + ".jobs.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
        }
        catch (IOException) { /* another process holds it */ }
        catch (DbException e) { logger.LogWarning("Could not check the background-job lease: {Message}", e.Message); }
        if (IsHeld) logger.LogInformation("This server runs the background jobs");
        return IsHeld;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _lockFile?.Dispose();
        _connection = null;
        _lockFile = null;
    }
}
