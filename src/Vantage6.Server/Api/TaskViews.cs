using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary>Task status derivation and the JSON shapes of tasks, runs and results (api-federation §2.4–2.6).</summary>
public static class TaskViews
{
    /// <summary>Derived task status (model-and-permissions §1.10).</summary>
    public static string Status(IEnumerable<string?> runStatuses)
    {
        var statuses = runStatuses.ToList();
        var failed = statuses.Where(RunStatus.IsFailure).Distinct().ToList();
        if (failed.Count > 0) return failed.Count == 1 ? failed[0] ?? RunStatus.Failed : RunStatus.Failed;
        if (statuses.Contains(RunStatus.Active)) return RunStatus.Active;
        if (statuses.Contains(RunStatus.Initializing)) return RunStatus.Initializing;
        if (statuses.Contains(RunStatus.Pending)) return RunStatus.Pending;
        return RunStatus.Completed;
    }

    public static DateTime? FinishedAt(string status, IReadOnlyCollection<Run> runs) =>
        status == RunStatus.Completed && runs.Count > 0 ? runs.Select(r => r.FinishedAt).Where(f => f is not null).Max() : null;

    /// <summary>Everything needed to render tasks of one page without a query per task.</summary>
    public sealed class Context
    {
        public required ILookup<int?, Run> Runs { get; init; }
        public required ILookup<int?, TaskDatabase> Databases { get; init; }
        public required ILookup<int?, AlgorithmPort> Ports { get; init; }
        public required IReadOnlyList<Node> Nodes { get; init; }
        public required IReadOnlyDictionary<int, TaskEntity> Tasks { get; init; }

        // These run for every task or run listing.
        private static readonly CompiledQuery<Func<V6DbContext, int[], IAsyncEnumerable<Run>>> RunsOfTasks = new(() =>
            EF.CompileAsyncQuery<V6DbContext, int[], Run>((db, ids) =>
                db.Runs.AsNoTracking().Where(r => r.TaskId != null && ids.Contains(r.TaskId.Value)).OrderBy(r => r.Id)));
        private static readonly CompiledQuery<Func<V6DbContext, int[], IAsyncEnumerable<TaskEntity>>> TasksById = new(() =>
            EF.CompileAsyncQuery<V6DbContext, int[], TaskEntity>((db, ids) => db.Tasks.AsNoTracking().Where(t => ids.Contains(t.Id))));
        private static readonly CompiledQuery<Func<V6DbContext, int[], IAsyncEnumerable<TaskDatabase>>> DatabasesOfTasks = new(() =>
            EF.CompileAsyncQuery<V6DbContext, int[], TaskDatabase>((db, ids) =>
                db.TaskDatabases.AsNoTracking().Where(d => d.TaskId != null && ids.Contains(d.TaskId.Value)).OrderBy(d => d.Id)));
        private static readonly CompiledQuery<Func<V6DbContext, int[], IAsyncEnumerable<AlgorithmPort>>> PortsOfRuns = new(() =>
            EF.CompileAsyncQuery<V6DbContext, int[], AlgorithmPort>((db, ids) =>
                db.AlgorithmPorts.AsNoTracking().Where(p => p.RunId != null && ids.Contains(p.RunId.Value)).OrderBy(p => p.Id)));
        // Non-null ids against a non-null column: a list that may hold null makes EF Core generate the SQL per call.
        private static readonly CompiledQuery<Func<V6DbContext, int[], IAsyncEnumerable<Node>>> NodesOfCollaborations = new(() =>
            EF.CompileAsyncQuery<V6DbContext, int[], Node>((db, ids) =>
                db.Nodes.AsNoTracking().Where(n => n.CollaborationId != null && ids.Contains(n.CollaborationId.Value))));

