using System.Net;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/node</c> (api-federation §5).</summary>
public static class NodeApi
{
    private const string Resource = "node";

    private static readonly Func<object, string?> ValidIp = v => IPAddress.TryParse((string)v, out _) ? null : "Not a valid IP address.";

    private static readonly BodySchema CreateSchema = new BodySchema()
        .Integer("collaboration_id", required: true, checks: BodySchema.AtLeast(1))
        .Integer("organization_id", nullIsAbsent: true, checks: BodySchema.AtLeast(1))
        .String("name", nullIsAbsent: true, checks: Names.Checks)
        .String("ip", nullIsAbsent: true, checks: ValidIp)
        .Boolean("clear_ip", nullIsAbsent: true);

    private static readonly BodySchema PatchSchema = new BodySchema()
        .String("name", nullIsAbsent: true, checks: Names.Checks)
        .String("ip", nullIsAbsent: true, checks: v => ((string)v).Length == 0 ? null : ValidIp(v))
        .Boolean("clear_ip", nullIsAbsent: true)
        .Any("organization_id")
        .Any("collaboration_id");

    public static RouteGroupBuilder MapNodeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/node", List).For(Callers.UserOrNode);
        api.MapPost("/node", Create).For(Callers.User);
        api.MapGet("/node/{id:int:min(0)}", Get).For(Callers.UserOrNode);
        api.MapMethods("/node/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.UserOrNode);
        api.MapDelete("/node/{id:int:min(0)}", Delete).For(Callers.User);
        return api;
    }

    public static Dictionary<string, object?> View(Node n, IEnumerable<NodeConfig> config, ApiPaths paths) => new()
    {
        ["id"] = n.Id,
        ["name"] = n.Name,
        ["type"] = "node",
        ["ip"] = n.Ip,
        ["status"] = n.Status,
        ["last_seen"] = n.LastSeen,
        ["organization"] = paths.Link("organization", n.OrganizationId),
        ["collaboration"] = paths.Link("collaboration", n.CollaborationId),
        ["config"] = config.Select(c => new { key = c.Key, value = c.Value }).ToList(),
    };

    /// <summary>The short form used by <c>POST /collaboration/{id}/node</c>.</summary>
    public static object SimpleView(Node n, ApiPaths paths) => new
    {
        id = n.Id, name = n.Name, ip = n.Ip, status = n.Status, last_seen = n.LastSeen,
        organization = paths.Link("organization", n.OrganizationId),
    };

