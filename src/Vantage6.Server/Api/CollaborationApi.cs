using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/collaboration</c> (api-federation §4).</summary>
public static class CollaborationApi
{
    private const string Resource = "collaboration";

    private static BodySchema Schema(bool patch) => new BodySchema()
        .String("name", required: !patch, checks: Names.Checks)
        .IntegerList("organization_ids", required: !patch, elementChecks: BodySchema.AtLeast(1))
        .Any("encrypted", required: !patch);

    private static readonly BodySchema CreateSchema = Schema(patch: false);
    private static readonly BodySchema PatchSchema = Schema(patch: true);

    public static RouteGroupBuilder MapCollaborationApi(this RouteGroupBuilder api)
    {
        api.MapGet("/collaboration", List).For(Callers.UserOrNode);
        api.MapPost("/collaboration", Create).For(Callers.User);
        api.MapGet("/collaboration/{id:int:min(0)}", Get).For(Callers.All);
        api.MapMethods("/collaboration/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.User);
        api.MapDelete("/collaboration/{id:int:min(0)}", Delete).For(Callers.User);
        api.MapPost("/collaboration/{id:int:min(0)}/organization", AddOrganization).For(Callers.User);
        api.MapDelete("/collaboration/{id:int:min(0)}/organization", RemoveOrganization).For(Callers.User);
        api.MapPost("/collaboration/{id:int:min(0)}/node", AttachNode).For(Callers.User);
        api.MapDelete("/collaboration/{id:int:min(0)}/node", DetachNode).For(Callers.User);
        return api;
    }

    public static Dictionary<string, object?> View(Collaboration c, ApiPaths paths) => new()
    {
        ["id"] = c.Id,
        ["name"] = c.Name,
        ["encrypted"] = c.Encrypted ?? false,
        ["organizations"] = paths.Collection("organization", "collaboration_id", c.Id),
        ["nodes"] = paths.Collection("node", "collaboration_id", c.Id),
        ["tasks"] = paths.Collection("task", "collaboration_id", c.Id),
        ["algorithm_stores"] = paths.Collection("algorithmstore", "collaboration_id", c.Id),
        ["studies"] = paths.Collection("study", "collaboration_id", c.Id),
    };

    private static async Task<object> ViewWithIncludes(HttpContext ctx, Collaboration c, V6DbContext db, ApiPaths paths)
    {
        var view = View(c, paths);
        if (Includes(ctx, "organizations"))
            view["organizations"] = (await MembersAsync(db, c.Id)).Select(o => OrganizationApi.View(o, paths)).ToList();
        return view;
    }

    internal static bool Includes(HttpContext ctx, string what) =>
        ctx.Request.Query["include"].SelectMany(v => (v ?? "").Split(',')).Any(v => v.Trim() == what);

    private static Task<List<Organization>> MembersAsync(V6DbContext db, int collaborationId) =>
        db.Organizations.AsNoTracking().Where(o => db.Members.Any(m => m.CollaborationId == collaborationId && m.OrganizationId == o.Id))
            .OrderBy(o => o.Id).ToListAsync();

    /// <summary><c>true</c>/<c>false</c> or 1/0, as the reference accepts for <c>encrypted</c>.</summary>
    private static bool? ParseEncrypted(Body body)
    {
        if (body.Element("encrypted") is not { } e) return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when e.TryGetInt32(out var i) && i is 0 or 1 => i == 1,
            _ => throw ApiException.Validation(new System.Text.Json.Nodes.JsonObject
                { ["encrypted"] = new System.Text.Json.Nodes.JsonArray("Not a valid boolean.") }),
        };
    }

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        IQueryable<Collaboration> q = db.Collaborations.AsNoTracking();
        if (req.Str("name") is { } name) q = q.Where(c => EF.Functions.Like(c.Name!, name));
        if (req.Str("encrypted") is not null)
        {
            bool encrypted = req.Flag("encrypted");
            q = q.Where(c => (c.Encrypted ?? false) == encrypted);
        }
        if (req.Int("organization_id") is { } orgId)
        {
            if (perm.Has(Scope.GLOBAL, Operation.VIEW))
                q = q.Where(c => db.Members.Any(m => m.CollaborationId == c.Id && m.OrganizationId == orgId));
            else if (orgId != actor.OrganizationId)
                throw ApiException.Unauthorized("You lack the permission to request collaborations for this organization!");
        }
        if (req.Int("algorithm_store_id") is { } storeId)
        {
            var store = await db.AlgorithmStores.AsNoTracking().FirstOrDefaultAsync(s => s.Id == storeId)
                        ?? throw ApiException.NotFound($"Algorithm store with id={storeId} not found");
            if (store.CollaborationId is { } bound) q = q.Where(c => c.Id == bound);
        }
        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            if (!perm.Has(Scope.ORGANIZATION, Operation.VIEW)) throw ApiException.Unauthorized("You lack the permission to do that!");
            var own = actor.OrganizationCollaborations.ToList();
            q = q.Where(c => own.Contains(c.Id));
        }
        if (!Includes(ctx, "organizations"))
            return await Pagination.PageAsync(ctx, db, q, c => View(c, paths), "Collaboration");
        // Embedding organizations needs a query per row; only the UI asks for it, with small pages.
        var members = await db.Members.AsNoTracking().ToListAsync();
        var orgs = await db.Organizations.AsNoTracking().ToDictionaryAsync(o => o.Id);
        return await Pagination.PageAsync(ctx, db, q, c =>
        {
            var view = View(c, paths);
            view["organizations"] = members.Where(m => m.CollaborationId == c.Id).Select(m => m.OrganizationId).Distinct().Order()
                .Where(orgs.ContainsKey).Select(id => OrganizationApi.View(orgs[id], paths)).ToList();
            return view;
        }, "Collaboration");
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var encrypted = ParseEncrypted(body);
        var ids = body.IntList("organization_ids")!;
        if (ids.Count == 0 || ids.Distinct().Count() != ids.Count)
            throw ApiException.Validation(new System.Text.Json.Nodes.JsonObject
                { ["organization_ids"] = new System.Text.Json.Nodes.JsonArray("Give at least one organization id, each once.") });
        var name = body.String("name")!;
        if (await db.Collaborations.AnyAsync(c => c.Name == name))
            throw ApiException.BadRequest($"Collaboration name '{name}' already exists!");
        if (!actor.Has(Resource, Scope.GLOBAL, Operation.CREATE)) throw ApiException.Unauthorized("You lack the permission to do that!");

        var existing = await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync();
        var collaboration = new Collaboration { Name = name, Encrypted = encrypted ?? true };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Collaborations.Add(collaboration);
        await db.SaveChangesAsync();
        db.Members.AddRange(existing.Select(o => new Member { OrganizationId = o, CollaborationId = collaboration.Id }));
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(View(collaboration, paths));
    }

    private static async Task<Collaboration> FindAsync(V6DbContext db, int id, string? message = null) =>
        await db.Collaborations.FirstOrDefaultAsync(c => c.Id == id)
        ?? throw ApiException.NotFound(message ?? $"collaboration having id={id} not found");

    private static async Task<IResult> Get(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var collaboration = await FindAsync(db, id);
        var perm = actor.On(Resource);
        if (!perm.Has(Scope.GLOBAL, Operation.VIEW) &&
            !(perm.Has(Scope.ORGANIZATION, Operation.VIEW) && actor.OrganizationCollaborations.Contains(id)))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        return Results.Json(await ViewWithIncludes(ctx, collaboration, db, paths));
    }

    private static void RequireEdit(Actor actor, int id)
    {
        if (!actor.On(Resource).CanForCollaboration(Operation.EDIT, id)) throw ApiException.Unauthorized("You lack the permission to do that!");
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        var collaboration = await FindAsync(db, id);
        RequireEdit(actor, id);
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        if (body.String("name") is { } name && name != collaboration.Name)
        {
            if (await db.Collaborations.AnyAsync(c => c.Name == name))
                throw ApiException.BadRequest($"Collaboration name '{name}' already exists!");
            collaboration.Name = name;
        }
        if (ParseEncrypted(body) is { } encrypted) collaboration.Encrypted = encrypted;
        List<int>? members = null;
        if (body.IntList("organization_ids") is { } ids)
        {
            if (!actor.Has(Resource, Scope.GLOBAL, Operation.EDIT))
                throw ApiException.Unauthorized("You lack the permission to change the organizations of a collaboration!");
            members = await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync();
        }
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        if (members is not null)
        {
            await db.Members.Where(m => m.CollaborationId == id).ExecuteDeleteAsync();
            db.Members.AddRange(members.Select(o => new Member { OrganizationId = o, CollaborationId = id }));
            await db.SaveChangesAsync();
        }
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(View(collaboration, paths));
    }

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db, ActorCache actors)
    {
        var collaboration = await FindAsync(db, id, $"collaboration id={id} is not found");
        if (!actor.On(Resource).CanForCollaboration(Operation.DELETE, id)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var taskIds = await db.Tasks.Where(t => t.CollaborationId == id).Select(t => t.Id).ToListAsync();
        int nodes = await db.Nodes.CountAsync(n => n.CollaborationId == id);
        var studyIds = await db.Studies.Where(s => s.CollaborationId == id).Select(s => s.Id).ToListAsync();
        if (taskIds.Count + nodes + studyIds.Count > 0 && !ctx.Request.Flag("delete_dependents"))
            throw ApiException.BadRequest(
                $"Collaboration id={id} has {taskIds.Count} tasks, {nodes} nodes and {studyIds.Count} studies. Please delete them separately or set delete_dependents=True");
        await using var tx = await db.Database.BeginTransactionAsync();
        await Deletion.DeleteTasksAsync(db, taskIds);
        await Deletion.DeleteNodesAsync(db, db.Nodes.Where(n => n.CollaborationId == id));
        await db.StudyMembers.Where(m => studyIds.Contains(m.StudyId)).ExecuteDeleteAsync();
        await db.Studies.Where(s => s.CollaborationId == id).ExecuteDeleteAsync();
        // The reference turns linked stores into global ones; deleting them keeps access from widening.
        await db.AlgorithmStores.Where(s => s.CollaborationId == id).ExecuteDeleteAsync();
        await db.Members.Where(m => m.CollaborationId == id).ExecuteDeleteAsync();
        db.Collaborations.Remove(collaboration);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(new { msg = $"Collaboration id={id} successfully deleted" });
    }

    private static async Task<IResult> AddOrganization(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        await FindAsync(db, id);
        RequireEdit(actor, id);
        var orgId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        if (!await db.Organizations.AnyAsync(o => o.Id == orgId)) throw ApiException.NotFound($"organization id={orgId} not found");
        if (!await db.Members.AnyAsync(m => m.CollaborationId == id && m.OrganizationId == orgId))
        {
            db.Members.Add(new Member { OrganizationId = orgId, CollaborationId = id });
            await db.SaveChangesAsync();
            actors.InvalidateAll();
        }
        return Results.Json((await MembersAsync(db, id)).Select(o => OrganizationApi.View(o, paths)).ToList());
    }

    private static async Task<IResult> RemoveOrganization(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        await FindAsync(db, id);
        var orgId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        if (!await db.Organizations.AnyAsync(o => o.Id == orgId)) throw ApiException.NotFound($"organization id={orgId} not found");
        RequireEdit(actor, id);
        if (!await db.Members.AnyAsync(m => m.CollaborationId == id && m.OrganizationId == orgId))
            throw ApiException.BadRequest($"Organization id={orgId} is not part of collaboration id={id}");
        await db.Members.Where(m => m.CollaborationId == id && m.OrganizationId == orgId).ExecuteDeleteAsync();
        actors.InvalidateAll();
        return Results.Json((await MembersAsync(db, id)).Select(o => OrganizationApi.View(o, paths)).ToList());
    }

    private static async Task<IResult> AttachNode(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        await FindAsync(db, id);
        RequireEdit(actor, id);
        var nodeId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == nodeId) ?? throw ApiException.NotFound($"node id={nodeId} not found");
        if (node.CollaborationId == id) throw ApiException.BadRequest($"node id={nodeId} is already in collaboration id={id}");
        if (!await db.Members.AnyAsync(m => m.CollaborationId == id && m.OrganizationId == node.OrganizationId))
            throw ApiException.BadRequest($"The organization id={node.OrganizationId} of node id={nodeId} is not part of collaboration id={id}");
        node.CollaborationId = id;
        await db.SaveChangesAsync();
        var nodes = await db.Nodes.AsNoTracking().Where(n => n.CollaborationId == id).OrderBy(n => n.Id).ToListAsync();
        return Results.Json(nodes.Select(n => NodeApi.SimpleView(n, paths)).ToList(), statusCode: 201);
    }

    private static async Task<IResult> DetachNode(int id, HttpContext ctx, Actor actor, V6DbContext db)
    {
        await FindAsync(db, id);
        RequireEdit(actor, id);
        var nodeId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == nodeId) ?? throw ApiException.NotFound($"node id={nodeId} not found");
        if (node.CollaborationId != id) throw ApiException.BadRequest($"node id={nodeId} is not part of collaboration id={id}");
        node.CollaborationId = null;
        await db.SaveChangesAsync();
        return Results.Json(new { msg = $"node id={nodeId} removed from collaboration id={id}" });
    }
}
