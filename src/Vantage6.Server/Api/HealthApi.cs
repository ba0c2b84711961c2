using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data;

namespace Vantage6.Server.Api;

public static class HealthApi
{
    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", async (V6DbContext db) =>
        {
            bool ok;
            try { await db.Database.ExecuteSqlRawAsync("SELECT 1"); ok = true; }
            catch (Exception) { ok = false; }
            return Results.Json(new { database = ok });
        });
        api.MapGet("/version", () => Results.Json(new { version = ServerVersion.Compatible }));
        return api;
    }
}
