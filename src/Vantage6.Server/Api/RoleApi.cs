using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/role</c> (api-core §6). Validation errors here are <c>{"msg": {field: [...]}}</c>.</summary>
public static class RoleApi
{
    private const string Resource = "role";

    private static readonly Func<object, string?> NotDefaultName = v =>
        RuleCatalogue.DefaultRoleNames.Contains((string)v) ? "Role name cannot be one of the default roles" : null;

    // security.md (name/id confusion) overrides api-core §6.2 here: a purely numeric name is refused.
    private static readonly Func<object, string?> NotNumeric = v =>
        ((string)v).Length > 0 && ((string)v).All(char.IsDigit) ? "Name cannot a number" : null;

    private static BodySchema Schema(bool patch)
    {
        var s = new BodySchema()
            .String("name", required: !patch, checks: [NotDefaultName, NotNumeric])
            .String("description", checks: BodySchema.MaxLength(1024))
            .IntegerList("rules", required: !patch, elementChecks: BodySchema.AtLeast(1));
        return s.Integer("organization_id", checks: BodySchema.AtLeast(1));
    }

    private static readonly BodySchema CreateSchema = Schema(patch: false);
    private static readonly BodySchema PatchSchema = Schema(patch: true);
    private static ApiException RoleValidation(JsonObject errors) => new(400, new JsonObject { ["msg"] = errors });

