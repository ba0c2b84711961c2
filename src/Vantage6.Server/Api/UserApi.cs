using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/user</c> (api-core §4).</summary>
public static partial class UserApi
{
    private const string Resource = "user";

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9._-]+$")]
    private static partial Regex UsernamePattern();

    private static readonly Func<object, string?>[] UsernameChecks =
    [
        v => ((string)v).Length == 0 ? "Name cannot be empty" : null,
        v => ((string)v).Length > 0 && ((string)v).All(char.IsDigit) ? "Name cannot a number" : null,
        v => ((string)v).Length is < 3 or > 128 ? "Length must be between 3 and 128." : null,
        v => ((string)v).Length > 0 && !((string)v).All(char.IsDigit) && !UsernamePattern().IsMatch((string)v)
            ? $"Username {v} is invalid. Only letters, numbers, hyphens and underscores are allowed, and it should start with a letter." : null,
    ];

    // Optional fields accept null as "not given": the Python client sends organization_id: null.
    private static BodySchema Schema(bool patch) => new BodySchema()
        .String("username", required: !patch, checks: UsernameChecks)
        .Email("email", required: !patch)
        .String("password", required: !patch, checks: patch ? [] : [PasswordPolicy.CheckValue])
        .String("firstname", nullIsAbsent: true, checks: BodySchema.MaxLength(128))
        .String("lastname", nullIsAbsent: true, checks: BodySchema.MaxLength(128))
        .Integer("organization_id", nullIsAbsent: true, checks: BodySchema.AtLeast(1))
        .IntegerList("roles", nullIsAbsent: true, elementChecks: BodySchema.AtLeast(1))
        .IntegerList("rules", nullIsAbsent: true, elementChecks: BodySchema.AtLeast(1));

    private static readonly BodySchema CreateSchema = Schema(patch: false);
    private static readonly BodySchema PatchSchema = Schema(patch: true);

    public static RouteGroupBuilder MapUserApi(this RouteGroupBuilder api)
    {
        api.MapGet("/user", List).For(Callers.User);
        api.MapPost("/user", Create).For(Callers.User);
        api.MapGet("/user/{id:int:min(0)}", Get).For(Callers.User);
        api.MapMethods("/user/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.User);
        api.MapDelete("/user/{id:int:min(0)}", Delete).For(Callers.User);
        return api;
    }

    public static Dictionary<string, object?> View(User u, ApiPaths paths) => new()
    {
        ["id"] = u.Id,
        ["type"] = "user",
        ["username"] = u.Username,
        ["firstname"] = u.Firstname,
        ["lastname"] = u.Lastname,
        ["email"] = u.Email,
        ["ip"] = u.Ip,
        ["status"] = u.Status,
        ["last_seen"] = u.LastSeen,
        ["otp_secret"] = null, // the reference leaks the TOTP secret here; we never do
        ["last_email_failed_login_sent"] = u.LastEmailFailedLoginSent,
        ["last_email_recover_password_sent"] = u.LastEmailRecoverPasswordSent,
        ["organization"] = paths.Link("organization", u.OrganizationId),
        ["roles"] = paths.Collection("role", "user_id", u.Id),
        ["rules"] = paths.Collection("rule", "user_id", u.Id),
    };

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        IQueryable<User> q = db.Users.AsNoTracking();
        foreach (var field in new[] { "username", "firstname", "lastname", "email" })
        {
            if (req.Str(field) is not { } pattern) continue;
            q = field switch
            {
                "username" => q.Where(u => EF.Functions.Like(u.Username!, pattern)),
                "firstname" => q.Where(u => EF.Functions.Like(u.Firstname!, pattern)),
                "lastname" => q.Where(u => EF.Functions.Like(u.Lastname!, pattern)),
                _ => q.Where(u => EF.Functions.Like(u.Email!, pattern)),
            };
        }
        if (req.Int("organization_id") is { } orgId)
        {
            if (!perm.AllowedForOrg(Operation.VIEW, orgId))
                throw ApiException.Unauthorized($"You lack the permission view users from the organization with id {orgId}!");
            q = q.Where(u => u.OrganizationId == orgId);
        }
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collabId))
                throw ApiException.Unauthorized($"You lack the permission view all users from collaboration {collabId}!");
            q = q.Where(u => db.Members.Any(m => m.CollaborationId == collabId && m.OrganizationId == u.OrganizationId));
        }
        if (req.Int("role_id") is { } roleId)
        {
            var role = await db.Roles.AsNoTracking().FirstOrDefaultAsync(r => r.Id == roleId)
                       ?? throw ApiException.BadRequest($"Role with id={roleId} does not exist!");
            if (role.OrganizationId is not null && !perm.AllowedForOrg(Operation.VIEW, role.OrganizationId))
                throw ApiException.Unauthorized(
                    $"You lack the permission view users from the organization that role with id={role.OrganizationId} belongs to!");
            q = q.Where(u => db.UserRoles.Any(p => p.RoleId == roleId && p.UserId == u.Id));
        }
        if (req.Int("rule_id") is { } ruleId)
        {
            if (!await db.Rules.AnyAsync(r => r.Id == ruleId)) throw ApiException.BadRequest($"Rule with id={ruleId} does not exist!");
            q = q.Where(u => db.UserRules.Any(p => p.RuleId == ruleId && p.UserId == u.Id));
        }
        if (req.DateTimeValue("last_seen_from") is { } from) q = q.Where(u => u.LastSeen >= from);
        if (req.DateTimeValue("last_seen_till") is { } till) q = q.Where(u => u.LastSeen <= till);

        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            var own = actor.OrganizationId;
            if (perm.Has(Scope.COLLABORATION, Operation.VIEW))
            {
                var visible = actor.CollaboratingOrganizations.ToList();
                q = q.Where(u => u.OrganizationId == own || (u.OrganizationId != null && visible.Contains(u.OrganizationId.Value)));
            }
            else if (perm.Has(Scope.ORGANIZATION, Operation.VIEW)) q = q.Where(u => u.OrganizationId == own);
            else if (req.Str("username") == actor.Username) q = q.Where(u => u.Id == actor.Id);
            else throw ApiException.Unauthorized("You lack the permission to do that!");
        }
        return await Pagination.PageAsync(ctx, db, q, u => View(u, paths), "User");
    }

    private static async Task<IResult> Get(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id)
                   ?? throw ApiException.NotFound($"user id={id} is not found");
        if (id != actor.Id && !actor.On(Resource).AllowedForOrg(Operation.VIEW, user.OrganizationId))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        var view = View(user, paths);
        if (ctx.Request.Flag("include_permissions"))
        {
            var roles = await db.UserRoles.AsNoTracking().Where(p => p.UserId == id).Select(p => p.RoleId).Distinct().ToListAsync();
            var rules = await db.UserRules.AsNoTracking().Where(p => p.UserId == id).Select(p => p.RuleId)
                .Union(db.RoleRules.Where(rr => db.UserRoles.Any(p => p.UserId == id && p.RoleId == rr.RoleId)).Select(rr => rr.RuleId))
                .ToListAsync();
            var collabs = db.Members.Where(m => m.OrganizationId == user.OrganizationId).Select(m => m.CollaborationId);
            var orgs = await db.Members.AsNoTracking().Where(m => collabs.Contains(m.CollaborationId)).Select(m => m.OrganizationId)
                .Distinct().ToListAsync();
            view["permissions"] = new { roles, rules = rules.Distinct().Order().ToList(), orgs_in_collabs = orgs.Order().ToList() };
        }
        return Results.Json(view);
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var perm = actor.On(Resource);
        var username = body.String("username")!;
        var email = body.String("email")!;
        if (await db.Users.AnyAsync(u => u.Username == username)) throw ApiException.BadRequest("username already exists.");
        if (await db.Users.AnyAsync(u => u.Email == email)) throw ApiException.BadRequest("email already exists.");

        int? target = body.Int("organization_id") is { } given and not 0 ? given : actor.OrganizationId;
        if (target != actor.OrganizationId && perm.Has(Scope.GLOBAL, Operation.CREATE) && !await db.Organizations.AnyAsync(o => o.Id == target))
            throw ApiException.NotFound("Organization does not exist.");
        if (!perm.AllowedForOrg(Operation.CREATE, target)) throw ApiException.Unauthorized("You lack the permission to do that!");

        var roles = await db.Roles.AsNoTracking().Where(r => (body.IntList("roles") ?? new List<int>()).Contains(r.Id)).ToListAsync();
        foreach (var role in roles)
        {
            Assignable.Require(actor, await Assignable.RulesOfRoleAsync(db, role.Id));
            if (role.OrganizationId is not null && role.OrganizationId != target)
                throw ApiException.Unauthorized("You can't assign that role as the role belongs to a different organization than the user.");
        }
        var rules = await db.Rules.AsNoTracking().Where(r => (body.IntList("rules") ?? new List<int>()).Contains(r.Id)).ToListAsync();
        Assignable.Require(actor, rules);

        var user = new User
        {
            Username = username, Email = email, Firstname = body.String("firstname"), Lastname = body.String("lastname"),
            OrganizationId = target, Password = PasswordHasher.Hash(body.String("password")!), FailedLoginAttempts = 0,
        };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Users.Add(user);
        await db.SaveChangesAsync();
        db.UserRoles.AddRange(roles.Select(r => new UserRole { RoleId = r.Id, UserId = user.Id }));
        db.UserRules.AddRange(rules.Select(r => new UserRule { RuleId = r.Id, UserId = user.Id }));
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(View(user, paths), statusCode: 201);
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ActorCache actors)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id) ?? throw ApiException.NotFound($"user id={id} not found");
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        if (!string.IsNullOrEmpty(body.String("password"))) throw ApiException.BadRequest("You cannot change your password here!");
        var perm = actor.On(Resource);
        bool self = id == actor.Id;
        if (!(self && perm.Has(Scope.OWN, Operation.EDIT)) && !perm.AllowedForOrg(Operation.EDIT, user.OrganizationId))
            throw ApiException.Unauthorized("You lack the permission to do that!");

        // All checks happen before anything is saved: the change is all or nothing.
        if (body.String("username") is { } username && username != user.Username)
        {
            if (await db.Users.AnyAsync(u => u.Username == username)) throw ApiException.BadRequest("User with that username already exists");
            if (!self) throw ApiException.BadRequest("You cannot change the username of another user");
            user.Username = username;
        }
        if (body.Has("firstname")) user.Firstname = body.String("firstname");
        if (body.Has("lastname")) user.Lastname = body.String("lastname");
        if (body.String("email") is { } email && email != user.Email)
        {
            if (await db.Users.AnyAsync(u => u.Email == email)) throw ApiException.BadRequest("User with that email already exists.");
            user.Email = email;
        }

        List<int>? newRoleIds = null, newRuleIds = null;
        if (body.IntList("roles") is { } roleIds)
        {
            var roles = await db.Roles.AsNoTracking().Where(r => roleIds.Contains(r.Id)).ToListAsync();
            var missing = roleIds.FirstOrDefault(rid => roles.All(r => r.Id != rid));
            if (missing != 0) throw ApiException.NotFound($"Role={missing} can not be found!");
            if (self) throw ApiException.Unauthorized("You can't changes your own roles!");
            var current = await db.UserRoles.AsNoTracking().Where(p => p.UserId == id).Select(p => p.RoleId).ToListAsync();
            foreach (var role in roles.Where(r => !current.Contains(r.Id)))
            {
                Assignable.Require(actor, await Assignable.RulesOfRoleAsync(db, role.Id));
                if (role.OrganizationId is not null && role.OrganizationId != user.OrganizationId)
                    throw ApiException.Unauthorized(
                        "You can't assign that role to that user as the role belongs to a different organization than the user ");
            }
            foreach (var removed in current.Where(r => !roleIds.Contains(r)).Distinct())
                Assignable.Require(actor, await Assignable.RulesOfRoleAsync(db, removed));
            newRoleIds = roleIds.Distinct().ToList();
        }
        if (body.IntList("rules") is { } ruleIds)
        {
            var rules = await db.Rules.AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToListAsync();
            var missing = ruleIds.FirstOrDefault(rid => rules.All(r => r.Id != rid));
            if (missing != 0) throw ApiException.NotFound($"Rule={missing} can not be found!");
            if (self) throw ApiException.Unauthorized("You can't changes your own rules!");
            var current = await db.UserRules.AsNoTracking().Where(p => p.UserId == id).Select(p => p.RuleId).ToListAsync();
            Assignable.Require(actor, rules.Where(r => !current.Contains(r.Id)));
            var removed = await db.Rules.AsNoTracking().Where(r => current.Contains(r.Id) && !ruleIds.Contains(r.Id)).ToListAsync();
            Assignable.Require(actor, removed);
            newRuleIds = ruleIds.Distinct().ToList();
        }

        await using var tx = await db.Database.BeginTransactionAsync();
        try { await db.SaveChangesAsync(); }
        catch (DbUpdateException) { throw ApiException.BadRequest("User could not be updated with those parameters."); }
        if (newRoleIds is not null)
        {
            await db.UserRoles.Where(p => p.UserId == id).ExecuteDeleteAsync();
            db.UserRoles.AddRange(newRoleIds.Select(r => new UserRole { RoleId = r, UserId = id }));
        }
        if (newRuleIds is not null)
        {
            await db.UserRules.Where(p => p.UserId == id).ExecuteDeleteAsync();
            db.UserRules.AddRange(newRuleIds.Select(r => new UserRule { RuleId = r, UserId = id }));
        }
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(View(user, paths));
    }

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db, ActorCache actors)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id) ?? throw ApiException.NotFound($"user id={id} not found");
        var perm = actor.On(Resource);
        if (!(id == actor.Id && perm.Has(Scope.OWN, Operation.DELETE)) && !perm.AllowedForOrg(Operation.DELETE, user.OrganizationId))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        var taskIds = await db.Tasks.Where(t => t.InitUserId == id).Select(t => t.Id).ToListAsync();
        if (taskIds.Count > 0 && !ctx.Request.Flag("delete_dependents"))
            throw ApiException.BadRequest(
                $"User has created {taskIds.Count} tasks. Please delete those first, or set the `delete_dependents` parameter to true to delete them automatically together with this user.");
        await using var tx = await db.Database.BeginTransactionAsync();
        await Deletion.DeleteTasksAsync(db, taskIds);
        await Deletion.DeleteUsersAsync(db, [id]);
        await tx.CommitAsync();
        actors.InvalidateAll();
        return Results.Json(new { msg = $"user id={id} is removed from the database" });
    }
}
