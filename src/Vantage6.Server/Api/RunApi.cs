using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Realtime;

namespace Vantage6.Server.Api;

/// <summary><c>/run</c> and <c>/result</c> (api-federation §7): one table seen two ways.</summary>
public static class RunApi
{
    private const string Resource = "run";

    private static readonly Func<object, string?> IsoDate = v =>
        DateTimeOffset.TryParse((string)v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _) ? null : "Not a valid datetime.";

    private static readonly BodySchema PatchSchema = new BodySchema()
        .String("started_at", checks: IsoDate)
        .String("finished_at", checks: IsoDate)
        .String("status", checks: v => RunStatus.All.Contains((string)v) ? null : $"Must be one of: {string.Join(", ", RunStatus.All)}.")
        .String("log")
        .String("result");

    public static RouteGroupBuilder MapRunApi(this RouteGroupBuilder api)
    {
        api.MapGet("/run", (HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, CountCache counts) => List(ctx, actor, db, paths, counts, results: false)).For(Callers.All);
        api.MapGet("/run/{id:int:min(0)}", (int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths) =>
            Get(id, ctx, actor, db, paths, results: false)).For(Callers.All);
        api.MapMethods("/run/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.Node);
        api.MapGet("/result", (HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, CountCache counts) => List(ctx, actor, db, paths, counts, results: true)).For(Callers.All);
        api.MapGet("/result/{id:int:min(0)}", (int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths) =>
            Get(id, ctx, actor, db, paths, results: true)).For(Callers.All);
        return api;
    }

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, CountCache counts, bool results)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        if (OwnRunsCondition(req, actor, perm) is { } own)
            return await Pagination.PageAsync(ctx, Pagination.PageRequest.Parse(ctx), page => PlainPage.ReadAsync(db, counts, "run", TaskRows.RunColumns, own,
                r => TaskRows.ReadRun(r, full: true), TaskRows.RunColumnCount, page.Skip, page.PerPage, newestFirst: true, ctx.RequestAborted), rows => Render(rows, ctx, db, paths, results));
        IQueryable<Run> q = db.Runs.AsNoTracking();
        var tasks = db.Tasks;
        int? collaborationChecked = null;
        bool nodeOrganizationFilter = false;
        if (req.Int("organization_id") is { } orgId)
        {
            if (!perm.AllowedForOrg(Operation.VIEW, orgId))
                throw ApiException.Unauthorized($"You lack the permission to view runs for organization id={orgId}!");
            q = q.Where(r => r.OrganizationId == orgId);
        }
        if (req.Int("task_id") is { } taskId)
        {
            var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId) ?? throw ApiException.BadRequest($"Task id={taskId} does not exist!");
            if (!TaskApi.CanView(actor, Resource, task)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(r => r.TaskId == taskId);
        }
        if (req.Str("node_id") is { Length: > 0 } && req.Int("node_id") is { } nodeId)
        {
            // A node polling its own runs: its organization and collaboration are known from its token.
            var node = actor.IsNode && nodeId == actor.Id
                ? new { actor.OrganizationId, CollaborationId = actor.NodeCollaborationId }
                : await db.Nodes.AsNoTracking().Where(n => n.Id == nodeId).Select(n => new { n.OrganizationId, n.CollaborationId }).FirstOrDefaultAsync()
                  ?? throw ApiException.BadRequest($"Node id={nodeId} does not exist!");
            if (!perm.CanForCollaboration(Operation.VIEW, node.CollaborationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(r => r.OrganizationId == node.OrganizationId && tasks.Any(t => t.Id == r.TaskId && t.CollaborationId == node.CollaborationId));
            nodeOrganizationFilter = node.OrganizationId is not null;
            if (perm.CanForCollaboration(Operation.VIEW, node.CollaborationId) && node.CollaborationId is not null)
                collaborationChecked = node.CollaborationId;
        }
        if (req.Int("port") is { } port) q = q.Where(r => db.AlgorithmPorts.Any(p => p.RunId == r.Id && p.Port == port));
        if (req.DateTimeValue("assigned_from") is { } af) q = q.Where(r => r.AssignedAt >= af);
        if (req.DateTimeValue("assigned_till") is { } at) q = q.Where(r => r.AssignedAt <= at);
        if (req.DateTimeValue("started_from") is { } sf) q = q.Where(r => r.StartedAt >= sf);
        if (req.DateTimeValue("started_till") is { } st) q = q.Where(r => r.StartedAt <= st);
        if (req.DateTimeValue("finished_from") is { } ff) q = q.Where(r => r.FinishedAt >= ff);
        if (req.DateTimeValue("finished_till") is { } ft) q = q.Where(r => r.FinishedAt <= ft);
        if (req.Str("state") == "open") q = q.Where(r => r.FinishedAt == null);
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collabId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(r => tasks.Any(t => t.Id == r.TaskId && t.CollaborationId == collabId));
        }
        switch (perm.MaxScope(Operation.VIEW))
        {
            case Scope.GLOBAL: break;
            // The node filter already limits runs to one collaboration the caller may see.
            case Scope.COLLABORATION when collaborationChecked is not null && actor.OrganizationCollaborations.Contains(collaborationChecked.Value): break;
            case Scope.COLLABORATION:
                var collabs = actor.OrganizationCollaborations.ToList();
                q = q.Where(r => tasks.Any(t => t.Id == r.TaskId && t.CollaborationId != null && collabs.Contains(t.CollaborationId.Value)));
                break;
            case Scope.ORGANIZATION: q = q.Where(r => r.OrganizationId == actor.OrganizationId); break;
            case Scope.OWN when actor.IsUser: q = q.Where(r => tasks.Any(t => t.Id == r.TaskId && t.InitUserId == actor.Id)); break;
            default: throw ApiException.Unauthorized("You lack the permission to do that!");
        }
        // As the reference: only runs of organizations that have a node. A node filter already limits the
        // runs to that node's organization, which has a node: no per-row check then.
        // (non-null on both sides so the database can use the index instead of a null-safe comparison)
        if (!nodeOrganizationFilter)
            q = q.Where(r => r.OrganizationId != null && db.Nodes.Any(n => n.OrganizationId != null && n.OrganizationId == r.OrganizationId));
        return await Pagination.PageAsync(ctx, db, q, rows => Render(rows, ctx, db, paths, results), results ? "Result" : "Run", newestFirst: true);
    }

