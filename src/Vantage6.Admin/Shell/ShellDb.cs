using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary>The shell's <c>db</c>: one entry per table (cli-and-config §5.2), plus <c>Save</c>/<c>Delete</c> for any object.</summary>
public sealed class ShellDb(ShellSession session)
{
    public OrganizationSet Organization { get; } = new(session);
    public CollaborationSet Collaboration { get; } = new(session);
    public UserSet User { get; } = new(session);
    public RoleSet Role { get; } = new(session);
    public RuleSet Rule { get; } = new(session);
    public NodeSet Node { get; } = new(session);
    public TaskSet Task { get; } = new(session);
    public RunSet Run { get; } = new(session);
    public AlgorithmStoreSet AlgorithmStore { get; } = new(session);
    public EntitySet<Study> Study { get; } = new(session);
    public EntitySet<NodeConfig> NodeConfig { get; } = new(session);
    public EntitySet<TaskDatabase> TaskDatabase { get; } = new(session);
    public EntitySet<AlgorithmPort> AlgorithmPort { get; } = new(session);
    public EntitySet<Authenticatable> Authenticatable { get; } = new(session);
    public EntitySet<Member> Member { get; } = new(session);
    public EntitySet<StudyMember> StudyMember { get; } = new(session);
    public EntitySet<UserRole> Permission { get; } = new(session);
    public EntitySet<UserRule> UserPermission { get; } = new(session);
    public EntitySet<RoleRule> RoleRuleAssociation { get; } = new(session);

    /// <summary>Adds the object when new and commits the whole session.</summary>
    public void Save(object entity) => session.Save(entity);

    public void Delete(object entity) => session.Delete(entity);

    public override string ToString() => "db: Organization, Collaboration, User, Role, Rule, Node, Task, Run, Study, AlgorithmStore, ... (try db.Organization.Help())";
}
