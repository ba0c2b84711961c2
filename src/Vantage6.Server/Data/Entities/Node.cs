namespace Vantage6.Server.Data.Entities;

public class Node : Authenticatable
{
    public Node() => Type = "node";
    public string? Name { get; set; }
    /// <summary>bcrypt hash of the api key (a lower-case UUID); never returned by the API.</summary>
    public string? ApiKey { get; set; }
    public int? CollaborationId { get; set; }
    public int? OrganizationId { get; set; }
}
