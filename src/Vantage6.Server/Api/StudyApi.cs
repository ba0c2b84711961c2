using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/study</c> (api-federation §8).</summary>
public static class StudyApi
{
    private const string Resource = "study";

    private static BodySchema Schema(bool patch) => new BodySchema()
        .String("name", required: !patch, checks: Names.Checks)
        .Integer("collaboration_id", required: !patch, checks: BodySchema.AtLeast(1))
        .IntegerList("organization_ids", required: !patch, elementChecks: BodySchema.AtLeast(1));

    private static readonly BodySchema CreateSchema = Schema(patch: false);
    private static readonly BodySchema PatchSchema = Schema(patch: true);

    public static RouteGroupBuilder MapStudyApi(this RouteGroupBuilder api)
    {
        // Containers may list studies too: the algorithm client's study.list needs it (the reference fails with 500).
        api.MapGet("/study", List).For(Callers.All);
        api.MapPost("/study", Create).For(Callers.User);
        api.MapGet("/study/{id:int:min(0)}", Get).For(Callers.All);
        api.MapMethods("/study/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.User);
        api.MapDelete("/study/{id:int:min(0)}", Delete).For(Callers.User);
        api.MapPost("/study/{id:int:min(0)}/organization", AddOrganization).For(Callers.User);
        api.MapDelete("/study/{id:int:min(0)}/organization", RemoveOrganization).For(Callers.User);
        return api;
    }

    private static Dictionary<string, object?> View(Study s, ApiPaths paths) => new()
    {
        ["id"] = s.Id,
        ["name"] = s.Name,
        ["collaboration"] = paths.Link("collaboration", s.CollaborationId),
        ["organizations"] = paths.Collection("organization", "study_id", s.Id),
        ["tasks"] = paths.Collection("task", "study_id", s.Id),
    };

    private static Task<List<Organization>> MembersAsync(V6DbContext db, int studyId) =>
        db.Organizations.AsNoTracking().Where(o => db.StudyMembers.Any(m => m.StudyId == studyId && m.OrganizationId == o.Id))
            .OrderBy(o => o.Id).ToListAsync();

    private static async Task<object> ViewWithMembers(V6DbContext db, Study s, ApiPaths paths)
    {
        var view = View(s, paths);
        view["organizations"] = (await MembersAsync(db, s.Id)).Select(o => OrganizationApi.View(o, paths)).ToList();
        return view;
    }

    /// <summary>glo; or col and the study's collaboration is the caller's; or org and the caller's organization is in the study.</summary>
    private static async Task<bool> AllowedAsync(Actor actor, V6DbContext db, Study s, Operation op)
    {
        var perm = actor.On(Resource);
        if (perm.Has(Scope.GLOBAL, op)) return true;
        if (perm.Has(Scope.COLLABORATION, op) && actor.ScopeCollaborations.Contains(s.CollaborationId ?? -1)) return true;
        return perm.Has(Scope.ORGANIZATION, op) && await db.StudyMembers.AnyAsync(m => m.StudyId == s.Id && m.OrganizationId == actor.OrganizationId);
    }

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        IQueryable<Study> q = db.Studies.AsNoTracking();
        if (req.Str("name") is { } name) q = q.Where(s => EF.Functions.Like(s.Name!, name));
        if (req.Int("organization_id") is { } orgId)
        {
            if (perm.Has(Scope.GLOBAL, Operation.VIEW) || perm.Has(Scope.COLLABORATION, Operation.VIEW))
                q = q.Where(s => db.StudyMembers.Any(m => m.StudyId == s.Id && m.OrganizationId == orgId));
            else if (!(perm.Has(Scope.ORGANIZATION, Operation.VIEW) && orgId == actor.OrganizationId))
                throw ApiException.Unauthorized("You lack the permission to request studies for this organization!");
        }
        if (req.Int("collaboration_id") is { } collabId)
        {
            bool ok = perm.Has(Scope.GLOBAL, Operation.VIEW) ||
                      ((perm.Has(Scope.COLLABORATION, Operation.VIEW) || perm.Has(Scope.ORGANIZATION, Operation.VIEW))
                       && actor.ScopeCollaborations.Contains(collabId));
            if (!ok) throw ApiException.Unauthorized("You lack the permission to request studies for this collaboration!");
            q = q.Where(s => s.CollaborationId == collabId);
        }
        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            var own = actor.OrganizationId;
            if (perm.Has(Scope.COLLABORATION, Operation.VIEW))
            {
                var collabs = actor.ScopeCollaborations.ToList();
                q = q.Where(s => s.CollaborationId != null && collabs.Contains(s.CollaborationId.Value));
            }
            else if (perm.Has(Scope.ORGANIZATION, Operation.VIEW))
                q = q.Where(s => db.StudyMembers.Any(m => m.StudyId == s.Id && m.OrganizationId == own));
            else throw ApiException.Unauthorized("You lack the permission to do that!");
        }
        bool include = CollaborationApi.Includes(ctx, "organizations");
        return await Pagination.PageAsync(ctx, db, q, async rows =>
        {
            var result = new List<object>();
            foreach (var s in rows) result.Add(include ? await ViewWithMembers(db, s, paths) : View(s, paths));
            return result;
        }, "Study");
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var name = body.String("name")!;
        var collabId = body.Int("collaboration_id")!.Value;
        var orgIds = body.IntList("organization_ids")!;
        if (orgIds.Count == 0 || orgIds.Distinct().Count() != orgIds.Count)
            throw ApiException.Validation(new JsonObject { ["organization_ids"] = new JsonArray("Give at least one organization id, each once.") });
        if (await db.Studies.AnyAsync(s => s.Name == name)) throw ApiException.BadRequest($"Study with name '{name}' already exists!");
        if (!actor.On(Resource).CanForCollaboration(Operation.CREATE, collabId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (!await db.Collaborations.AnyAsync(c => c.Id == collabId)) throw ApiException.NotFound($"Collaboration id={collabId} not found");
        await RequireMembersAsync(db, collabId, orgIds);
        var study = new Study { Name = name, CollaborationId = collabId };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        db.StudyMembers.AddRange(orgIds.Select(o => new StudyMember { OrganizationId = o, StudyId = study.Id }));
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return Results.Json(await ViewWithMembers(db, study, paths), statusCode: 201);
    }

    private static async Task RequireMembersAsync(V6DbContext db, int? collabId, IEnumerable<int> orgIds)
    {
        var members = await db.Members.AsNoTracking().Where(m => m.CollaborationId == collabId).Select(m => m.OrganizationId).ToListAsync();
        if (orgIds.Any(o => !members.Contains(o))) throw ApiException.BadRequest("Not all organizations are part of the collaboration!");
    }

    private static async Task<IResult> Get(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id) ?? throw ApiException.NotFound($"Study with id={id} not found");
        if (!await AllowedAsync(actor, db, study, Operation.VIEW)) throw ApiException.Unauthorized("You lack the permission to do that!");
        return Results.Json(CollaborationApi.Includes(ctx, "organizations") ? await ViewWithMembers(db, study, paths) : View(study, paths));
    }