        /// <param name="tasks">the tasks when the caller already has them (saves a query)</param>
        /// <param name="runDetails">whether runs will be rendered (their ports and nodes are then loaded)</param>
        public static async Task<Context> LoadAsync(V6DbContext db, IReadOnlyCollection<int> taskIds, IEnumerable<TaskEntity>? tasks = null,
            bool runDetails = true)
        {
            var ids = taskIds.Distinct().ToArray();
            var runs = await RunsOfTasks.For(db)(db, ids).ToListAsync();
            var byId = tasks?.ToDictionary(t => t.Id) ?? await TasksById.For(db)(db, ids).ToDictionaryAsync(t => t.Id);
            var runIds = runs.Select(r => r.Id).ToArray();
            var collabIds = byId.Values.Where(t => t.CollaborationId is not null).Select(t => t.CollaborationId!.Value).Distinct().ToArray();
            return new Context
            {
                Runs = runs.ToLookup(r => r.TaskId),
                Databases = (await DatabasesOfTasks.For(db)(db, ids).ToListAsync()).ToLookup(d => d.TaskId),
                Ports = runDetails && runIds.Length > 0
                    ? (await PortsOfRuns.For(db)(db, runIds).ToListAsync()).ToLookup(p => p.RunId)
                    : Array.Empty<AlgorithmPort>().ToLookup(p => p.RunId),
                Nodes = runDetails && collabIds.Length > 0 ? await NodesOfCollaborations.For(db)(db, collabIds).ToListAsync() : [],
                Tasks = byId,
            };
        }
    }

    public static Dictionary<string, object?> Task(TaskEntity t, Context ctx, ApiPaths paths, bool includeRuns = false,
        bool includeResults = false, bool nestedInRun = false)
    {
        var runs = ctx.Runs[t.Id].ToList();
        var status = Status(runs.Select(r => r.Status));
        var view = new Dictionary<string, object?>
        {
            ["id"] = t.Id,
            ["name"] = t.Name,
            ["description"] = t.Description,
            ["image"] = t.Image,
            ["job_id"] = t.JobId,
            ["created_at"] = t.CreatedAt,
            ["status"] = status,
            ["finished_at"] = FinishedAt(status, runs),
            ["collaboration"] = paths.Link("collaboration", t.CollaborationId),
            ["study"] = paths.Link("study", t.StudyId),
            ["algorithm_store"] = paths.Link("algorithmstore", t.AlgorithmStoreId),
            ["parent"] = paths.Link("task", t.ParentId),
            ["init_org"] = paths.Link("organization", t.InitOrgId),
            ["init_user"] = paths.Link("user", t.InitUserId),
            ["databases"] = ctx.Databases[t.Id].Select(d => new { label = d.Database, parameters = d.Parameters ?? "{}" }).ToList(),
        };
        if (!nestedInRun)
            view["runs"] = includeRuns ? runs.Select(r => Run(r, t, ctx, paths)).ToList() : paths.Collection("run", "task_id", t.Id);
        view["results"] = includeResults ? runs.Select(r => Result(r, paths)).ToList() : paths.Collection("result", "task_id", t.Id);
        view["children"] = paths.Collection("task", "parent_id", t.Id);
        return view;
    }

    public static Dictionary<string, object?> Run(Run r, TaskEntity? task, Context ctx, ApiPaths paths, bool includeTask = false)
    {
        var node = task is null ? null : ctx.Nodes.FirstOrDefault(n => n.OrganizationId == r.OrganizationId && n.CollaborationId == task.CollaborationId);
        var view = new Dictionary<string, object?>
        {
            ["id"] = r.Id,
            ["input"] = r.Input,
            ["status"] = r.Status,
            ["assigned_at"] = r.AssignedAt,
            ["started_at"] = r.StartedAt,
            ["finished_at"] = r.FinishedAt,
            ["log"] = r.Log,
            ["cleanup_at"] = r.CleanupAt,
            ["blob_storage_used"] = r.BlobStorageUsed,
            ["organization"] = paths.Link("organization", r.OrganizationId),
            ["task"] = includeTask && task is not null ? Task(task, ctx, paths, nestedInRun: true) : paths.Link("task", r.TaskId),
            ["results"] = new ApiPaths.LinkObject(r.Id, paths.Path($"result/{r.Id}"), ["GET", "PATCH"]),
            ["node"] = node is null ? new Dictionary<string, object?>() : new { id = node.Id, name = node.Name, ip = node.Ip, status = node.Status },
            ["ports"] = ctx.Ports[r.Id].Select(p => new { id = p.Id, port = p.Port, label = p.Label }).ToList(),
        };
        return view;
    }

    public static object Result(Run r, ApiPaths paths) => new
    {
        id = r.Id,
        result = r.Result,
        cleanup_at = r.CleanupAt,
        blob_storage_used = r.BlobStorageUsed,
        task = paths.Link("task", r.TaskId),
        run = new ApiPaths.LinkObject(r.Id, paths.Path($"run/{r.Id}"), ["GET", "PATCH"]),
    };
}
