using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

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
/// Keeps a context's SQLite connection open once EF Core has opened it. Every open of a
/// Microsoft.Data.Sqlite connection registers EF Core's SQL functions with SQLite again, and the
/// replaced callback handles are left to the finalizer; with one open per query that churn cost
/// about a third of the CPU under load. The connection closes when its context is disposed or
/// reset (an open SQLite connection holds no lock outside a transaction).
/// </summary>
internal sealed class SqliteKeepOpenInterceptor : DbConnectionInterceptor
{
    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        connection is SqliteConnection ? InterceptionResult.Suppress() : result;

    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        ValueTask.FromResult(ConnectionClosing(connection, eventData, result));
}
