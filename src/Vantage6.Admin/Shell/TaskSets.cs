using System.Text.Json;
using Vantage6.Common;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary><c>db.Task</c>. Tasks made here are not announced to running nodes (no events).</summary>
public sealed class TaskSet(ShellSession session) : EntitySet<TaskEntity>(session)
{
    public TaskEntity New(string? name = null, string? description = null, string? image = null, Collaboration? collaboration = null,
        int? jobId = null, string? database = null, Organization? initiator = null, User? initUser = null, TaskEntity? parent = null)
    {
        var task = new TaskEntity { Name = name, Description = description, Image = image, JobId = jobId, CreatedAt = DateTime.UtcNow };
        if (collaboration is not null) task.Collaboration = collaboration;
        if (initiator is not null) task.Initiator = initiator;
        if (initUser is not null) task.InitUser = initUser;
        if (parent is not null) task.Parent = parent;
        if (database is not null)
        {
            // The database label lives in its own table, linked once the task has an id.
            Session.Track(task);
            Session.AfterInsert(() => Session.Db.TaskDatabases.Add(new TaskDatabase { TaskId = task.Id, Database = database }));
        }
        return task;
    }

    /// <summary>Highest job id plus one, or 1.</summary>
    public int NextJobId() => (Rows.Max(t => t.JobId) ?? 0) + 1;
}

/// <summary><c>db.Run</c>.</summary>
public sealed class RunSet(ShellSession session) : EntitySet<Run>(session)
{
    /// <summary>A new run; an input that is not text is stored as its JSON.</summary>
    public Run New(object? input = null, Organization? organization = null, TaskEntity? task = null, DateTime? assignedAt = null,
        string status = RunStatus.Pending)
    {
        var run = new Run
        {
            Input = input is null or string ? (string?)input : JsonSerializer.Serialize(input),
            AssignedAt = assignedAt?.ToUniversalTime(), Status = status,
        };
        if (organization is not null) run.Organization = organization;
        if (task is not null) run.Task = task;
        return run;
    }
}
