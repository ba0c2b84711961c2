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
/// Sets <c>synchronous=NORMAL</c> on each physical connection of a WAL database (the setting is per
/// connection). Pooled connections are opened many times; the pragma runs only the first time.
/// </summary>
internal sealed class SqliteSynchronousInterceptor : DbConnectionInterceptor
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
        cmd.CommandText = "PRAGMA synchronous=NORMAL";
        cmd.ExecuteNonQuery();
    }
}
