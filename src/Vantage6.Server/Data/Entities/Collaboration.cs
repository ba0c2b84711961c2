namespace Vantage6.Server.Data.Entities;

public class Collaboration
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public bool? Encrypted { get; set; }
}

public class Study
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public int? CollaborationId { get; set; }
}

public class AlgorithmStore
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public string? Url { get; set; }
    /// <summary>Null means: available to every collaboration.</summary>
    public int? CollaborationId { get; set; }
}
