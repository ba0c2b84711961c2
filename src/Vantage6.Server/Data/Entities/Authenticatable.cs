namespace Vantage6.Server.Data.Entities;

/// <summary>Shared base of users and nodes (table <c>authenticatable</c>): one id space for both.</summary>
public abstract class Authenticatable
{
    public int Id { get; set; }
    /// <summary>Discriminator column: <c>user</c> or <c>node</c>.</summary>
    public string? Type { get; set; }
    public string? Ip { get; set; }
    public DateTime? LastSeen { get; set; }
    public string? Status { get; set; }
}
