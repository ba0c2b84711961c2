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
        // One pass without LINQ: this runs for every task of every page.
        string? failure = null;
        bool severalFailures = false, active = false, initializing = false, pending = false;
        foreach (var status in runStatuses)
        {
            if (RunStatus.IsFailure(status))
            {
                if (failure is null) failure = status ?? RunStatus.Failed;
                else if (failure != (status ?? RunStatus.Failed)) severalFailures = true;
            }
            else if (status == RunStatus.Active) active = true;
            else if (status == RunStatus.Initializing) initializing = true;
            else if (status == RunStatus.Pending) pending = true;
        }
        if (failure is not null) return severalFailures ? RunStatus.Failed : failure;
        if (active) return RunStatus.Active;
        if (initializing) return RunStatus.Initializing;
        if (pending) return RunStatus.Pending;
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

        /// <summary>Which run rows to load: none, only what the task status needs, or whole rows (for runs and results).</summary>
        public enum RunRows { None, StatusOnly, Full }

        /// <param name="tasks">the tasks when the caller already has them (saves a query)</param>
        /// <param name="runs">which runs of these tasks to load</param>
        /// <param name="databases">whether the tasks' databases will be rendered</param>
        /// <param name="portRunIds">runs whose ports will be rendered (default: the loaded runs when they are full)</param>
        /// <param name="nodes">whether runs will be rendered with their node</param>
        public static async Task<Context> LoadAsync(V6DbContext db, IReadOnlyCollection<int> taskIds, IEnumerable<TaskEntity>? tasks = null,
            RunRows runs = RunRows.Full, bool databases = true, IReadOnlyCollection<int>? portRunIds = null, bool nodes = true)
        {
            // Every statement depends only on the task ids (the rest as subqueries): one command, one round trip.
            var ids = RowReader.IdList(taskIds);
            var statements = new List<RowReader.Statement>();
            var runRows = new List<Run>();
            if (runs != RunRows.None)
                statements.Add(new($"SELECT {(runs == RunRows.Full ? TaskRows.RunColumns : TaskRows.RunStatusColumns)} FROM run WHERE task_id IN ({ids}) ORDER BY id",
                    r => runRows.Add(TaskRows.ReadRun(r, runs == RunRows.Full))));
            var byId = tasks?.ToDictionary(t => t.Id);
            if (byId is null)
            {
                var loaded = new Dictionary<int, TaskEntity>();
                statements.Add(new($"SELECT {TaskRows.TaskColumns} FROM task WHERE id IN ({ids})", r => { var t = TaskRows.ReadTask(r); loaded[t.Id] = t; }));
                byId = loaded;
            }
            var databaseRows = new List<TaskDatabase>();
            if (databases)
                statements.Add(new($"SELECT id, task_id, {Schema.Quote("database")}, parameters FROM taskdatabase WHERE task_id IN ({ids}) ORDER BY id",
                    r => databaseRows.Add(new TaskDatabase { Id = r.GetInt32(0), TaskId = r.Int(1), Database = r.Text(2), Parameters = r.Text(3) })));
            var portRows = new List<AlgorithmPort>();
            var portRuns = portRunIds is not null ? (portRunIds.Count > 0 ? RowReader.IdList(portRunIds) : null)
                : runs == RunRows.Full ? $"SELECT id FROM run WHERE task_id IN ({ids})" : null;
            if (portRuns is not null)
                statements.Add(new($"SELECT id, port, run_id, label FROM algorithmport WHERE run_id IN ({portRuns}) ORDER BY id",
                    r => portRows.Add(new AlgorithmPort { Id = r.GetInt32(0), Port = r.Int(1), RunId = r.Int(2), Label = r.Text(3) })));
            var nodeRows = new List<Node>();
            if (nodes)
            {
                statements.Add(new("SELECT n.id, n.name, a.ip, a.status, n.organization_id, n.collaboration_id FROM node n JOIN authenticatable a ON a.id = n.id " +
                    $"WHERE n.collaboration_id IN (SELECT collaboration_id FROM task WHERE id IN ({ids}))",
                    r => nodeRows.Add(new Node { Id = r.GetInt32(0), Name = r.Text(1), Ip = r.Text(2), Status = r.Text(3), OrganizationId = r.Int(4), CollaborationId = r.Int(5) })));
            }
            await RowReader.BatchAsync(db, statements);
            return new Context
            {
                Runs = runRows.ToLookup(r => r.TaskId),
                Databases = databaseRows.ToLookup(d => d.TaskId),
                Ports = portRows.ToLookup(p => p.RunId),
                Nodes = nodeRows,
                Tasks = byId,
            };
        }
    }

    public static Dictionary<string, object?> Task(TaskEntity t, Context ctx, ApiPaths paths, bool includeRuns = false,
        bool includeResults = false, bool nestedInRun = false)
    {
        var runs = ctx.Runs[t.Id].ToList();
        var status = Status(runs.Select(r => r.Status));
        var view = new Dictionary<string, object?>(20)
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
        var view = new Dictionary<string, object?>(16)
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
