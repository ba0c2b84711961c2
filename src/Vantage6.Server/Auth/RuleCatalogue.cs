using Vantage6.Common;
using static Vantage6.Common.Operation;
using static Vantage6.Common.Scope;

namespace Vantage6.Server.Auth;

/// <summary>A rule definition: resource × scope × operation, and which fixed roles carry it.</summary>
public sealed record RuleDefinition(string Name, Scope Scope, Operation Operation, string Description, bool Node = false, bool Container = false);

/// <summary>The 86 rules of vantage6 4.14 in registration order, and the shipped roles built from them.</summary>
public static class RuleCatalogue
{
    public const string Root = "Root", ContainerRole = "container", NodeRole = "node", Viewer = "Viewer",
        Researcher = "Researcher", OrganizationAdmin = "Organization Admin", CollaborationAdmin = "Collaboration Admin";

    public static readonly string[] DefaultRoleNames = [Root, ContainerRole, NodeRole, Viewer, Researcher, OrganizationAdmin, CollaborationAdmin];

    private static RuleDefinition R(string n, Scope s, Operation o, string d, bool node = false, bool container = false) => new(n, s, o, d, node, container);

    public static readonly RuleDefinition[] Rules =
    [
        R("node", GLOBAL, VIEW, "view any node"),
        R("node", COLLABORATION, VIEW, "view any node in your collaborations"),
        R("node", ORGANIZATION, VIEW, "view your own node info", node: true, container: true),
        R("node", GLOBAL, EDIT, "edit any node"),
        R("node", COLLABORATION, EDIT, "edit any node in your collaborations"),
        R("node", ORGANIZATION, EDIT, "edit node that is part of your organization", node: true),
        R("node", GLOBAL, CREATE, "create node for any organization"),
        R("node", COLLABORATION, CREATE, "create node for any organization in your collaborations"),
        R("node", ORGANIZATION, CREATE, "create new node for your organization"),
        R("node", GLOBAL, DELETE, "delete any node"),
        R("node", COLLABORATION, DELETE, "delete any node in your collaborations"),
        R("node", ORGANIZATION, DELETE, "delete node that is part of your organization"),
        R("collaboration", GLOBAL, VIEW, "view any collaboration"),
        R("collaboration", ORGANIZATION, VIEW, "view collaborations of your organization", node: true, container: true),
        R("collaboration", GLOBAL, EDIT, "edit any collaboration"),
        R("collaboration", COLLABORATION, EDIT, "edit any collaboration that your organization participates in"),
        R("collaboration", GLOBAL, CREATE, "create a new collaboration"),
        R("collaboration", GLOBAL, DELETE, "delete a collaboration"),
        R("collaboration", COLLABORATION, DELETE, "delete any collaboration that your organization participates in"),
        R("organization", GLOBAL, VIEW, "view any organization"),
        R("organization", ORGANIZATION, VIEW, "view your own organization info", node: true, container: true),
        R("organization", COLLABORATION, VIEW, "view collaborating organizations", node: true, container: true),
        R("organization", GLOBAL, EDIT, "edit any organization"),
        R("organization", ORGANIZATION, EDIT, "edit your own organization info", node: true),
        R("organization", COLLABORATION, EDIT, "edit collaborating organizations"),
        R("organization", GLOBAL, CREATE, "create a new organization"),
        R("organization", GLOBAL, DELETE, "delete any organization"),
        R("task", GLOBAL, VIEW, "view any task"),
        R("task", COLLABORATION, VIEW, "view tasks of your collaborations", node: true, container: true),
        R("task", ORGANIZATION, VIEW, "view tasks that your organization initiated"),
        R("task", OWN, VIEW, "view tasks that you initiated"),
        R("task", GLOBAL, CREATE, "create a new task"),
        R("task", COLLABORATION, CREATE, "create a new task for collaborations in which your organization participates with"),
        R("task", GLOBAL, DELETE, "delete a task"),
        R("task", COLLABORATION, DELETE, "delete a task from your collaborations"),
        R("task", ORGANIZATION, DELETE, "delete a task from a collaboration in which your organization participates with"),
        R("task", OWN, DELETE, "delete tasks that you created"),
        R("run", GLOBAL, VIEW, "view any run"),
        R("run", COLLABORATION, VIEW, "view runs of your organizations collaborations", node: true, container: true),
        R("run", ORGANIZATION, VIEW, "view any run of a task created by your organization"),
        R("run", OWN, VIEW, "view any run of a task created by you"),
        R("user", GLOBAL, VIEW, "View any user"),
        R("user", COLLABORATION, VIEW, "View users from your collaboration"),
        R("user", ORGANIZATION, VIEW, "View users from your organization"),
        R("user", GLOBAL, CREATE, "Create a new user for any organization"),
        R("user", COLLABORATION, CREATE, "Create a new user for organizations in your collaborations"),
        R("user", ORGANIZATION, CREATE, "Create a new user for your organization"),
        R("user", GLOBAL, EDIT, "Edit any user"),
        R("user", COLLABORATION, EDIT, "Edit any user in your collaborations"),
        R("user", ORGANIZATION, EDIT, "Edit users from your organization"),
        R("user", OWN, EDIT, "Edit your own info"),
        R("user", GLOBAL, DELETE, "Delete any user"),
        R("user", COLLABORATION, DELETE, "Delete any user in your collaborations"),
        R("user", ORGANIZATION, DELETE, "Delete users from your organization"),
        R("user", OWN, DELETE, "Delete your own account"),
        R("role", GLOBAL, VIEW, "View any role"),
        R("role", COLLABORATION, VIEW, "View any role in your collaborations"),
        R("role", ORGANIZATION, VIEW, "View the roles of your organization"),
        R("role", GLOBAL, CREATE, "Create role for any organization"),
        R("role", COLLABORATION, CREATE, "Create role for any organization in your collaborations"),
        R("role", ORGANIZATION, CREATE, "Create role for your organization"),
        R("role", GLOBAL, EDIT, "Edit any role"),
        R("role", COLLABORATION, EDIT, "Edit any role in your collaborations"),
        R("role", ORGANIZATION, EDIT, "Edit a role from your organization"),
        R("role", GLOBAL, DELETE, "Delete a role from any organization"),
        R("role", COLLABORATION, DELETE, "Delete a role from any organization in your collaborations"),
        R("role", ORGANIZATION, DELETE, "Delete a role from your organization"),
        R("port", GLOBAL, VIEW, "view any port"),
        R("port", ORGANIZATION, VIEW, "view ports of your organizations collaborations", node: true, container: true),
        R("event", ORGANIZATION, RECEIVE, "view websocket events of your organization"),
        R("event", COLLABORATION, RECEIVE, "view websocket events of your collaborations"),
        R("event", GLOBAL, RECEIVE, "view websocket events"),
        R("event", ORGANIZATION, SEND, "send websocket events for your organization"),
        R("event", COLLABORATION, SEND, "send websocket events for your collaborations"),
        R("event", GLOBAL, SEND, "send websocket events to all collaborations"),
        R("study", GLOBAL, VIEW, "view any study"),
        R("study", ORGANIZATION, VIEW, "view studies that your organization is involved in", node: true, container: true),
        R("study", COLLABORATION, VIEW, "view studies within your collaborations"),
        R("study", GLOBAL, EDIT, "edit any study"),
        R("study", COLLABORATION, EDIT, "edit studies within your collaborations"),
        R("study", ORGANIZATION, EDIT, "edit studies that your organization is involved in"),
        R("study", GLOBAL, CREATE, "create a new study"),
        R("study", COLLABORATION, CREATE, "create a new study within your collaborations"),
        R("study", GLOBAL, DELETE, "delete a study"),
        R("study", COLLABORATION, DELETE, "delete any study within your collaborations"),
        R("study", ORGANIZATION, DELETE, "delete studies that your organization is involved in"),
    ];

