using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// Every row of every table of a database, as text, plus its schema: two snapshots are equal exactly
/// when nothing was written. SQLite values carry their storage class (<c>i:1</c> differs from
/// <c>s:1</c>), so a rewrite with another type shows up too.
/// </summary>
public sealed class DbSnapshot
{
    /// <summary>Table (or pseudo table such as <c>#schema</c>) → its rows, sorted.</summary>
    public SortedDictionary<string, List<string>> Tables { get; } = new(StringComparer.Ordinal);

    /// <summary>Column names per table, in column order (for ignoring columns when comparing).</summary>
    public Dictionary<string, List<string>> Columns { get; } = new(StringComparer.Ordinal);

    public static DbSnapshot OfSqlite(string file)
    {
        var snapshot = new DbSnapshot();
        // Pooling=False: the snapshot must not keep the file open after the test.
        using var conn = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        conn.Open();
        var tables = Query(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .Select(r => (string)r[0]!).ToList();
        snapshot.Tables["#schema"] = Query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            .Select(r => string.Join(" | ", r.Select(v => v?.ToString() ?? "NULL"))).ToList();
        snapshot.Tables["#pragma"] =
        [
            "journal_mode=" + Query(conn, "PRAGMA journal_mode")[0][0],
            "user_version=" + Query(conn, "PRAGMA user_version")[0][0],
            "application_id=" + Query(conn, "PRAGMA application_id")[0][0],
        ];
        foreach (var table in tables)
        {
            var columns = Query(conn, $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid").Select(r => (string)r[0]!).ToList();
            snapshot.Columns[table] = columns;
            var order = string.Join(", ", Enumerable.Range(1, columns.Count));
            snapshot.Tables[table] = Query(conn, $"SELECT * FROM \"{table}\" ORDER BY {order}").Select(RenderSqlite).ToList();
        }
        return snapshot;
    }

    public static async Task<DbSnapshot> OfPostgresAsync(string connectionString)
    {
        var snapshot = new DbSnapshot();
        await using var conn = new NpgsqlConnection(connectionString + ";Pooling=false");
        await conn.OpenAsync();
        var tables = (await QueryAsync(conn,
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"))
            .Select(r => r[0]!).ToList();
        snapshot.Tables["#schema"] = (await QueryAsync(conn, """
                SELECT table_name || '.' || column_name || ' ' || udt_name || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-')
                FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position
                """)).Select(r => r[0]!).ToList();
        snapshot.Tables["#constraints"] = (await QueryAsync(conn, """
                SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1
                """)).Select(r => r[0]!).ToList();
        snapshot.Tables["#types"] = (await QueryAsync(conn, """
                SELECT t.typname || ': ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1
                """)).Select(r => r[0]!).ToList();
        var sequences = (await QueryAsync(conn,
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1")).Select(r => r[0]!).ToList();
        snapshot.Tables["#sequences"] = [];
        foreach (var seq in sequences)
        {
            var row = (await QueryAsync(conn, $"SELECT last_value::text, is_called::text FROM public.\"{seq}\""))[0];
            snapshot.Tables["#sequences"].Add($"{seq} {row[0]} {row[1]}");
        }
        foreach (var table in tables)
        {
            var columns = (await QueryAsync(conn,
                    $"SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"))
                .Select(r => r[0]!).ToList();
            snapshot.Columns[table] = columns;
            // Every value as text, so enum, bytea and timestamp columns need no type mapping.
            var select = string.Join(", ", columns.Select(c => $"\"{c}\"::text"));
            var order = string.Join(", ", Enumerable.Range(1, columns.Count));
            snapshot.Tables[table] = (await QueryAsync(conn, $"SELECT {select} FROM public.\"{table}\" ORDER BY {order}"))
                .Select(r => string.Join(" | ", r.Select(v => v ?? "NULL"))).ToList();
        }
        return snapshot;
    }

    /// <summary>A copy where the given columns (<c>table.column</c>) are blanked, to compare everything else.</summary>
    public DbSnapshot Without(params string[] tableDotColumns)
    {
        var copy = new DbSnapshot();
        foreach (var (k, v) in Columns) copy.Columns[k] = v;
        foreach (var (table, rows) in Tables)
        {
            var drop = tableDotColumns.Where(tc => tc.StartsWith(table + ".", StringComparison.Ordinal))
                .Select(tc => Columns[table].IndexOf(tc[(table.Length + 1)..])).Where(i => i >= 0).ToHashSet();
            copy.Tables[table] = drop.Count == 0
                ? rows
                : rows.Select(r => string.Join(" | ", r.Split(" | ").Select((v, i) => drop.Contains(i) ? "*" : v))).Order(StringComparer.Ordinal).ToList();
        }
        return copy;
    }

    /// <summary>Human-readable differences (empty when equal), for assertion messages.</summary>
    public static List<string> Differences(DbSnapshot before, DbSnapshot after)
    {
        var diffs = new List<string>();
        foreach (var table in before.Tables.Keys.Union(after.Tables.Keys).Order(StringComparer.Ordinal))
        {
            if (!before.Tables.TryGetValue(table, out var a)) { diffs.Add($"table {table} was added"); continue; }
            if (!after.Tables.TryGetValue(table, out var b)) { diffs.Add($"table {table} was removed"); continue; }
            foreach (var removed in a.Except(b)) diffs.Add($"{table}: - {removed}");
            foreach (var added in b.Except(a)) diffs.Add($"{table}: + {added}");
            if (a.Count != b.Count) diffs.Add($"{table}: {a.Count} rows before, {b.Count} after");
        }
        return diffs;
    }

    public static void AssertEqual(DbSnapshot expected, DbSnapshot actual, string what)
    {
        var diffs = Differences(expected, actual);
        if (diffs.Count > 0)
            throw new Xunit.Sdk.XunitException($"{what}: the database changed ({diffs.Count} differences):\n  " + string.Join("\n  ", diffs.Take(40)));
    }

    private static string RenderSqlite(object?[] row) => string.Join(" | ", row.Select(v => v switch
    {
        null => "NULL",
        long l => "i:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "r:" + d.ToString("R", CultureInfo.InvariantCulture),
        string s => "s:" + s,
        byte[] b => "b:" + Convert.ToHexString(b),
        _ => "?:" + v,
    }));

    private static List<object?[]> Query(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static async Task<List<string?[]>> QueryAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            var row = new string?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(row);
        }
        return rows;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (t, rows) in Tables) sb.Append(t).Append(": ").Append(rows.Count).AppendLine(" rows");
        return sb.ToString();
    }
}
