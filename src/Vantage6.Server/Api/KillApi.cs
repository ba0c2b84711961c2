using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Realtime;

namespace Vantage6.Server.Api;

/// <summary><c>/kill/task</c> and <c>/kill/node/tasks</c> (api-federation §11).</summary>
public static class KillApi
{

    public static RouteGroupBuilder MapKillApi(this RouteGroupBuilder api)
    {
        api.MapPost("/kill/task", KillTask).For(Callers.User);
        api.MapPost("/kill/node/tasks", KillNodeTasks).For(Callers.User);
        return api;
    }

    /// <summary>Marks the unfinished runs of a task and of its direct children as killed; returns them.</summary>
    public static async Task<List<Run>> KillRunsAsync(V6DbContext db, TaskEntity task)
    {
        var taskIds = await db.Tasks.Where(t => t.Id == task.Id || t.ParentId == task.Id).Select(t => t.Id).ToListAsync();
        var runs = await db.Runs.Where(r => r.TaskId != null && taskIds.Contains(r.TaskId.Value)).ToListAsync();
        var killed = runs.Where(r => !RunStatus.IsFinished(r.Status) && r.FinishedAt is null).ToList();
        var now = DateTime.UtcNow;
        foreach (var run in killed)
        {
            run.Status = RunStatus.Killed;
            run.FinishedAt = now;
        }
        await db.SaveChangesAsync();
        return killed;
    }

    /// <summary>Tells the nodes to stop these runs; an empty list is never sent.</summary>
    public static void PublishKill(IEventPublisher events, TaskEntity task, List<Run> killed)
    {
        if (killed.Count == 0) return;
        var list = new JsonArray(killed.Select(r => (JsonNode)new JsonObject
        {
            ["task_id"] = r.TaskId, ["run_id"] = r.Id, ["organization_id"] = r.OrganizationId,
        }).ToArray());
        events.Publish(new ServerEvent("kill_containers",
            new JsonObject { ["kill_list"] = list, ["collaboration_id"] = task.CollaborationId }, Rooms.Collaboration(task.CollaborationId)));
    }

    private static async Task<IResult> KillTask(HttpContext ctx, Actor actor, V6DbContext db, IEventPublisher events)
    {
        var id = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id) ?? throw ApiException.NotFound($"Task id={id} not found");
        var statuses = await db.Runs.AsNoTracking().Where(r => r.TaskId == id).Select(r => r.Status).ToListAsync();
        if (RunStatus.IsFinished(TaskViews.Status(statuses)))
            throw ApiException.BadRequest($"Task {id} already finished with status '{TaskViews.Status(statuses)}', so cannot kill it!");
        var perm = actor.On("event");
        if (!perm.Has(Scope.GLOBAL, Operation.SEND) &&
            !(perm.Has(Scope.COLLABORATION, Operation.SEND) && actor.OrganizationCollaborations.Contains(task.CollaborationId ?? -1)))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        await using var tx = await db.Database.BeginTransactionAsync();
        var killed = await KillRunsAsync(db, task);
        await tx.CommitAsync();
        PublishKill(events, task, killed);
        return Results.Json(new { msg = $"Nodes have been instructed to kill any containers running for task {id}." });
    }

    private static async Task<IResult> KillNodeTasks(HttpContext ctx, Actor actor, V6DbContext db, IEventPublisher events)
    {
        var id = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx)).Int("id")!.Value;
        var node = await db.Nodes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id) ?? throw ApiException.NotFound($"Node id={id} not found");
        if (node.Status != "online") throw ApiException.BadRequest($"Node {id} is not online so cannot kill its tasks!");
        var perm = actor.On("event");
        bool allowed = perm.Has(Scope.GLOBAL, Operation.SEND)
                       || (perm.Has(Scope.COLLABORATION, Operation.SEND) && actor.OrganizationCollaborations.Contains(node.CollaborationId ?? -1))
                       || (perm.Has(Scope.ORGANIZATION, Operation.SEND) && node.OrganizationId == actor.OrganizationId);
        if (!allowed) throw ApiException.Unauthorized("You lack the permission to do that!");
        events.Publish(new ServerEvent("kill_containers",
            new JsonObject { ["node_id"] = node.Id, ["collaboration_id"] = node.CollaborationId }, Rooms.Collaboration(node.CollaborationId)));
        return Results.Json(new { msg = $"Node {id} has been instructed to kill all containers running on it." });
    }
}
