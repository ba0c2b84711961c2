using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using OrgEntity = Vantage6.Server.Data.Entities.Organization;
using CollabEntity = Vantage6.Server.Data.Entities.Collaboration;

namespace Vantage6.Admin.Shell;

// The reference's relationship attributes (cli-and-config §5.3), as C# 14 extension properties on
// the entity classes: lists are read from the database, many-to-many relations can be changed
// (Add/Remove, written at the next Save), and single references can be assigned.

public static class OrganizationRelations
{
    extension(OrgEntity organization)
    {
        public List<User> Users => Db.Users.Where(u => u.OrganizationId == organization.Id).ToList();
        public List<Node> Nodes => Db.Nodes.Where(n => n.OrganizationId == organization.Id).ToList();
        public List<Run> Runs => Db.Runs.Where(r => r.OrganizationId == organization.Id).ToList();
        public List<TaskEntity> CreatedTasks => Db.Tasks.Where(t => t.InitOrgId == organization.Id).ToList();
        public List<Role> Roles => Db.Roles.Where(r => r.OrganizationId == organization.Id).ToList();
        public Relation<CollabEntity> Collaborations => Relations.Members(organization);
    }

    private static V6DbContext Db => ShellSession.Current.Db;
}

public static class CollaborationRelations
{
    extension(CollabEntity collaboration)
    {
        public Relation<OrgEntity> Organizations => Relations.Members(collaboration);
        public List<Node> Nodes => Db.Nodes.Where(n => n.CollaborationId == collaboration.Id).ToList();
        public List<TaskEntity> Tasks => Db.Tasks.Where(t => t.CollaborationId == collaboration.Id).ToList();
        public List<Study> Studies => Db.Studies.Where(s => s.CollaborationId == collaboration.Id).ToList();
        public List<AlgorithmStore> AlgorithmStores =>
            Db.AlgorithmStores.Where(s => s.CollaborationId == collaboration.Id || s.CollaborationId == null).ToList();
    }

    private static V6DbContext Db => ShellSession.Current.Db;
}

public static class UserRelations
{
    extension(User user)
    {
        public OrgEntity? Organization
        {
            get => References.Get<OrgEntity>(user.OrganizationId);
            set => References.Set(user, value, id => user.OrganizationId = id);
        }

        public Relation<Role> Roles => Relations.Create<Role>(user, "roles", () => user.Id, r => r.Id,
            (db, id) => db.Roles.Where(r => db.UserRoles.Any(x => x.UserId == id && x.RoleId == r.Id)),
            (db, owner, item) => db.UserRoles.Add(new UserRole { UserId = owner, RoleId = item }),
            (db, owner, item) => db.UserRoles.Where(x => x.UserId == owner && x.RoleId == item).ExecuteDelete());

        public Relation<Rule> Rules => Relations.Create<Rule>(user, "rules", () => user.Id, r => r.Id,
            (db, id) => db.Rules.Where(r => db.UserRules.Any(x => x.UserId == id && x.RuleId == r.Id)),
            (db, owner, item) => db.UserRules.Add(new UserRule { UserId = owner, RuleId = item }),
            (db, owner, item) => db.UserRules.Where(x => x.UserId == owner && x.RuleId == item).ExecuteDelete());

        /// <summary>True when the password matches the stored hash.</summary>
        public bool CheckPassword(string password) => Vantage6.Server.Auth.PasswordHasher.Verify(password, user.Password);

        /// <summary>Applies the password rules; returns the problem, or null after saving the new password.</summary>
        public string? SetPassword(string password)
        {
            if (Vantage6.Server.Auth.PasswordPolicy.Check(password) is { } problem) return problem;
            user.Password = password;
            ShellSession.Current.Save(user);
            return null;
        }
    }
}

public static class RoleRelations
{
    extension(Role role)
    {
        public Relation<Rule> Rules => Relations.Create<Rule>(role, "rules", () => role.Id, r => r.Id,
            (db, id) => db.Rules.Where(r => db.RoleRules.Any(x => x.RoleId == id && x.RuleId == r.Id)),
            (db, owner, item) => db.RoleRules.Add(new RoleRule { RoleId = owner, RuleId = item }),
            (db, owner, item) => db.RoleRules.Where(x => x.RoleId == owner && x.RuleId == item).ExecuteDelete());

        public List<User> Users =>
            ShellSession.Current.Db.Users.Where(u => ShellSession.Current.Db.UserRoles.Any(x => x.RoleId == role.Id && x.UserId == u.Id)).ToList();

        public OrgEntity? Organization
        {
            get => References.Get<OrgEntity>(role.OrganizationId);
            set => References.Set(role, value, id => role.OrganizationId = id);
        }
    }
}

public static class NodeRelations
{
    extension(Node node)
    {
        public OrgEntity? Organization
        {
            get => References.Get<OrgEntity>(node.OrganizationId);
            set => References.Set(node, value, id => node.OrganizationId = id);
        }

        public CollabEntity? Collaboration
        {
            get => References.Get<CollabEntity>(node.CollaborationId);
            set => References.Set(node, value, id => node.CollaborationId = id);
        }
    }
}