    public static RouteGroupBuilder MapRoleApi(this RouteGroupBuilder api)
    {
        api.MapGet("/role", List).For(Callers.User);
        api.MapPost("/role", Create).For(Callers.User);
        api.MapGet("/role/{id:int:min(0)}", Get).For(Callers.User);
        api.MapMethods("/role/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.User);
        api.MapDelete("/role/{id:int:min(0)}", Delete).For(Callers.User);
        api.MapPost("/role/{id:int:min(0)}/rule/{ruleId:int:min(0)}", AddRule).For(Callers.User);
        api.MapDelete("/role/{id:int:min(0)}/rule/{ruleId:int:min(0)}", RemoveRule).For(Callers.User);
        return api;
    }

    public static object View(Role r, ApiPaths paths) => new
    {
        id = r.Id,
        name = r.Name,
        description = r.Description,
        is_default_role = r.IsDefaultRole ?? false,
        organization = paths.Link("organization", r.OrganizationId),
        rules = paths.Collection("rule", "role_id", r.Id),
        users = paths.Collection("user", "role_id", r.Id),
    };

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        bool includeRoot = req.Flag("include_root");
        IQueryable<Role> q = db.Roles.AsNoTracking();

        var orgIds = req.Ints("organization_id");
        if (orgIds.Count > 0)
        {
            foreach (var orgId in orgIds)
                if (!perm.AllowedForOrg(Operation.VIEW, orgId))
                    throw ApiException.Unauthorized($"You lack the permission to view roles from organization {orgId}!");
            q = q.Where(r => (r.OrganizationId != null && orgIds.Contains(r.OrganizationId.Value)) || (includeRoot && r.OrganizationId == null));
        }
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collabId))
                throw ApiException.Unauthorized($"You lack the permission to view roles from collaboration {collabId}!");
            var orgsInCollab = db.Members.Where(m => m.CollaborationId == collabId).Select(m => m.OrganizationId);
            q = q.Where(r => (r.OrganizationId != null && orgsInCollab.Contains(r.OrganizationId.Value)) || (includeRoot && r.OrganizationId == null));
        }
        var names = req.All("name");
        if (names.Count > 0) q = q.Where(AnyLike(names, nameof(Role.Name)));
        var descriptions = req.All("description");
        if (descriptions.Count > 0) q = q.Where(AnyLike(descriptions, nameof(Role.Description)));
        if (req.Int("rule_id") is { } ruleId)
        {
            if (!await db.Rules.AnyAsync(r => r.Id == ruleId)) throw ApiException.NotFound($"Rule with id={ruleId} not found.");
            q = q.Where(r => db.RoleRules.Any(rr => rr.RoleId == r.Id && rr.RuleId == ruleId));
        }
        if (req.Int("user_id") is { } userId)
        {
            var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.OrganizationId }).FirstOrDefaultAsync()
                       ?? throw ApiException.BadRequest($"User with id={userId} does not exist!");
            if (userId != actor.Id && !perm.AllowedForOrg(Operation.VIEW, user.OrganizationId))
                throw ApiException.Unauthorized(
                    $"You lack the permission to view roles from the organization that user id={userId} belongs to!");
            q = q.Where(r => db.UserRoles.Any(p => p.UserId == userId && p.RoleId == r.Id));
        }

        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            var own = actor.RoleIds.ToList();
            var org = actor.OrganizationId;
            if (perm.Has(Scope.COLLABORATION, Operation.VIEW))
            {
                var orgs = actor.CollaboratingOrganizations.ToList();
                q = q.Where(r => own.Contains(r.Id) || r.OrganizationId == null || r.OrganizationId == org
                                 || (r.OrganizationId != null && orgs.Contains(r.OrganizationId.Value)));
            }
            else if (perm.Has(Scope.ORGANIZATION, Operation.VIEW))
                q = q.Where(r => own.Contains(r.Id) || r.OrganizationId == null || r.OrganizationId == org);
            else q = q.Where(r => own.Contains(r.Id));
        }
        return await Pagination.PageAsync(ctx, db, q, r => View(r, paths), "Role");
    }

    /// <summary>Role name or description LIKE any of the given patterns.</summary>
    private static System.Linq.Expressions.Expression<Func<Role, bool>> AnyLike(IReadOnlyList<string> patterns, string property)
    {
        var p = System.Linq.Expressions.Expression.Parameter(typeof(Role), "r");
        var value = System.Linq.Expressions.Expression.Property(p, property);
        var like = typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string)])!;
        System.Linq.Expressions.Expression? body = null;
        foreach (var pattern in patterns)
        {
            var call = System.Linq.Expressions.Expression.Call(like, System.Linq.Expressions.Expression.Constant(EF.Functions), value,
                System.Linq.Expressions.Expression.Constant(pattern));
            body = body is null ? call : System.Linq.Expressions.Expression.OrElse(body, call);
        }
        return System.Linq.Expressions.Expression.Lambda<Func<Role, bool>>(body!, p);
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx), wrapErrors: RoleValidation);
        var ruleIds = body.IntList("rules")!;
        var rules = await db.Rules.AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToListAsync();
        var missing = ruleIds.FirstOrDefault(id => rules.All(r => r.Id != id));
        if (missing != 0) throw ApiException.NotFound($"Rule with id {missing} not found");
        Assignable.Require(actor, rules);
        var orgId = body.Int("organization_id") ?? actor.OrganizationId;
        if (!await db.Organizations.AnyAsync(o => o.Id == orgId)) throw ApiException.NotFound($"Organization \"{orgId}\" does not exist!");
        if (!actor.On(Resource).AllowedForOrg(Operation.CREATE, orgId))
            throw ApiException.Unauthorized($"You lack the permission to c roles for organization {orgId}!");

        var role = new Role { Name = body.String("name"), Description = body.String("description"), OrganizationId = orgId, IsDefaultRole = false };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Roles.Add(role);
        await db.SaveChangesAsync();
        db.RoleRules.AddRange(rules.Select(r => new RoleRule { RoleId = role.Id, RuleId = r.Id }));
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return Results.Json(View(role, paths), statusCode: 201);
    }

    private static async Task<Role> FindAsync(V6DbContext db, int id) =>
        await db.Roles.FirstOrDefaultAsync(r => r.Id == id) ?? throw ApiException.NotFound($"Role with id={id} not found.");

    private static bool IsDefault(Role role) => RuleCatalogue.DefaultRoleNames.Contains(role.Name);

    private static async Task<IResult> Get(int id, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var role = await FindAsync(db, id);
        var perm = actor.On(Resource);
        bool allowed = perm.AllowedForOrg(Operation.VIEW, role.OrganizationId) || actor.RoleIds.Contains(id)
                       || (IsDefault(role) && perm.AtLeast(Scope.ORGANIZATION, Operation.VIEW));
        if (!allowed) throw ApiException.Unauthorized("You do not have permission to view this role.");
        return Results.Json(View(role, paths));
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true, wrapErrors: RoleValidation);
        if (body.Has("organization_id")) throw ApiException.BadRequest("Cannot change role's organization");
        var role = await FindAsync(db, id);
        if (IsDefault(role)) throw ApiException.BadRequest($"Role {role.Name} is a default role and cannot be edited or deleted.");
        if (!actor.On(Resource).AllowedForOrg(Operation.EDIT, role.OrganizationId))
            throw ApiException.Unauthorized($"You lack the permission to e roles for organization {OrgText(role)}!");
        if (body.Has("name")) role.Name = body.String("name");
        if (body.Has("description")) role.Description = body.String("description");
        List<Rule>? rules = null;
        if (body.IntList("rules") is { } ruleIds)
        {
            rules = await db.Rules.AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToListAsync();
            var missing = ruleIds.FirstOrDefault(rid => rules.All(r => r.Id != rid));
            if (missing != 0) throw ApiException.NotFound($"Rule with id={missing} not found.");
            var current = await db.RoleRules.AsNoTracking().Where(rr => rr.RoleId == id).Select(rr => rr.RuleId).ToListAsync();
            Assignable.Require(actor, rules.Where(r => !current.Contains(r.Id)));
        }
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        if (rules is not null)
        {
            await db.RoleRules.Where(rr => rr.RoleId == id).ExecuteDeleteAsync();
            db.RoleRules.AddRange(rules.Select(r => new RoleRule { RoleId = id, RuleId = r.Id }));
            await db.SaveChangesAsync();
        }
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(View(role, paths));
    }

    private static string OrgText(Role role) => role.OrganizationId?.ToString() ?? "None";

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db, ActorCache actors)
    {
        var role = await FindAsync(db, id);
        if (IsDefault(role)) throw ApiException.BadRequest($"Role {role.Name} is a default role and cannot be edited or deleted.");
        if (!actor.On(Resource).AllowedForOrg(Operation.DELETE, role.OrganizationId))
            throw ApiException.Unauthorized($"You lack the permission to d roles for organization {OrgText(role)}!");
        if (await db.UserRoles.AnyAsync(p => p.RoleId == id) && !ctx.Request.Flag("delete_dependents"))
            throw ApiException.BadRequest($"Role {role.Name} is assigned to users and cannot be deleted.");
        await using var tx = await db.Database.BeginTransactionAsync();
        await Deletion.DeleteRolesAsync(db, [id]);
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(new { msg = "Role removed from the database." });
    }

    private static async Task<(Role Role, Rule Rule)> RuleChangeAsync(int id, int ruleId, Actor actor, V6DbContext db)
    {
        var role = await FindAsync(db, id);
        var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId)
                   ?? throw ApiException.NotFound($"Rule with id={ruleId} not found.");
        if (!actor.On(Resource).AllowedForOrg(Operation.EDIT, role.OrganizationId))
            throw ApiException.Unauthorized($"You lack the permission to e roles for organization {OrgText(role)}!");
        Assignable.Require(actor, [rule]);
        // Default roles are reset at every start anyway; refusing keeps the server and the database in agreement.
        if (role.IsDefaultRole == true && IsDefault(role))
            throw ApiException.BadRequest($"Role {role.Name} is a default role and cannot be edited or deleted.");
        return (role, rule);
    }

    private static async Task<List<object>> RulesOfAsync(V6DbContext db, int roleId, ApiPaths paths) =>
        (await Assignable.RulesOfRoleAsync(db, roleId)).OrderBy(r => r.Id).Select(r => RuleApi.View(r, paths)).ToList();

    private static async Task<IResult> AddRule(int id, int ruleId, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        await RuleChangeAsync(id, ruleId, actor, db);
        if (!await db.RoleRules.AnyAsync(rr => rr.RoleId == id && rr.RuleId == ruleId))
        {
            db.RoleRules.Add(new RoleRule { RoleId = id, RuleId = ruleId });
            await db.SaveChangesAsync();
            actors.InvalidateAll();
        }
        return Results.Json(await RulesOfAsync(db, id, paths), statusCode: 201);
    }

    private static async Task<IResult> RemoveRule(int id, int ruleId, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        await RuleChangeAsync(id, ruleId, actor, db);
        if (!await db.RoleRules.AnyAsync(rr => rr.RoleId == id && rr.RuleId == ruleId))
            throw ApiException.NotFound($"Rule with id={ruleId} is not part of role with id={id}");
        await db.RoleRules.Where(rr => rr.RoleId == id && rr.RuleId == ruleId).ExecuteDeleteAsync();
        actors.InvalidateAll();
        return Results.Json(await RulesOfAsync(db, id, paths));
    }
}
