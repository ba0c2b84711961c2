using Microsoft.EntityFrameworkCore;
using Vantage6.Common.Configuration;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Vpn;

namespace Vantage6.Server.Api;

/// <summary>
/// <c>/vpn</c> (api-federation §10.3–10.5): OpenVPN configurations for nodes from the configured
/// EduVPN portal, and the addresses of algorithm containers from the database.
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

    private static async Task<IResult> GetConfig(ServerConfig config, Actor actor, ILoggerFactory logs, CancellationToken ct)
    {
        if (config.VpnServer is null) return Results.Json(new { msg = "This server does not support VPN" }, statusCode: 501);
        var log = logs.CreateLogger("vpn");
        try
        {
            var ovpn = await new EduVpnPortal(config.VpnServer, TimeSpan.FromSeconds(20)).GetOpenVpnConfigAsync(ct);
            return Results.Json(new { ovpn_config = ovpn });
        }
        catch (VpnPortalAuthException e)
        {
            log.LogError("Could not obtain a VPN configuration for node {Node}: {Reason}", actor.Id, e.Message);
            return Results.Json(new
            {
                msg = "Could not obtain VPN configuration because the vantage6 server could not authorize to the VPN portal. Please contact your server administrator.",
            }, statusCode: 500);
        }
        catch (VpnConfigException e)
        {
            log.LogError("Could not obtain a VPN configuration for node {Node}: {Reason}", actor.Id, e.Message);
            return Results.Json(new
            {
                msg = "Could not obtain VPN configuration because the vantage6 server is not properly configured for VPN. Please contact your server administrator.",
            }, statusCode: 500);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            log.LogCritical("Node {Node} asked for a VPN configuration, but the VPN server is unreachable: {Reason}", actor.Id, e.Message);
            return Results.Json(new { msg = "VPN server unreachable. Please contact your server administrator" }, statusCode: 503);
        }
    }

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