public static class TaskRelations
{
    extension(TaskEntity task)
    {
        public CollabEntity? Collaboration
        {
            get => References.Get<CollabEntity>(task.CollaborationId);
            set => References.Set(task, value, id => task.CollaborationId = id);
        }

        /// <summary>The initiating organization.</summary>
        public OrgEntity? Initiator
        {
            get => References.Get<OrgEntity>(task.InitOrgId);
            set => References.Set(task, value, id => task.InitOrgId = id);
        }

        public User? InitUser
        {
            get => References.Get<User>(task.InitUserId);
            set => References.Set(task, value, id => task.InitUserId = id);
        }

        public TaskEntity? Parent
        {
            get => References.Get<TaskEntity>(task.ParentId);
            set => References.Set(task, value, id => task.ParentId = id);
        }

        public List<TaskEntity> Children => ShellSession.Current.Db.Tasks.Where(t => t.ParentId == task.Id).ToList();
        public List<Run> Runs => ShellSession.Current.Db.Runs.Where(r => r.TaskId == task.Id).ToList();
    }
}

public static class RunRelations
{
    extension(Run run)
    {
        public TaskEntity? Task
        {
            get => References.Get<TaskEntity>(run.TaskId);
            set => References.Set(run, value, id => run.TaskId = id);
        }

        public OrgEntity? Organization
        {
            get => References.Get<OrgEntity>(run.OrganizationId);
            set => References.Set(run, value, id => run.OrganizationId = id);
        }

        /// <summary>As the reference's <c>run.complete</c>.</summary>
        public bool Complete => run.Status == Vantage6.Common.RunStatus.Completed;
    }
}

/// <summary>Single references by foreign key; an unsaved target gets its key filled in at the save that inserts it.</summary>
internal static class References
{
    public static T? Get<T>(int? id) where T : class => id is { } key ? ShellSession.Current.Db.Find<T>(key) : null;

    public static void Set<T>(object owner, T? target, Action<int?> setKey) where T : class
    {
        var session = ShellSession.Current;
        if (target is null) { setKey(null); return; }
        var id = (int)session.Db.Entry(target).Property("Id").CurrentValue!;
        if (id != 0) { setKey(id); return; }
        session.Track(target);
        session.AfterInsert(() => setKey((int)session.Db.Entry(target).Property("Id").CurrentValue!));
    }
}

/// <summary>Many-to-many relations over the association tables.</summary>
internal static class Relations
{
    public static Relation<T> Create<T>(object owner, string name, Func<int> ownerId, Func<T, int> itemId,
        Func<V6DbContext, int, IQueryable<T>> load, Action<V6DbContext, int, int> insertRow, Action<V6DbContext, int, int> deleteRow)
        where T : class
    {
        var session = ShellSession.Current;
        return session.Relation(owner, name, () =>
        {
            var id = ownerId();
            var loaded = id == 0 ? [] : load(session.Db, id).ToList();
            return new Relation<T>(session, owner, ownerId, itemId, loaded, insertRow, deleteRow);
        });
    }

    public static Relation<CollabEntity> Members(OrgEntity organization) => Create<CollabEntity>(organization, "collaborations", () => organization.Id, c => c.Id,
        (db, id) => db.Collaborations.Where(c => db.Members.Any(m => m.OrganizationId == id && m.CollaborationId == c.Id)),
        (db, owner, item) => db.Members.Add(new Member { OrganizationId = owner, CollaborationId = item }),
        (db, owner, item) => db.Members.Where(m => m.OrganizationId == owner && m.CollaborationId == item).ExecuteDelete());

    public static Relation<OrgEntity> Members(CollabEntity collaboration) => Create<OrgEntity>(collaboration, "organizations", () => collaboration.Id, o => o.Id,
        (db, id) => db.Organizations.Where(o => db.Members.Any(m => m.CollaborationId == id && m.OrganizationId == o.Id)),
        (db, owner, item) => db.Members.Add(new Member { CollaborationId = owner, OrganizationId = item }),
        (db, owner, item) => db.Members.Where(m => m.CollaborationId == owner && m.OrganizationId == item).ExecuteDelete());

    /// <summary>Relation names per entity, for <c>Help()</c>.</summary>
    public static readonly IReadOnlyDictionary<Type, string[]> Names = new Dictionary<Type, string[]>
    {
        [typeof(OrgEntity)] = ["Collaborations", "CreatedTasks", "Nodes", "Roles", "Runs", "Users"],
        [typeof(CollabEntity)] = ["AlgorithmStores", "Nodes", "Organizations", "Studies", "Tasks"],
        [typeof(User)] = ["Organization", "Roles", "Rules"],
        [typeof(Role)] = ["Organization", "Rules", "Users"],
        [typeof(Node)] = ["Collaboration", "Organization"],
        [typeof(TaskEntity)] = ["Children", "Collaboration", "InitUser", "Initiator", "Parent", "Runs"],
        [typeof(Run)] = ["Organization", "Task"],
    };
}
