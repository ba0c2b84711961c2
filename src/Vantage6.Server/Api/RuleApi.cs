using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/rule</c> (api-core §7): readable by every logged-in user.</summary>
public static class RuleApi
{
    public static RouteGroupBuilder MapRuleApi(this RouteGroupBuilder api)
    {
        api.MapGet("/rule", List).For(Callers.User);
        api.MapGet("/rule/{id:int:min(0)}", Get).For(Callers.User);
        return api;
    }

    public static object View(Rule r, ApiPaths paths) => new
    {
        id = r.Id,
        name = r.Name,
        scope = r.Scope?.ToString(),
        operation = r.Operation?.ToString(),
        description = r.Description,
        users = paths.Collection("user", "rule_id", r.Id),
    };

    private static async Task<IResult> List(HttpContext ctx, V6DbContext db, ApiPaths paths)
    {
        var req = ctx.Request;
        IQueryable<Rule> q = db.Rules.AsNoTracking();
        if (req.Str("name") is { } name) q = q.Where(r => r.Name == name);
        if (req.Str("scope") is { } scopeText)
        {
            var scope = PermissionNames.ParseScope(scopeText);
            q = scope is null ? q.Where(_ => false) : q.Where(r => r.Scope == scope);
        }
        if (req.Str("operation") is { } opText)
        {
            var op = PermissionNames.ParseOperation(opText);
            q = op is null ? q.Where(_ => false) : q.Where(r => r.Operation == op);
        }
        if (req.Int("role_id") is { } roleId)
        {
            if (!await db.Roles.AnyAsync(r => r.Id == roleId)) throw ApiException.BadRequest($"Role with id={roleId} does not exist!");
            q = q.Where(r => db.RoleRules.Any(rr => rr.RoleId == roleId && rr.RuleId == r.Id));
        }
        if (req.Int("user_id") is { } userId)
        {
            if (!await db.Users.AnyAsync(u => u.Id == userId)) throw ApiException.BadRequest($"User with id={userId} does not exist!");
            q = q.Where(r => db.UserRules.Any(ur => ur.UserId == userId && ur.RuleId == r.Id)
                             || db.RoleRules.Any(rr => rr.RuleId == r.Id && db.UserRoles.Any(p => p.UserId == userId && p.RoleId == rr.RoleId)));
        }
        return await Pagination.PageAsync(ctx, db, q, r => View(r, paths), "Rule", allowNoPagination: true);
    }

    private static async Task<IResult> Get(int id, V6DbContext db, ApiPaths paths)
    {
        var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id) ?? throw ApiException.NotFound($"Rule id={id} not found!");
        return Results.Json(View(rule, paths));
    }
}
