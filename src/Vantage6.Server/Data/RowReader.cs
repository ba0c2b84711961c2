using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Vantage6.Server.Data;

/// <summary>
/// Plain SQL reads for the rows behind every task and run listing (runs, tasks, databases, ports, nodes of a
/// page). EF Core spent more time per statement than the database did (parameter extraction, cache look-ups,
/// shaping); these statements are simple enough to write once for SQLite and PostgreSQL.
/// </summary>
internal static class RowReader
{
    /// <summary>Runs <paramref name="sql"/> on the context's connection (and transaction) and maps each row.</summary>
    public static Task<List<T>> ListAsync<T>(V6DbContext db, string sql, Func<DbDataReader, T> map, CancellationToken ct = default) =>
        ListAsync(db, sql, [], map, ct);

    /// <summary>As above, with values bound to <c>@p0</c>, <c>@p1</c>, … in order (null binds SQL NULL).</summary>
    public static async Task<List<T>> ListAsync<T>(V6DbContext db, string sql, IReadOnlyList<object?> parameters, Func<DbDataReader, T> map,
        CancellationToken ct = default)
    {
        return await OnConnectionAsync(db, async () =>
        {
            await using var command = Command(db, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<T>();
            while (await reader.ReadAsync(ct)) rows.Add(map(reader));
            return rows;
        }, ct);
    }

    /// <summary>A SELECT and what to do with each of its rows.</summary>
    public sealed record Statement(string Sql, Action<DbDataReader> Read);

    /// <summary>Runs several SELECTs (without parameters) as one command: one round trip, result sets in order.</summary>
    public static async Task BatchAsync(V6DbContext db, IReadOnlyList<Statement> statements, CancellationToken ct = default)
    {
        if (statements.Count == 0) return;
        await OnConnectionAsync(db, async () =>
        {
            await using var command = Command(db, string.Join(";\n", statements.Select(s => s.Sql)), []);
            await using var reader = await command.ExecuteReaderAsync(ct);
            for (int i = 0; i < statements.Count; i++)
            {
                if (i > 0 && !await reader.NextResultAsync(ct)) throw new InvalidOperationException($"Statement {i} of the batch returned no result set");
                while (await reader.ReadAsync(ct)) statements[i].Read(reader);
            }
            return 0;
        }, ct);
    }

    /// <summary>Runs a statement that returns no rows; parameters as for <see cref="ListAsync{T}(V6DbContext, string, IReadOnlyList{object?}, Func{DbDataReader, T}, CancellationToken)"/>.</summary>
    public static async Task<int> ExecuteAsync(V6DbContext db, string sql, IReadOnlyList<object?> parameters, CancellationToken ct = default)
    {
        return await OnConnectionAsync(db, async () =>
        {
            await using var command = Command(db, sql, parameters);
            return await command.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    /// <summary>Runs <paramref name="work"/> with the context's connection open (EF Core counts opens, so a caller's open connection stays open).</summary>
    private static async Task<T> OnConnectionAsync<T>(V6DbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static DbCommand Command(V6DbContext db, string sql, IReadOnlyList<object?> parameters)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        for (int i = 0; i < parameters.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            parameter.Value = parameters[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>A datetime as the column stores it: the reference's text form in SQLite, a naive UTC timestamp in PostgreSQL.</summary>
    public static object DateValue(V6DbContext db, DateTime utc) =>
        db.Database.IsSqlite()
            ? SqliteDateTimeConverter.Format(utc)
            : DateTime.SpecifyKind(utc.ToUniversalTime(), DateTimeKind.Unspecified);

    /// <summary>An id list for <c>IN (…)</c>: integers only, so inlining them is safe; never empty.</summary>
    public static string IdList(IEnumerable<int> ids)
    {
        var list = string.Join(",", ids.Distinct().Select(i => i.ToString(CultureInfo.InvariantCulture)));
        return list.Length == 0 ? "NULL" : list;
    }

    public static int? Int(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    public static string? Text(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>SQLite holds 0/1, PostgreSQL a boolean.</summary>
    public static bool? Bool(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetBoolean(i);

    /// <summary>SQLite holds the reference's text form, PostgreSQL a naive UTC timestamp.</summary>
    public static DateTime? Date(this DbDataReader r, int i)
    {
        if (r.IsDBNull(i)) return null;
        return r.GetValue(i) switch
        {
            string text => SqliteDateTimeConverter.Parse(text),
            DateTime value => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            var other => throw new InvalidDataException($"Unexpected datetime value of type {other.GetType().Name}"),
        };
    }
}
