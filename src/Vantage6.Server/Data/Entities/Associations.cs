namespace Vantage6.Server.Data.Entities;

// The reference's association tables have no primary key and may hold duplicate rows, so
// they are read without tracking and written with plain inserts and set-based deletes.

/// <summary>Table <c>Member</c>: organization ↔ collaboration.</summary>
public class Member { public int OrganizationId { get; set; } public int CollaborationId { get; set; } }

/// <summary>Table <c>StudyMember</c>: organization ↔ study.</summary>
public class StudyMember { public int OrganizationId { get; set; } public int StudyId { get; set; } }

/// <summary>Table <c>Permission</c>: user ↔ role.</summary>
public class UserRole { public int RoleId { get; set; } public int UserId { get; set; } }

/// <summary>Table <c>UserPermission</c>: user ↔ rule given directly.</summary>
public class UserRule { public int RuleId { get; set; } public int UserId { get; set; } }

/// <summary>Table <c>role_rule_association</c>: role ↔ rule.</summary>
public class RoleRule { public int RoleId { get; set; } public int RuleId { get; set; } }
