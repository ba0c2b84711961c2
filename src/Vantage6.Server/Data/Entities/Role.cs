using Vantage6.Common;

namespace Vantage6.Server.Data.Entities;

public class Role
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Null for global roles (all shipped roles).</summary>
    public int? OrganizationId { get; set; }
    public bool? IsDefaultRole { get; set; }
}

public class Rule
{
    public int Id { get; set; }
    /// <summary>The resource the rule is about, e.g. <c>task</c>.</summary>
    public string? Name { get; set; }
    public Operation? Operation { get; set; }
    public Scope? Scope { get; set; }
    public string? Description { get; set; }
}
