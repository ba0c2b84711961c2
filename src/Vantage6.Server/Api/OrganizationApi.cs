using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/organization</c> (api-core §5).</summary>
public static class OrganizationApi
{
    private const string Resource = "organization";

    private static BodySchema Schema(bool patch)
    {
        var s = new BodySchema().String("name", required: !patch, nullIsAbsent: patch, checks: Names.Checks);
        foreach (var field in new[] { "address1", "address2", "zipcode", "country", "domain" })
            s.String(field, nullIsAbsent: patch, checks: BodySchema.MaxLength(128));
        return s.String("public_key", nullIsAbsent: patch, checks: v => IsBase64((string)v) ? null : "Not a valid base64 string.");
    }

    private static readonly BodySchema CreateSchema = Schema(patch: false);
    private static readonly BodySchema PatchSchema = Schema(patch: true);

    public static RouteGroupBuilder MapOrganizationApi(this RouteGroupBuilder api)
    {
        api.MapGet("/organization", List).For(Callers.All);
        api.MapPost("/organization", Create).For(Callers.User);
        api.MapGet("/organization/{id:int:min(0)}", Get).For(Callers.All);
        api.MapMethods("/organization/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.UserOrNode);
        api.MapDelete("/organization/{id:int:min(0)}", Delete).For(Callers.User);
        return api;
    }

    public static object View(Organization o, ApiPaths paths) => new
    {
        id = o.Id,
        name = o.Name,
        domain = o.Domain,
        address1 = o.Address1,
        address2 = o.Address2,
        zipcode = o.Zipcode,
        country = o.Country,
        public_key = o.PublicKey is { Length: > 0 } key ? Convert.ToBase64String(key) : "",
        collaborations = paths.Collection("collaboration", "organization_id", o.Id),
        nodes = paths.Collection("node", "organization_id", o.Id),
        users = paths.Collection("user", "organization_id", o.Id),
        tasks = paths.Collection("task", "init_org_id", o.Id),
        runs = paths.Collection("run", "organization_id", o.Id),
        studies = paths.Collection("study", "organization_id", o.Id),
    };

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, CountCache counts)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        // The plain list (no filter, default order): plain SQL.
        if (Pagination.OnlyPaging(req) && VisibleCondition(actor, perm) is { } visibleSql)
            return await Pagination.PageAsync(ctx, Pagination.PageRequest.Parse(ctx), page => PlainPage.ReadAsync(db, counts, "organization", Columns,
                visibleSql, ReadRow, ColumnCount, page.Skip, page.PerPage, newestFirst: false, ctx.RequestAborted),
                rows => Task.FromResult(rows.ConvertAll(o => View(o, paths))));
        IQueryable<Organization> q = db.Organizations.AsNoTracking();
        if (req.Str("name") is { } name) q = q.Where(o => EF.Functions.Like(o.Name!, name));
        if (req.Str("country") is { } country) q = q.Where(o => o.Country == country);
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collabId))
                throw ApiException.Unauthorized("You lack the permission to get all organizations in your collaboration!");
            q = q.Where(o => db.Members.Any(m => m.CollaborationId == collabId && m.OrganizationId == o.Id));
        }
        if (req.Int("study_id") is { } studyId)
        {
            var study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == studyId)
                        ?? throw ApiException.NotFound($"Study with id={studyId} does not exist!");
            if (!perm.CanForCollaboration(Operation.VIEW, study.CollaborationId))
                throw ApiException.Unauthorized("You lack the permission to get all organizations in a study!");
            q = q.Where(o => db.StudyMembers.Any(m => m.StudyId == studyId && m.OrganizationId == o.Id));
        }
        var ids = req.Ints("ids");
        if (ids.Count > 0) q = q.Where(o => ids.Contains(o.Id));

        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            var own = actor.OrganizationId;
            if (perm.Has(Scope.COLLABORATION, Operation.VIEW))
            {
                var visible = actor.CollaboratingOrganizations.ToList();
                q = q.Where(o => visible.Contains(o.Id) || o.Id == own);
            }
            else if (perm.Has(Scope.ORGANIZATION, Operation.VIEW)) q = q.Where(o => o.Id == own);
            else throw ApiException.Unauthorized("You lack the permission to do that!");
        }
        return await Pagination.PageAsync(ctx, db, q, o => View(o, paths), "Organization");
    }

    private const string Columns = "id, name, domain, address1, address2, zipcode, country, _public_key";
    private const int ColumnCount = 8;

    private static Organization ReadRow(DbDataReader r) => new()
    {
        Id = r.GetInt32(0), Name = r.Text(1), Domain = r.Text(2), Address1 = r.Text(3), Address2 = r.Text(4), Zipcode = r.Text(5),
        Country = r.Text(6), PublicKey = r.IsDBNull(7) ? null : r.GetFieldValue<byte[]>(7),
    };

    /// <summary>The organizations the caller may list, as SQL of integers only; null when it may see none.</summary>
    private static string? VisibleCondition(Actor actor, ResourcePermissions perm)
    {
        if (perm.Has(Scope.GLOBAL, Operation.VIEW)) return "1 = 1";
        var own = actor.OrganizationId ?? -1;
        if (perm.Has(Scope.COLLABORATION, Operation.VIEW)) return $"id IN ({RowReader.IdList(actor.CollaboratingOrganizations.Append(own))})";
        if (perm.Has(Scope.ORGANIZATION, Operation.VIEW)) return FormattableString.Invariant($"id = {own}");
        return null;
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        if (!actor.Has(Resource, Scope.GLOBAL, Operation.CREATE))
            throw ApiException.Unauthorized("You lack the permissions to do that!");
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var name = body.String("name")!;
        if (await db.Organizations.AnyAsync(o => o.Name == name))
            throw ApiException.BadRequest($"Organization with name '{name}' already exists!");
        var org = new Organization
        {
            Name = name,
            Domain = body.String("domain") ?? "",
            Address1 = body.String("address1") ?? "",
            Address2 = body.String("address2") ?? "",
            Zipcode = body.String("zipcode") ?? "",
            Country = body.String("country") ?? "",
            PublicKey = Convert.FromBase64String(body.String("public_key") ?? ""),
        };
        db.Organizations.Add(org);
        await db.SaveChangesAsync();
        return Results.Json(View(org, paths), statusCode: 201);
    }

    private static async Task<IResult> Get(int id, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var org = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id)
                  ?? throw ApiException.NotFound($"Organization id={id} not found!");
        if (!actor.On(Resource).AllowedForOrg(Operation.VIEW, id))
            throw ApiException.Unauthorized("You do not have permission to do that!");
        return Results.Json(View(org, paths));
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        var org = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id)
                  ?? throw ApiException.NotFound($"Organization with id={id} not found");
        if (!actor.On(Resource).AllowedForOrg(Operation.EDIT, id))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        var name = body.String("name");
        if (!string.IsNullOrEmpty(name) && name != org.Name)
        {
            if (await db.Organizations.AnyAsync(o => o.Name == name))
                throw ApiException.BadRequest($"Organization with name '{name}' already exists!");
            org.Name = name;
        }
        if (body.String("address1") is { } a1) org.Address1 = a1;
        if (body.String("address2") is { } a2) org.Address2 = a2;
        if (body.String("zipcode") is { } zip) org.Zipcode = zip;
        if (body.String("country") is { } country) org.Country = country;
        if (body.String("domain") is { } domain) org.Domain = domain;
        if (body.String("public_key") is { } key) org.PublicKey = Convert.FromBase64String(key);
        await db.SaveChangesAsync();
        return Results.Json(View(org, paths));
    }

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db, ActorCache actors)
    {
        if (!actor.Has(Resource, Scope.GLOBAL, Operation.DELETE))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        var org = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id)
                  ?? throw ApiException.NotFound($"Organization with id={id} not found");
        if (id == actor.OrganizationId) throw ApiException.BadRequest("You cannot delete your own organization!");

        int runs = await db.Runs.CountAsync(r => r.OrganizationId == id);
        int tasks = await db.Tasks.CountAsync(t => t.InitOrgId == id);
        int nodes = await db.Nodes.CountAsync(n => n.OrganizationId == id);
        int users = await db.Users.CountAsync(u => u.OrganizationId == id);
        int roles = await db.Roles.CountAsync(r => r.OrganizationId == id);
        if (runs + tasks + nodes + users + roles > 0 && !ctx.Request.Flag("delete_dependents"))
            throw ApiException.BadRequest(
                $"Organization has dependents: {runs} runs, {tasks} tasks, {nodes} nodes, {users} users, and {roles} roles. Please specify 'delete_dependents=true' to delete them.");

        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Runs.Where(r => r.OrganizationId == id).ExecuteDeleteAsync();
        var taskIds = await db.Tasks.Where(t => t.InitOrgId == id).Select(t => t.Id).ToListAsync();
        await Deletion.DeleteTasksAsync(db, taskIds);
        await Deletion.DeleteNodesAsync(db, db.Nodes.Where(n => n.OrganizationId == id));
        var userIds = await db.Users.Where(u => u.OrganizationId == id).Select(u => u.Id).ToListAsync();
        await Deletion.DeleteUsersAsync(db, userIds);
        var roleIds = await db.Roles.Where(r => r.OrganizationId == id).Select(r => r.Id).ToListAsync();
        await Deletion.DeleteRolesAsync(db, roleIds);
        await db.StudyMembers.Where(m => m.OrganizationId == id).ExecuteDeleteAsync();
        await db.Members.Where(m => m.OrganizationId == id).ExecuteDeleteAsync();
        db.Organizations.Remove(org);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(new { msg = $"Organization id={id} was removed from the database" });
    }

    private static bool IsBase64(string s)
    {
        Span<byte> buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }
}
