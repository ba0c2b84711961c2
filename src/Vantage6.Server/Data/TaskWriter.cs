using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Data;

/// <summary>
/// Writes a new task, its databases and one pending run per organization in one transaction, in plain SQL:
/// three statements instead of EF Core's change tracking, which cost more than the database did.
/// </summary>
internal static class TaskWriter
{
    public sealed record NewRun(int OrganizationId, string? Input);

    public sealed record NewDatabase(string Label, string Parameters);

    /// <summary>
    /// Inserts <paramref name="task"/> and sets its <c>Id</c> and, unless it has one (a subtask keeps its parent's), a new
    /// <c>JobId</c>: one more than the highest, allocated inside the transaction (SQLite transactions here take the write
    /// lock at their start; PostgreSQL takes an advisory lock), so concurrent creations never share one.
    /// </summary>
    public static async Task InsertAsync(V6DbContext db, TaskEntity task, IReadOnlyList<NewDatabase> databases, IReadOnlyList<NewRun> runs,
        bool blobStorageUsed, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var created = RowReader.DateValue(db, task.CreatedAt ?? DateTime.UtcNow);
        List<object?> values = [task.Name, task.Description, task.Image, task.CollaborationId, task.StudyId, task.ParentId, task.InitOrgId,
            task.InitUserId, created, task.AlgorithmStoreId];
        string jobId;
        if (task.JobId is not null)
        {
            values.Add(task.JobId);
            jobId = "@p10";
        }
        else
        {
            if (!db.Database.IsSqlite()) await RowReader.ExecuteAsync(db, "SELECT pg_advisory_xact_lock(6006)", [], ct);
            jobId = "(SELECT COALESCE(MAX(job_id), 0) + 1 FROM task)";
        }
        var inserted = await RowReader.ListAsync(db,
            "INSERT INTO task (name, description, image, collaboration_id, study_id, parent_id, init_org_id, init_user_id, created_at, " +
            $"algorithm_store_id, job_id) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, {jobId}) RETURNING id, job_id",
            values, r => (Id: r.GetInt32(0), JobId: r.GetInt32(1)), ct);
        (task.Id, task.JobId) = inserted[0];

        if (databases.Count > 0)
            await RowReader.ExecuteAsync(db,
                $"INSERT INTO taskdatabase (task_id, {Schema.Quote("database")}, parameters) VALUES " + Rows(databases.Count, 1, "(@p0, @p{0}, @p{1})"),
                [task.Id, .. databases.SelectMany(d => new object?[] { d.Label, d.Parameters })], ct);
        if (runs.Count > 0)
            await RowReader.ExecuteAsync(db,
                "INSERT INTO run (task_id, status, assigned_at, blob_storage_used, organization_id, input) VALUES " +
                Rows(runs.Count, 4, "(@p0, @p1, @p2, @p3, @p{0}, @p{1})"),
                [task.Id, RunStatus.Pending, created, blobStorageUsed,
                    .. runs.SelectMany(r => new object?[] { r.OrganizationId, r.Input })], ct);
        await tx.CommitAsync(ct);
    }

    /// <summary><paramref name="count"/> value tuples; each row's two own parameters are numbered after the <paramref name="shared"/> ones.</summary>
    private static string Rows(int count, int shared, string format)
    {
        var sql = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(string.Format(CultureInfo.InvariantCulture, format, shared + 2 * i, shared + 2 * i + 1));
        }
        return sql.ToString();
    }
}