    private static (string, Scope, Operation) K(string n, Scope s, Operation o) => (n, s, o);

    private static readonly (string, Scope, Operation)[] ViewerRules =
    [
        K("user", OWN, EDIT), K("user", OWN, DELETE), K("user", ORGANIZATION, VIEW), K("organization", ORGANIZATION, VIEW),
        K("organization", COLLABORATION, VIEW), K("collaboration", ORGANIZATION, VIEW), K("role", ORGANIZATION, VIEW),
        K("node", ORGANIZATION, VIEW), K("node", COLLABORATION, VIEW), K("task", COLLABORATION, VIEW), K("run", COLLABORATION, VIEW),
        K("port", ORGANIZATION, VIEW), K("event", ORGANIZATION, RECEIVE), K("event", COLLABORATION, RECEIVE), K("study", ORGANIZATION, VIEW),
    ];

    private static readonly (string, Scope, Operation)[] ResearcherRules =
        [.. ViewerRules, K("task", COLLABORATION, CREATE), K("task", ORGANIZATION, DELETE)];

    private static readonly (string, Scope, Operation)[] OrgAdminRules =
    [
        .. ViewerRules, K("user", ORGANIZATION, CREATE), K("user", ORGANIZATION, EDIT), K("user", ORGANIZATION, DELETE),
        K("organization", ORGANIZATION, EDIT), K("role", ORGANIZATION, CREATE), K("role", ORGANIZATION, EDIT), K("role", ORGANIZATION, DELETE),
        K("node", ORGANIZATION, CREATE), K("node", ORGANIZATION, EDIT), K("event", ORGANIZATION, SEND),
    ];

    private static readonly (string, Scope, Operation)[] CollabAdminRules =
    [
        .. OrgAdminRules, K("task", COLLABORATION, CREATE), K("task", ORGANIZATION, DELETE),
        K("user", COLLABORATION, VIEW), K("user", COLLABORATION, CREATE), K("user", COLLABORATION, EDIT), K("organization", GLOBAL, VIEW),
        K("organization", COLLABORATION, EDIT), K("collaboration", COLLABORATION, EDIT), K("role", COLLABORATION, VIEW),
        K("node", COLLABORATION, CREATE), K("node", COLLABORATION, DELETE), K("event", COLLABORATION, SEND), K("study", COLLABORATION, VIEW),
        K("study", COLLABORATION, CREATE), K("study", COLLABORATION, EDIT), K("study", COLLABORATION, DELETE),
    ];

    /// <summary>The roles re-synchronised at every start (Root's rule set is "every rule").</summary>
    public static readonly (string Name, string Description, (string, Scope, Operation)[]? Rules)[] SyncedRoles =
    [
        (Root, "Super role", null),
        (Viewer, "Can manage their own account and view resources related to their organization", ViewerRules),
        (Researcher, "Can perform tasks, manage their own account, and view resources related to their organization", ResearcherRules),
        (OrganizationAdmin, "Can manage an organization including its users, roles, and nodes.", OrgAdminRules),
        (CollaborationAdmin, "Can manage a collaboration including its organization and users. Also has permissions of an organization admin and researcher.", CollabAdminRules),
    ];
}
