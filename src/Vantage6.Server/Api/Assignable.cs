using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary>"You may only hand out what you hold" (model-and-permissions §2.7).</summary>
public static class Assignable
{
    public static async Task<List<Rule>> RulesOfRoleAsync(V6DbContext db, int roleId) =>
        await db.Rules.AsNoTracking().Where(r => db.RoleRules.Any(rr => rr.RoleId == roleId && rr.RuleId == r.Id)).ToListAsync();

    /// <summary>401 naming the first rule the caller does not hold at the same or a wider scope.</summary>
    public static void Require(Actor actor, IEnumerable<Rule> rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Name is null || rule.Scope is null || rule.Operation is null) continue;
            if (!actor.On(rule.Name).AtLeast(rule.Scope.Value, rule.Operation.Value))
                throw ApiException.Unauthorized(
                    $"You don't have the rule ({rule.Name}, {rule.Scope.Value.Word()}, {rule.Operation.Value.Word()})");
        }
    }
}
