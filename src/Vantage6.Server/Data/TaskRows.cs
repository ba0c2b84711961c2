using System.Data.Common;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Data;

/// <summary>Column lists and row readers of the task and run tables, for the plain SQL reads of <see cref="RowReader"/>.</summary>
internal static class TaskRows
{
    public const string TaskColumns =
        "id, name, description, image, collaboration_id, study_id, job_id, parent_id, init_org_id, init_user_id, created_at, algorithm_store_id";

    public const int TaskColumnCount = 12;

    /// <summary>Every run column; the first four are <see cref="RunStatusColumns"/>.</summary>
    public const string RunColumns =
        "id, task_id, status, finished_at, input, organization_id, result, assigned_at, started_at, log, cleanup_at, blob_storage_used";

    /// <summary>What a task's status and finish time are derived from.</summary>
    public const string RunStatusColumns = "id, task_id, status, finished_at";

    public const int RunColumnCount = 12;

    /// <summary>A task from <see cref="TaskColumns"/>.</summary>
    public static TaskEntity ReadTask(DbDataReader r) => new()
    {
        Id = r.GetInt32(0), Name = r.Text(1), Description = r.Text(2), Image = r.Text(3), CollaborationId = r.Int(4),
        StudyId = r.Int(5), JobId = r.Int(6), ParentId = r.Int(7), InitOrgId = r.Int(8), InitUserId = r.Int(9),
        CreatedAt = r.Date(10), AlgorithmStoreId = r.Int(11),
    };

    /// <summary>A run from <see cref="RunColumns"/> (<paramref name="full"/>) or <see cref="RunStatusColumns"/>.</summary>
    public static Run ReadRun(DbDataReader r, bool full) => new()
    {
        Id = r.GetInt32(0), TaskId = r.Int(1), Status = r.Text(2), FinishedAt = r.Date(3),
        Input = full ? r.Text(4) : null, OrganizationId = full ? r.Int(5) : null, Result = full ? r.Text(6) : null,
        AssignedAt = full ? r.Date(7) : null, StartedAt = full ? r.Date(8) : null, Log = full ? r.Text(9) : null,
        CleanupAt = full ? r.Date(10) : null, BlobStorageUsed = full ? r.Bool(11) : null,
    };
}
