using Microsoft.EntityFrameworkCore;

namespace Vantage6.Server.Data;

/// <summary>
/// The few statements EF Core cannot express on the joined user/node tables (bulk update and
/// delete of a table-per-type hierarchy), written once for both databases.
/// </summary>
internal static class RawSql
{
    /// <summary>Deletes rows by id; ids are integers, so they are inlined safely.</summary>
    public static Task<int> DeleteByIdsAsync(V6DbContext db, string table, IEnumerable<int> ids)
    {
        var list = string.Join(",", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (list.Length == 0) return Task.FromResult(0);
#pragma warning disable EF1002 // table names are constants and ids are integers
        return db.Database.ExecuteSqlRawAsync($"DELETE FROM {Schema.Quote(table)} WHERE id IN ({list})");
#pragma warning restore EF1002
    }

    public static Task<int> SetLastSeenAsync(V6DbContext db, int id, DateTime utc) =>
        db.Database.ExecuteSqlRawAsync("UPDATE authenticatable SET last_seen = {0} WHERE id = {1}", DateParameter(db, utc), id);

    public static Task<int> SetStatusAsync(V6DbContext db, int id, string status) =>
        db.Database.ExecuteSqlRawAsync("UPDATE authenticatable SET status = {0} WHERE id = {1}", status, id);

    public static Task<int> SetStatusAsync(V6DbContext db, int id, string status, DateTime seenUtc) =>
        db.Database.ExecuteSqlRawAsync("UPDATE authenticatable SET status = {0}, last_seen = {1} WHERE id = {2}", status, DateParameter(db, seenUtc), id);

    /// <summary>A datetime as the column stores it: reference text in SQLite, naive timestamp in PostgreSQL.</summary>
    public static object DateParameter(V6DbContext db, DateTime utc) =>
        db.Database.IsSqlite()
            ? SqliteDateTimeConverter.Format(utc)
            : PostgresOnly.Timestamp(utc);
}
