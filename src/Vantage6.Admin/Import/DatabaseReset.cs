using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;

namespace Vantage6.Admin.Import;

/// <summary><c>--drop-all</c>: drops every table of the schema; the caller recreates it (cli-and-config §4.3, native).</summary>
internal static class DatabaseReset
{
    public static async Task DropAllTablesAsync(V6DbContext db, CancellationToken ct)
    {
        bool sqlite = db.Database.IsSqlite();
        // Referencing tables first, so PostgreSQL needs no CASCADE into tables we do not know.
        foreach (var table in Schema.Tables.Reverse())
        {
#pragma warning disable EF1002 // table names come from the fixed schema, not from input
            await db.Database.ExecuteSqlRawAsync($"DROP TABLE IF EXISTS {Schema.Quote(table.Name)}{(sqlite ? "" : " CASCADE")}", ct);
#pragma warning restore EF1002
        }
    }
}
