using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Data.Configurations;

// One configuration per table. Column names are derived (snake_case) in V6DbContext;
// only what differs from that convention is spelled out here.

internal sealed class AuthenticatableConfiguration : IEntityTypeConfiguration<Authenticatable>
{
    public void Configure(EntityTypeBuilder<Authenticatable> b)
    {
        b.ToTable("authenticatable");
        b.UseTptMappingStrategy();
        b.Property(a => a.Id).ValueGeneratedOnAdd();
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b) => b.ToTable("user");
}

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> b) => b.ToTable("node");
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.ToTable("organization");
        b.Property(o => o.PublicKey).HasColumnName("_public_key");
    }
}

internal sealed class CollaborationConfiguration : IEntityTypeConfiguration<Collaboration>
{
    public void Configure(EntityTypeBuilder<Collaboration> b) => b.ToTable("collaboration");
}

internal sealed class StudyConfiguration : IEntityTypeConfiguration<Study>
{
    public void Configure(EntityTypeBuilder<Study> b) => b.ToTable("study");
}

internal sealed class AlgorithmStoreConfiguration : IEntityTypeConfiguration<AlgorithmStore>
{
    public void Configure(EntityTypeBuilder<AlgorithmStore> b) => b.ToTable("algorithmstore");
}

internal sealed class TaskConfiguration : IEntityTypeConfiguration<TaskEntity>
{
    public void Configure(EntityTypeBuilder<TaskEntity> b) => b.ToTable("task");
}

internal sealed class TaskDatabaseConfiguration : IEntityTypeConfiguration<TaskDatabase>
{
    public void Configure(EntityTypeBuilder<TaskDatabase> b) => b.ToTable("taskdatabase");
}

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> b) => b.ToTable("run");
}

internal sealed class AlgorithmPortConfiguration : IEntityTypeConfiguration<AlgorithmPort>
{
    public void Configure(EntityTypeBuilder<AlgorithmPort> b) => b.ToTable("algorithmport");
}

internal sealed class NodeConfigConfiguration : IEntityTypeConfiguration<NodeConfig>
{
    public void Configure(EntityTypeBuilder<NodeConfig> b) => b.ToTable("nodeconfig");
}

internal sealed class RoleConfiguration : IEntityTypeConfiguration<Role>
{
    public void Configure(EntityTypeBuilder<Role> b) => b.ToTable("role");
}

internal sealed class RuleConfiguration : IEntityTypeConfiguration<Rule>
{
    public void Configure(EntityTypeBuilder<Rule> b) => b.ToTable("rule");
}

// Association tables: EF needs a key to insert rows; the database itself has none.
internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> b)
    {
        b.ToTable("Member");
        b.HasKey(m => new { m.OrganizationId, m.CollaborationId });
    }
}

internal sealed class StudyMemberConfiguration : IEntityTypeConfiguration<StudyMember>
{
    public void Configure(EntityTypeBuilder<StudyMember> b)
    {
        b.ToTable("StudyMember");
        b.HasKey(m => new { m.OrganizationId, m.StudyId });
    }
}

internal sealed class UserRoleConfiguration : IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<UserRole> b)
    {
        b.ToTable("Permission");
        b.HasKey(m => new { m.RoleId, m.UserId });
    }
}

internal sealed class UserRuleConfiguration : IEntityTypeConfiguration<UserRule>
{
    public void Configure(EntityTypeBuilder<UserRule> b)
    {
        b.ToTable("UserPermission");
        b.HasKey(m => new { m.RuleId, m.UserId });
    }
}

internal sealed class RoleRuleConfiguration : IEntityTypeConfiguration<RoleRule>
{
    public void Configure(EntityTypeBuilder<RoleRule> b)
    {
        b.ToTable("role_rule_association");
        b.HasKey(m => new { m.RoleId, m.RuleId });
    }
}
