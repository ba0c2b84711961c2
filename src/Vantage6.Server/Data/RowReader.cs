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
    public static async Task<List<T>> ListAsync<T>(V6DbContext db, string sql, Func<DbDataReader, T> map, CancellationToken ct = default)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<T>();
            while (await reader.ReadAsync(ct)) rows.Add(map(reader));
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>An id list for <c>IN (…)</c>: integers only, so inlining them is safe; never empty.</summary>
    public static string IdList(IEnumerable<int> ids)
    {
        var list = string.Join(",", ids.Distinct().Select(i => i.ToString(CultureInfo.InvariantCulture)));
        return list.Length == 0 ? "NULL" : list;
    }

    public static int? Int(this DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

    public static string? Text(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>SQLite holds 0/1, PostgreSQL a boolean.</summary>
    public static bool? Bool(this DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToBoolean(r.GetValue(i), CultureInfo.InvariantCulture);

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
