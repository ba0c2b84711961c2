using System.Data.Common;
using System.Globalization;

namespace Vantage6.Server.Data;

/// <summary>
/// The unfiltered list pages read with plain SQL (the UI's task list, a node polling its runs, the organization list):
/// EF Core spent more time per request than the database did.
/// </summary>
internal static class PlainPage
{
    /// <summary>
    /// One page of <paramref name="table"/> and the number of rows matching <paramref name="where"/>: the total from
    /// <paramref name="counts"/> when nothing changed since it was counted, else in the same statement as the page
    /// (the total column follows the row's columns).
    /// </summary>
    /// <param name="where">SQL condition built from integers only</param>
    /// <param name="newestFirst">order by id descending (tasks, runs) instead of ascending</param>
    public static async Task<(List<T> Rows, int Total)> ReadAsync<T>(V6DbContext db, CountCache counts, string table, string columns, string where,
        Func<DbDataReader, T> read, int columnCount, long skip, int take, bool newestFirst, CancellationToken ct)
    {
        var countSql = $"SELECT COUNT(*) FROM {table} WHERE {where}";
        var page = $"FROM {table} WHERE {where} ORDER BY id {(newestFirst ? "DESC" : "ASC")} LIMIT {take} OFFSET {skip}";
        if (counts.TryGet(countSql, out var total, out var ticket))
            return (await RowReader.ListAsync(db, $"SELECT {columns} {page}", read, ct), total);
        var rows = await RowReader.ListAsync(db, $"SELECT {columns}, ({countSql}) {page}",
            r => { total = Convert.ToInt32(r.GetValue(columnCount), CultureInfo.InvariantCulture); return read(r); }, ct);
        if (rows.Count == 0 && skip > 0)
            total = (await RowReader.ListAsync(db, countSql, r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ct))[0];
        CountCache.Store(countSql, total, ticket);
        return (rows, total);
    }
}