    private static async Task<object> FullView(V6DbContext db, Node n, ApiPaths paths) =>
        View(n, await db.NodeConfigs.AsNoTracking().Where(c => c.NodeId == n.Id).OrderBy(c => c.Id).ToListAsync(), paths);

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        IQueryable<Node> q = db.Nodes.AsNoTracking();
        if (req.Int("organization_id") is { } orgId)
        {
            if (!perm.AllowedForOrg(Operation.VIEW, orgId))
                throw ApiException.Unauthorized($"You lack the permission view nodes from the organization with id {orgId}!");
            q = q.Where(n => n.OrganizationId == orgId);
        }
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collabId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(n => n.CollaborationId == collabId);
        }
        if (req.Int("study_id") is { } studyId)
        {
            var study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == studyId)
                        ?? throw ApiException.BadRequest($"Study id={studyId} does not exist!");
            if (!perm.CanForCollaboration(Operation.VIEW, study.CollaborationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(n => n.CollaborationId == study.CollaborationId
                             && db.StudyMembers.Any(m => m.StudyId == studyId && m.OrganizationId == n.OrganizationId));
        }
        if (req.Str("status") is { } status) q = q.Where(n => n.Status == status);
        if (req.Str("ip") is { } ip) q = q.Where(n => n.Ip == ip);
        if (req.Str("name") is { } name) q = q.Where(n => EF.Functions.Like(n.Name!, name));
        if (req.DateTimeValue("last_seen_from") is { } from) q = q.Where(n => n.LastSeen >= from);
        if (req.DateTimeValue("last_seen_till") is { } till) q = q.Where(n => n.LastSeen <= till);

        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            if (perm.Has(Scope.COLLABORATION, Operation.VIEW))
            {
                var collabs = actor.ScopeCollaborations.ToList();
                q = q.Where(n => n.CollaborationId != null && collabs.Contains(n.CollaborationId.Value));
            }
            else if (perm.Has(Scope.ORGANIZATION, Operation.VIEW)) q = q.Where(n => n.OrganizationId == actor.OrganizationId);
            else throw ApiException.Unauthorized("You lack the permission to do that!");
        }
        var configs = (await db.NodeConfigs.AsNoTracking().Where(c => q.Any(n => n.Id == c.NodeId)).OrderBy(c => c.Id).ToListAsync())
            .ToLookup(c => c.NodeId);
        return await Pagination.PageAsync(ctx, db, q, n => View(n, configs[n.Id], paths), "Node");
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var collabId = body.Int("collaboration_id")!.Value;
        var collaboration = await db.Collaborations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == collabId)
                            ?? throw ApiException.NotFound($"collaboration id={collabId} does not exist");
        var orgId = body.Int("organization_id") ?? actor.OrganizationId;
        var organization = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == orgId)
                           ?? throw ApiException.NotFound($"organization id={orgId} does not exist");
        if (!actor.On(Resource).AllowedForOrg(Operation.CREATE, orgId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (!await db.Members.AnyAsync(m => m.CollaborationId == collabId && m.OrganizationId == orgId))
            throw ApiException.BadRequest($"The organization id={orgId} is not part of collabotation id={collabId}. Add it first!");
        if (await db.Nodes.AnyAsync(n => n.OrganizationId == orgId && n.CollaborationId == collabId))
            throw ApiException.BadRequest($"Organization id={orgId} already has a node for collaboration id={collabId}");
        var name = body.String("name") ?? $"{organization.Name} - {collaboration.Name} Node";
        if (await db.Nodes.AnyAsync(n => n.Name == name)) throw ApiException.BadRequest($"Node with name '{name}' already exists!");

        var apiKey = Guid.NewGuid().ToString();
        var node = new Node
        {
            Name = name, CollaborationId = collabId, OrganizationId = orgId, Status = "offline", ApiKey = PasswordHasher.Hash(apiKey),
        };
        db.Nodes.Add(node);
        await db.SaveChangesAsync();
        var view = View(node, [], paths);
        view["api_key"] = apiKey; // the only time the key is shown
        return Results.Json(view, statusCode: 201);
    }

    private static async Task<Node> FindAsync(V6DbContext db, int id) =>
        await db.Nodes.FirstOrDefaultAsync(n => n.Id == id) ?? throw ApiException.NotFound($"Node id={id} is not found!");

    private static async Task<IResult> Get(int id, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var node = await FindAsync(db, id);
        if (!actor.On(Resource).AllowedForOrg(Operation.VIEW, node.OrganizationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        return Results.Json(await FullView(db, node, paths));
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        if (body.Has("organization_id")) throw ApiException.BadRequest("Organization id cannot be updated!");
        if (body.Has("collaboration_id")) throw ApiException.BadRequest("Collaboration id cannot be updated!");
        var node = await FindAsync(db, id);
        if (!actor.On(Resource).AllowedForOrg(Operation.EDIT, node.OrganizationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (body.String("name") is { } name && name != node.Name)
        {
            if (await db.Nodes.AnyAsync(n => n.Name == name && n.Id != id)) throw ApiException.BadRequest($"Node with name '{name}' already exists!");
            node.Name = name;
        }
        if (!string.IsNullOrEmpty(body.String("ip"))) node.Ip = body.String("ip");
        else if (body.Bool("clear_ip") == true) node.Ip = null;
        await db.SaveChangesAsync();
        return Results.Json(await FullView(db, node, paths));
    }

    private static async Task<IResult> Delete(int id, Actor actor, V6DbContext db)
    {
        var node = await FindAsync(db, id);
        if (!actor.On(Resource).AllowedForOrg(Operation.DELETE, node.OrganizationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        await using var tx = await db.Database.BeginTransactionAsync();
        await Deletion.DeleteNodesAsync(db, db.Nodes.Where(n => n.Id == id));
        await tx.CommitAsync();
        return Results.Json(new { msg = $"Successfully deleted node id={id}" });
    }
}
