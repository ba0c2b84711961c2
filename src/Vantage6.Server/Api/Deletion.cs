using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Api;

/// <summary>
/// Cascading deletes the reference leaves half done (model-and-permissions §3.6): tasks take their
/// descendants, runs, ports and databases along; users and roles take their association rows.
/// Callers run these inside one transaction.
/// </summary>
public static class Deletion
{
    public static async Task DeleteTasksAsync(V6DbContext db, IReadOnlyCollection<int> taskIds)
    {
        if (taskIds.Count == 0) return;
        var all = new HashSet<int>(taskIds);
        var frontier = taskIds.ToList();
        while (frontier.Count > 0)
        {
            var children = await db.Tasks.Where(t => t.ParentId != null && frontier.Contains(t.ParentId.Value) && !all.Contains(t.Id))
                .Select(t => t.Id).ToListAsync();
            frontier = children.Where(all.Add).ToList();
        }
        var ids = all.ToList();
        var runIds = db.Runs.Where(r => r.TaskId != null && ids.Contains(r.TaskId.Value)).Select(r => r.Id);
        await db.AlgorithmPorts.Where(p => p.RunId != null && runIds.Contains(p.RunId.Value)).ExecuteDeleteAsync();
        await db.Runs.Where(r => r.TaskId != null && ids.Contains(r.TaskId.Value)).ExecuteDeleteAsync();
        await db.TaskDatabases.Where(d => d.TaskId != null && ids.Contains(d.TaskId.Value)).ExecuteDeleteAsync();
        // children first would need ordering; foreign keys are not enforced, so one statement is enough
        await db.Tasks.Where(t => ids.Contains(t.Id)).ExecuteDeleteAsync();
    }

    public static async Task DeleteNodesAsync(V6DbContext db, IQueryable<Node> nodes)
    {
        var ids = await nodes.Select(n => n.Id).ToListAsync();
        if (ids.Count == 0) return;
        await db.NodeConfigs.Where(c => c.NodeId != null && ids.Contains(c.NodeId.Value)).ExecuteDeleteAsync();
        await RawSql.DeleteByIdsAsync(db, "node", ids);
        await RawSql.DeleteByIdsAsync(db, "authenticatable", ids);
    }

    public static async Task DeleteUsersAsync(V6DbContext db, IReadOnlyCollection<int> userIds)
    {
        if (userIds.Count == 0) return;
        var ids = userIds.ToList();
        await db.UserRoles.Where(p => ids.Contains(p.UserId)).ExecuteDeleteAsync();
        await db.UserRules.Where(p => ids.Contains(p.UserId)).ExecuteDeleteAsync();
        await db.Tasks.Where(t => t.InitUserId != null && ids.Contains(t.InitUserId.Value))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.InitUserId, (int?)null));
        await RawSql.DeleteByIdsAsync(db, "user", ids);
        await RawSql.DeleteByIdsAsync(db, "authenticatable", ids);
    }

    public static async Task DeleteRolesAsync(V6DbContext db, IReadOnlyCollection<int> roleIds)
    {
        if (roleIds.Count == 0) return;
        var ids = roleIds.ToList();
        await db.UserRoles.Where(p => ids.Contains(p.RoleId)).ExecuteDeleteAsync();
        await db.RoleRules.Where(p => ids.Contains(p.RoleId)).ExecuteDeleteAsync();
        await db.Roles.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync();
    }
}
