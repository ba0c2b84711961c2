using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Vantage6.Server.Data;

/// <summary>
/// SQLite settings for a database this server created: write-ahead logging (readers never wait for
/// the writer) with <c>synchronous=NORMAL</c> (no fsync per commit; a power cut can lose the last
/// commits but never corrupts the file). An existing vantage6 database keeps its journal mode:
/// we do not change files we did not create.
/// </summary>
internal static class SqliteTuning
{
    public static bool IsNewFile(string? file) => file is not null && !File.Exists(file);

    public static void EnableWal(string connectionString)
    {
        using var conn = new SqliteConnection(connectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL";
        cmd.ExecuteNonQuery();
    }

    public static bool UsesWal(string connectionString)
    {
        using var conn = new SqliteConnection(connectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        return string.Equals(cmd.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Per physical SQLite connection (pooled connections are opened many times; this runs once each):
/// a busy timeout, so a writer waiting for another one is woken by SQLite within milliseconds
/// instead of Microsoft.Data.Sqlite's fixed 150 ms retry sleep; and, for a WAL database this server
/// created, <c>synchronous=NORMAL</c> (the setting is per connection).
/// </summary>
internal sealed class SqliteConnectionSetupInterceptor(bool walDatabase) : DbConnectionInterceptor
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _done = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } || _done.TryGetValue(handle, out _)) return;
        _done.AddOrUpdate(handle, handle);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = walDatabase ? "PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL;" : "PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
    }
}

/// <summary>
/// Keeps a context's SQLite connection open once EF Core has opened it, also while the context waits in
/// the pool: every close and re-open of a Microsoft.Data.Sqlite connection unregisters and registers EF
/// Core's SQL functions again and leaves the replaced callback handles to the finalizer, which cost a
/// sixth to a third of the CPU under load. The connection closes when the context itself is disposed
/// (an open SQLite connection holds no lock outside a transaction).
/// </summary>
#pragma warning disable EF1001 // the SQLite provider's connection type is internal API; this only narrows when it closes
internal sealed class PooledSqliteRelationalConnection(
    RelationalConnectionDependencies dependencies,
    IRawSqlCommandBuilder rawSqlCommandBuilder,
    IDiagnosticsLogger<DbLoggerCategory.Infrastructure> logger)
    : Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal.SqliteRelationalConnection(dependencies, rawSqlCommandBuilder, logger)
{
    protected override void CloseDbConnection() { }

    protected override Task CloseDbConnectionAsync() => Task.CompletedTask;

    public static void Use(DbContextOptionsBuilder options) =>
        options.ReplaceService<Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal.ISqliteRelationalConnection, PooledSqliteRelationalConnection>();
}
#pragma warning restore EF1001
