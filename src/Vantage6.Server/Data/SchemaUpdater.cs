using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Vantage6.Server.Data;

/// <summary>
/// Brings a database to the current schema at start-up, the way the reference does: create missing
/// tables (and, on PostgreSQL, the enum types) and add missing columns. Existing tables, rows and
/// columns are never altered, so a vantage6 4.x database opens unchanged. Later schema changes are
/// added to <see cref="Migrations"/>: each one checks whether it is needed, so it runs once.
/// </summary>
internal static class SchemaUpdater
{
    /// <summary>Idempotent schema changes after the 4.14 baseline, applied in order.</summary>
    private static readonly (string Name, Func<DbConnection, bool, Task> Apply)[] Migrations = [];

    public static async Task UpdateAsync(V6DbContext db, ILogger logger, CancellationToken ct = default)
    {
        bool sqlite = db.Database.IsSqlite();
        var conn = db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (!sqlite)
            {
                await CreatePostgresEnumsAsync(conn, ct);
                await PostgresOnly.ReloadTypesAsync(conn, ct);
            }
            foreach (var table in Schema.Tables)
            {
                var existing = await ColumnsAsync(conn, table.Name, sqlite, ct);
                if (existing.Count == 0)
                {
                    logger.LogInformation("Creating table {Table}", table.Name);
                    await ExecAsync(conn, Schema.CreateTableSql(table, sqlite), ct);
                    foreach (var index in Schema.CreateIndexSql(table)) await ExecAsync(conn, index, ct);
                    continue;
                }
                foreach (var col in table.Columns.Where(c => !existing.Contains(c.Name)))
                {
                    logger.LogWarning("Adding missing column {Column} to table {Table}", col.Name, table.Name);
                    await ExecAsync(conn, Schema.AddColumnSql(table.Name, col, sqlite), ct);
                }
            }
            foreach (var (name, apply) in Migrations)
            {
                logger.LogDebug("Checking schema change {Name}", name);
                await apply(conn, sqlite);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task CreatePostgresEnumsAsync(DbConnection conn, CancellationToken ct)
    {
        // DO blocks keep this idempotent without relying on CREATE TYPE IF NOT EXISTS (absent in PostgreSQL).
        await ExecAsync(conn, """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'operation') THEN
                CREATE TYPE operation AS ENUM ('VIEW', 'EDIT', 'CREATE', 'DELETE', 'SEND', 'RECEIVE');
              END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'scope') THEN
                CREATE TYPE scope AS ENUM ('OWN', 'ORGANIZATION', 'COLLABORATION', 'GLOBAL');
              END IF;
            END $$;
            """, ct);
    }

    private static async Task<HashSet<string>> ColumnsAsync(DbConnection conn, string table, bool sqlite, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        var p = cmd.CreateParameter();
        p.ParameterName = "@t";
        p.Value = table;
        cmd.Parameters.Add(p);
        cmd.CommandText = sqlite
            ? "SELECT name FROM pragma_table_info(@t)"
            : "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t";
        var result = new HashSet<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(reader.GetString(0));
        return result;
    }

    private static async Task ExecAsync(DbConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