    private static async Task<List<object>> Render(List<Run> rows, HttpContext ctx, V6DbContext db, ApiPaths paths, bool results)
    {
        if (results) return rows.ConvertAll(r => TaskViews.Result(r, paths));
        bool includeTask = TaskApi.Includes(ctx, "task");
        // The page's runs are rendered from the rows themselves; their tasks' runs only give an embedded task its status.
        var context = await TaskViews.Context.LoadAsync(db, rows.Where(r => r.TaskId != null).Select(r => r.TaskId!.Value).ToList(),
            runs: includeTask ? TaskViews.Context.RunRows.StatusOnly : TaskViews.Context.RunRows.None, databases: includeTask,
            portRunIds: rows.ConvertAll(r => r.Id));
        return rows.ConvertAll(r => (object)TaskViews.Run(r, context.Tasks.GetValueOrDefault(r.TaskId ?? -1), context, paths, includeTask));
    }

    /// <summary>
    /// A node polling its own runs (<c>?node_id=self[&amp;state=open][&amp;include=task]</c>, the most frequent request of all)
    /// when its rules show it every run of its collaboration: the runs of its organization in its collaboration, as plain SQL.
    /// </summary>
    private static string? OwnRunsCondition(HttpRequest req, Actor actor, ResourcePermissions perm)
    {
        if (!actor.IsNode || !Pagination.OnlyPaging(req, "node_id", "state", "include") || req.Int("node_id") != actor.Id
            || actor.OrganizationId is not { } org || actor.NodeCollaborationId is not { } collab
            || !perm.CanForCollaboration(Operation.VIEW, collab))
            return null;
        var scope = perm.MaxScope(Operation.VIEW);
        if (scope != Scope.GLOBAL && !(scope == Scope.COLLABORATION && actor.OrganizationCollaborations.Contains(collab))) return null;
        var open = req.Str("state") == "open" ? " AND finished_at IS NULL" : "";
        return FormattableString.Invariant($"organization_id = {org} AND task_id IN (SELECT id FROM task WHERE collaboration_id = {collab}){open}");
    }

    private static async Task<IResult> Get(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, bool results)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id) ?? throw ApiException.NotFound($"Run id={id} not found!");
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == run.TaskId);
        if (task is null || !TaskApi.CanView(actor, Resource, task)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (results) return Results.Json(TaskViews.Result(run, paths));
        var context = await TaskViews.Context.LoadAsync(db, [task.Id], [task], TaskViews.Context.RunRows.StatusOnly, portRunIds: [run.Id]);
        return Results.Json(TaskViews.Run(run, task, context, paths, ctx.Request.Str("include") == "task"));
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, IEventPublisher events)
    {
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id) ?? throw ApiException.NotFound($"Run id={id} not found!");
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        if (run.OrganizationId != actor.OrganizationId) throw ApiException.Unauthorized("This is not your algorithm run to PATCH!");
        if (run.FinishedAt is not null) throw ApiException.BadRequest("Cannot update an already finished algorithm run!");
        var task = await db.Tasks.AsNoTracking().FirstAsync(t => t.Id == run.TaskId);

        // Exact reference semantics: finished_at, result and log are cleared when absent.
        if (body.String("started_at") is { } started) run.StartedAt = ParseUtc(started);
        run.FinishedAt = body.String("finished_at") is { } finished ? ParseUtc(finished) : null;
        run.Result = body.String("result");
        run.Log = body.String("log");
        if (body.String("status") is { } status) run.Status = status;

        await using var tx = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        if (body.String("status") is { } newStatus && RunStatus.IsFailure(newStatus))
        {
            var now = DateTime.UtcNow;
            var siblings = await db.Runs.Where(r => r.TaskId == run.TaskId && r.Id != run.Id && r.StartedAt == null && r.FinishedAt == null).ToListAsync();
            foreach (var sibling in siblings)
            {
                sibling.Status = RunStatus.Failed;
                sibling.FinishedAt = now;
                if (string.IsNullOrEmpty(sibling.Log))
                    sibling.Log = $"Marked as failed because sibling run id={run.Id} failed with status '{newStatus}'.";
            }
            await db.SaveChangesAsync();
        }
        await tx.CommitAsync();
        events.Publish(new ServerEvent("status_update", new JsonObject { ["run_id"] = run.Id }, Rooms.Collaboration(task.CollaborationId)));
        var context = await TaskViews.Context.LoadAsync(db, [task.Id], [task], TaskViews.Context.RunRows.None, databases: false, portRunIds: [run.Id]);
        return Results.Json(TaskViews.Run(run, task, context, paths));
    }

    private static DateTime ParseUtc(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime;
}