    private static async Task<Study> FindAsync(V6DbContext db, int id) =>
        await db.Studies.FirstOrDefaultAsync(s => s.Id == id) ?? throw ApiException.NotFound($"Study with id={id} can not be found");

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var study = await FindAsync(db, id);
        if (!await AllowedAsync(actor, db, study, Operation.EDIT)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        if (body.String("name") is { } name && name != study.Name)
        {
            if (await db.Studies.AnyAsync(s => s.Name == name)) throw ApiException.BadRequest($"Study with name '{name}' already exists!");
            study.Name = name;
        }
        var orgIds = body.IntList("organization_ids");
        if (orgIds is not null) await RequireMembersAsync(db, study.CollaborationId, orgIds);
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        if (orgIds is not null)
        {
            await db.StudyMembers.Where(m => m.StudyId == id).ExecuteDeleteAsync();
            db.StudyMembers.AddRange(orgIds.Distinct().Select(o => new StudyMember { OrganizationId = o, StudyId = id }));
            await db.SaveChangesAsync();
        }
        await tx.CommitAsync();
        return Results.Json(await ViewWithMembers(db, study, paths));
    }

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db)
    {
        var study = await FindAsync(db, id);
        if (!await AllowedAsync(actor, db, study, Operation.DELETE)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var taskIds = await db.Tasks.Where(t => t.StudyId == id).Select(t => t.Id).ToListAsync();
        if (taskIds.Count > 0 && !ctx.Request.Flag("delete_dependents"))
            throw ApiException.BadRequest($"Study id={id} has {taskIds.Count} tasks. Please delete them separately or set delete_dependents=True");
        await using var tx = await db.Database.BeginTransactionAsync();
        await Deletion.DeleteTasksAsync(db, taskIds);
        await db.StudyMembers.Where(m => m.StudyId == id).ExecuteDeleteAsync();
        db.Studies.Remove(study);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return Results.Json(new { msg = $"Study id={id} successfully deleted" });
    }

    private static async Task<IResult> AddOrganization(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var study = await FindAsync(db, id);
        if (!actor.On(Resource).CanForCollaboration(Operation.EDIT, study.CollaborationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var orgId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        if (!await db.Organizations.AnyAsync(o => o.Id == orgId)) throw ApiException.NotFound($"Organization with id={orgId} not found");
        if (!await db.Members.AnyAsync(m => m.CollaborationId == study.CollaborationId && m.OrganizationId == orgId))
            throw ApiException.BadRequest("Organization is not a member of the collaboration!");
        if (!await db.StudyMembers.AnyAsync(m => m.StudyId == id && m.OrganizationId == orgId))
        {
            db.StudyMembers.Add(new StudyMember { OrganizationId = orgId, StudyId = id });
            await db.SaveChangesAsync();
        }
        return Results.Json((await MembersAsync(db, id)).Select(o => OrganizationApi.View(o, paths)).ToList());
    }

    private static async Task<IResult> RemoveOrganization(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var study = await FindAsync(db, id);
        var orgId = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        if (!await db.Organizations.AnyAsync(o => o.Id == orgId)) throw ApiException.NotFound($"Organization with id={orgId} not found");
        if (!actor.On(Resource).CanForCollaboration(Operation.EDIT, study.CollaborationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (!await db.StudyMembers.AnyAsync(m => m.StudyId == id && m.OrganizationId == orgId))
            throw ApiException.BadRequest($"Organization id={orgId} is not part of study id={id}");
        await db.StudyMembers.Where(m => m.StudyId == id && m.OrganizationId == orgId).ExecuteDeleteAsync();
        return Results.Json((await MembersAsync(db, id)).Select(o => OrganizationApi.View(o, paths)).ToList());
    }
}
