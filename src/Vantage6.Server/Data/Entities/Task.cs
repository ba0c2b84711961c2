namespace Vantage6.Server.Data.Entities;

public class TaskEntity
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Image { get; set; }
    public int? CollaborationId { get; set; }
    public int? StudyId { get; set; }
    public int? JobId { get; set; }
    public int? ParentId { get; set; }
    public int? InitOrgId { get; set; }
    public int? InitUserId { get; set; }
    public DateTime? CreatedAt { get; set; }
    public int? AlgorithmStoreId { get; set; }
}

public class TaskDatabase
{
    public int Id { get; set; }
    public int? TaskId { get; set; }
    /// <summary>The database label (column <c>database</c>).</summary>
    public string? Database { get; set; }
    /// <summary>Compact JSON object of the other submitted keys.</summary>
    public string? Parameters { get; set; }
}

public class Run
{
    public int Id { get; set; }
    public string? Input { get; set; }
    public int? TaskId { get; set; }
    public int? OrganizationId { get; set; }
    public string? Result { get; set; }
    public DateTime? AssignedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? Status { get; set; }
    public string? Log { get; set; }
    public DateTime? CleanupAt { get; set; }
    public bool? BlobStorageUsed { get; set; }
}

public class AlgorithmPort
{
    public int Id { get; set; }
    public int? Port { get; set; }
    public int? RunId { get; set; }
    public string? Label { get; set; }
}

public class NodeConfig
{
    public int Id { get; set; }
    public int? NodeId { get; set; }
    public string? Key { get; set; }
    public string? Value { get; set; }
}
