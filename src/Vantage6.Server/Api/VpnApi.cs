using Microsoft.EntityFrameworkCore;
using Vantage6.Common.Configuration;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary>
/// <c>/vpn</c> (api-federation §10.3–10.5). The algorithm address lookup works from the database;
/// obtaining an OpenVPN configuration from an EduVPN portal is not implemented yet, so a configured
/// <c>vpn_server</c> answers 501 with a message rather than pretending.
/// </summary>
public static class VpnApi
{
    private static readonly string[] OnlyFlags = ["only_children", "only_parent", "only_siblings", "only_self"];

    public static RouteGroupBuilder MapVpnApi(this RouteGroupBuilder api)
    {
        api.MapGet("/vpn", GetConfig).For(Callers.Node);
        api.MapPost("/vpn/update", () => Results.Json(new { msg = "This server does not support VPN keypair refresh" }, statusCode: 501))
            .For(Callers.Node);
        api.MapGet("/vpn/algorithm/addresses", Addresses).For(Callers.Container);
        return api;
    }

    private static IResult GetConfig(ServerConfig config) =>
        config.VpnServer is null
            ? Results.Json(new { msg = "This server does not support VPN" }, statusCode: 501)
            : Results.Json(new { msg = "Obtaining a VPN configuration from the EduVPN portal is not supported by this server yet" }, statusCode: 501);

    private static async Task<IResult> Addresses(HttpContext ctx, Actor actor, V6DbContext db)
    {
        var req = ctx.Request;
        var only = OnlyFlags.Where(req.Flag).ToList();
        if (only.Count > 1) throw ApiException.BadRequest("You can only specify one of the only_<...> parameters!");
        var container = actor.Container!;
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == container.TaskId);
        if (task is null) return Results.Json(new { addresses = Array.Empty<object>() });

        var taskIds = new HashSet<int> { task.Id };
        var children = await db.Tasks.AsNoTracking().Where(t => t.ParentId == task.Id).Select(t => t.Id).ToListAsync();
        if (only.Contains("only_children")) taskIds = children.ToHashSet();
        else if (req.Flag("include_children")) taskIds.UnionWith(children);
        if (task.ParentId is { } parent)
        {
            if (only.Contains("only_parent")) taskIds = [parent];
            else if (req.Flag("include_parent")) taskIds.Add(parent);
        }
        var ids = taskIds.ToList();
        var rows = await (from p in db.AlgorithmPorts
                          join r in db.Runs on p.RunId equals r.Id
                          join t in db.Tasks on r.TaskId equals t.Id
                          where ids.Contains(t.Id)
                          select new { p.Port, p.Label, r.OrganizationId, TaskId = t.Id, t.ParentId, t.CollaborationId }).ToListAsync();
        if (only.Contains("only_siblings")) rows = rows.Where(r => r.OrganizationId != container.OrganizationId).ToList();
        if (only.Contains("only_self")) rows = rows.Where(r => r.OrganizationId == container.OrganizationId).ToList();
        if (req.Str("label") is { } label) rows = rows.Where(r => r.Label == label).ToList();
        var nodes = await db.Nodes.AsNoTracking().Where(n => n.CollaborationId == task.CollaborationId)
            .Select(n => new { n.OrganizationId, n.Ip }).ToListAsync();
        return Results.Json(new
        {
            addresses = rows.Select(r => new
            {
                port = r.Port, label = r.Label, ip = nodes.FirstOrDefault(n => n.OrganizationId == r.OrganizationId)?.Ip,
                organization_id = r.OrganizationId, task_id = r.TaskId, parent_id = r.ParentId,
            }).ToList(),
        });
    }
}
