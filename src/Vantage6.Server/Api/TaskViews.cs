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

        /// <param name="tasks">the tasks when the caller already has them (saves a query)</param>
        /// <param name="runDetails">whether runs will be rendered (their ports and nodes are then loaded)</param>
        public static async Task<Context> LoadAsync(V6DbContext db, IReadOnlyCollection<int> taskIds, IEnumerable<TaskEntity>? tasks = null,
            bool runDetails = true)
        {
            var ids = taskIds.Distinct().ToList();
            var runs = await db.Runs.AsNoTracking().Where(r => r.TaskId != null && ids.Contains(r.TaskId.Value)).OrderBy(r => r.Id).ToListAsync();
            var runIds = runs.Select(r => r.Id).ToList();
            var byId = tasks?.ToDictionary(t => t.Id) ?? await db.Tasks.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id);
            var collabIds = byId.Values.Select(t => t.CollaborationId).Distinct().ToList();
            return new Context
            {
                Runs = runs.ToLookup(r => r.TaskId),
                Databases = (await db.TaskDatabases.AsNoTracking().Where(d => d.TaskId != null && ids.Contains(d.TaskId.Value))
                    .OrderBy(d => d.Id).ToListAsync()).ToLookup(d => d.TaskId),
                Ports = runDetails && runIds.Count > 0
                    ? (await db.AlgorithmPorts.AsNoTracking().Where(p => p.RunId != null && runIds.Contains(p.RunId.Value))
                        .OrderBy(p => p.Id).ToListAsync()).ToLookup(p => p.RunId)
                    : Array.Empty<AlgorithmPort>().ToLookup(p => p.RunId),
                Nodes = runDetails ? await db.Nodes.AsNoTracking().Where(n => collabIds.Contains(n.CollaborationId)).ToListAsync() : [],
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
