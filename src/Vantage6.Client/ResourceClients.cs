using System.Text.Json.Nodes;

namespace Vantage6.Client;

/// <summary>Base of the resource clients.</summary>
public abstract class ResourceClient
{
    private protected readonly V6Client Client;

    private protected ResourceClient(V6Client client) => Client = client;

    private protected static string Flag(bool deleteDependents) => deleteDependents ? "?delete_dependents=true" : "";
}

/// <summary><c>/organization</c>.</summary>
public sealed class OrganizationClient : ResourceClient
{
    internal OrganizationClient(V6Client client) : base(client) { }

    /// <summary>Lists organizations (all pages), filtered by name (SQL LIKE), country, collaboration or study.</summary>
    public Task<IReadOnlyList<Organization>> ListAsync(string? name = null, string? country = null, int? collaborationId = null,
        int? studyId = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Organization>("organization",
            new Query().Add("name", name).Add("country", country).Add("collaboration_id", collaborationId).Add("study_id", studyId),
            options, cancellationToken);

    /// <summary>Reads one organization.</summary>
    public Task<Organization> GetAsync(int id, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Organization>(Client.Api($"organization/{id}"), cancellationToken);

    /// <summary>Creates an organization (needs the global create rule).</summary>
    public Task<Organization> CreateAsync(NewOrganization organization, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Organization>(HttpMethod.Post, Client.Api("organization"), organization, cancellationToken);

    /// <summary>Changes the given fields of an organization.</summary>
    public Task<Organization> UpdateAsync(int id, OrganizationUpdate update, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Organization>(HttpMethod.Patch, Client.Api($"organization/{id}"), update, cancellationToken);

    /// <summary>Deletes an organization; with <paramref name="deleteDependents"/> also its runs, tasks, nodes, users and roles. Returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, bool deleteDependents = false, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"organization/{id}" + Flag(deleteDependents)), null, cancellationToken);
}

/// <summary><c>/user</c>.</summary>
public sealed class UserClient : ResourceClient
{
    internal UserClient(V6Client client) : base(client) { }

    /// <summary>Lists users (all pages), filtered by username (SQL LIKE), organization, collaboration, role or directly assigned rule.</summary>
    public Task<IReadOnlyList<User>> ListAsync(string? username = null, int? organizationId = null, int? collaborationId = null,
        int? roleId = null, int? ruleId = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<User>("user",
            new Query().Add("username", username).Add("organization_id", organizationId).Add("collaboration_id", collaborationId)
                .Add("role_id", roleId).Add("rule_id", ruleId),
            options, cancellationToken);

    /// <summary>Reads one user.</summary>
    public Task<User> GetAsync(int id, CancellationToken cancellationToken = default) =>
        Client.GetAsync<User>(Client.Api($"user/{id}"), cancellationToken);

    /// <summary>Creates a user.</summary>
    public Task<User> CreateAsync(NewUser user, CancellationToken cancellationToken = default) =>
        Client.SendAsync<User>(HttpMethod.Post, Client.Api("user"), user, cancellationToken);

    /// <summary>Changes the given fields of a user.</summary>
    public Task<User> UpdateAsync(int id, UserUpdate update, CancellationToken cancellationToken = default) =>
        Client.SendAsync<User>(HttpMethod.Patch, Client.Api($"user/{id}"), update, cancellationToken);

    /// <summary>Deletes a user; with <paramref name="deleteDependents"/> also the tasks the user created. Returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, bool deleteDependents = false, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"user/{id}" + Flag(deleteDependents)), null, cancellationToken);
}

/// <summary><c>/role</c>.</summary>
public sealed class RoleClient : ResourceClient
{
    internal RoleClient(V6Client client) : base(client) { }

    /// <summary>Lists roles (all pages), filtered by name (SQL LIKE), organization (plus global roles with <paramref name="includeRoot"/>), user or rule.</summary>
    public Task<IReadOnlyList<Role>> ListAsync(string? name = null, int? organizationId = null, int? userId = null, int? ruleId = null,
        bool includeRoot = false, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Role>("role",
            new Query().Add("name", name).Add("organization_id", organizationId).Add("user_id", userId).Add("rule_id", ruleId)
                .Add("include_root", includeRoot ? true : null),
            options, cancellationToken);

    /// <summary>Reads one role.</summary>
    public Task<Role> GetAsync(int id, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Role>(Client.Api($"role/{id}"), cancellationToken);

    /// <summary>Creates a role with these rules in an organization (default: the caller's).</summary>
    public Task<Role> CreateAsync(string name, IReadOnlyList<int> rules, string? description = null, int? organizationId = null,
        CancellationToken cancellationToken = default) =>
        Client.SendAsync<Role>(HttpMethod.Post, Client.Api("role"),
            new { name, description, rules, organization_id = organizationId }, cancellationToken);

    /// <summary>Changes name, description and/or the complete rule set of a role.</summary>
    public Task<Role> UpdateAsync(int id, string? name = null, string? description = null, IReadOnlyList<int>? rules = null,
        CancellationToken cancellationToken = default) =>
        Client.SendAsync<Role>(HttpMethod.Patch, Client.Api($"role/{id}"), new { name, description, rules }, cancellationToken);

    /// <summary>Deletes a role; <paramref name="deleteDependents"/> allows deleting a role that users hold. Returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, bool deleteDependents = false, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"role/{id}" + Flag(deleteDependents)), null, cancellationToken);

    /// <summary>Adds one rule to a role; returns the role's rules.</summary>
    public async Task<IReadOnlyList<Rule>> AddRuleAsync(int roleId, int ruleId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Rule>>(HttpMethod.Post, Client.Api($"role/{roleId}/rule/{ruleId}"), null, cancellationToken);

    /// <summary>Removes one rule from a role; returns the remaining rules.</summary>
    public async Task<IReadOnlyList<Rule>> RemoveRuleAsync(int roleId, int ruleId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Rule>>(HttpMethod.Delete, Client.Api($"role/{roleId}/rule/{ruleId}"), null, cancellationToken);
}

/// <summary><c>/rule</c> (read-only).</summary>
public sealed class RuleClient : ResourceClient
{
    internal RuleClient(V6Client client) : base(client) { }

    /// <summary>
    /// Lists rules (all pages), filtered by resource name, scope (<c>own</c>/<c>org</c>/<c>col</c>/<c>glo</c>
    /// or the upper-case names), operation (<c>v</c>/<c>e</c>/<c>c</c>/<c>d</c>/<c>s</c>/<c>r</c> or names), role or user.
    /// </summary>
    public Task<IReadOnlyList<Rule>> ListAsync(string? name = null, string? scope = null, string? operation = null, int? roleId = null,
        int? userId = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Rule>("rule",
            new Query().Add("name", name).Add("scope", scope).Add("operation", operation).Add("role_id", roleId).Add("user_id", userId),
            options, cancellationToken);

    /// <summary>Reads one rule.</summary>
    public Task<Rule> GetAsync(int id, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Rule>(Client.Api($"rule/{id}"), cancellationToken);
}

/// <summary><c>/collaboration</c>.</summary>
public sealed class CollaborationClient : ResourceClient
{
    internal CollaborationClient(V6Client client) : base(client) { }

    /// <summary>Lists collaborations (all pages), filtered by name (SQL LIKE), encryption or member organization.</summary>
    public Task<IReadOnlyList<Collaboration>> ListAsync(string? name = null, bool? encrypted = null, int? organizationId = null,
        bool includeOrganizations = false, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Collaboration>("collaboration",
            new Query().Add("name", name).Add("encrypted", encrypted).Add("organization_id", organizationId)
                .Add("include", includeOrganizations ? "organizations" : null),
            options, cancellationToken);

    /// <summary>Reads one collaboration (with embedded organizations when asked).</summary>
    public Task<Collaboration> GetAsync(int id, bool includeOrganizations = false, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Collaboration>(Client.Api($"collaboration/{id}", new Query().Add("include", includeOrganizations ? "organizations" : null)), cancellationToken);

    /// <summary>Creates a collaboration of these organizations.</summary>
    public Task<Collaboration> CreateAsync(string name, IReadOnlyList<int> organizationIds, bool encrypted, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Collaboration>(HttpMethod.Post, Client.Api("collaboration"),
            new { name, organization_ids = organizationIds, encrypted }, cancellationToken);

    /// <summary>Changes name, member set and/or encryption of a collaboration.</summary>
    public Task<Collaboration> UpdateAsync(int id, string? name = null, IReadOnlyList<int>? organizationIds = null, bool? encrypted = null,
        CancellationToken cancellationToken = default) =>
        Client.SendAsync<Collaboration>(HttpMethod.Patch, Client.Api($"collaboration/{id}"),
            new { name, organization_ids = organizationIds, encrypted }, cancellationToken);

    /// <summary>Deletes a collaboration; with <paramref name="deleteDependents"/> also its tasks, nodes and studies. Returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, bool deleteDependents = false, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"collaboration/{id}" + Flag(deleteDependents)), null, cancellationToken);

    /// <summary>Adds an organization; returns all member organizations.</summary>
    public async Task<IReadOnlyList<Organization>> AddOrganizationAsync(int collaborationId, int organizationId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Organization>>(HttpMethod.Post, Client.Api($"collaboration/{collaborationId}/organization"), new { id = organizationId }, cancellationToken);

    /// <summary>Removes an organization; returns the remaining member organizations.</summary>
    public async Task<IReadOnlyList<Organization>> RemoveOrganizationAsync(int collaborationId, int organizationId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Organization>>(HttpMethod.Delete, Client.Api($"collaboration/{collaborationId}/organization"), new { id = organizationId }, cancellationToken);

    /// <summary>Attaches an existing node; returns all nodes of the collaboration (short form).</summary>
    public async Task<IReadOnlyList<Node>> AddNodeAsync(int collaborationId, int nodeId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Node>>(HttpMethod.Post, Client.Api($"collaboration/{collaborationId}/node"), new { id = nodeId }, cancellationToken);

    /// <summary>Detaches a node from the collaboration; returns the server's message.</summary>
    public Task<string> RemoveNodeAsync(int collaborationId, int nodeId, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"collaboration/{collaborationId}/node"), new { id = nodeId }, cancellationToken);
}

/// <summary><c>/node</c>.</summary>
public sealed class NodeClient : ResourceClient
{
    internal NodeClient(V6Client client) : base(client) { }

    /// <summary>Lists nodes (all pages), filtered by name (SQL LIKE), organization, collaboration, study or status.</summary>
    public Task<IReadOnlyList<Node>> ListAsync(string? name = null, int? organizationId = null, int? collaborationId = null,
        int? studyId = null, string? status = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Node>("node",
            new Query().Add("name", name).Add("organization_id", organizationId).Add("collaboration_id", collaborationId)
                .Add("study_id", studyId).Add("status", status),
            options, cancellationToken);

    /// <summary>Reads one node.</summary>
    public Task<Node> GetAsync(int id, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Node>(Client.Api($"node/{id}"), cancellationToken);

    /// <summary>Registers a node for an organization (default: the caller's) in a collaboration; the answer's <see cref="Node.ApiKey"/> is shown only this once.</summary>
    public Task<Node> CreateAsync(int collaborationId, int? organizationId = null, string? name = null, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Node>(HttpMethod.Post, Client.Api("node"),
            new { collaboration_id = collaborationId, organization_id = organizationId, name }, cancellationToken);

    /// <summary>Renames a node and/or clears its VPN address.</summary>
    public Task<Node> UpdateAsync(int id, string? name = null, bool clearIp = false, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Node>(HttpMethod.Patch, Client.Api($"node/{id}"), new { name, clear_ip = clearIp ? true : (bool?)null }, cancellationToken);

    /// <summary>Deletes a node; returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"node/{id}"), null, cancellationToken);

    /// <summary>Tells an online node to stop every algorithm it runs; returns the server's message.</summary>
    public Task<string> KillTasksAsync(int id, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Post, Client.Api("kill/node/tasks"), new { id }, cancellationToken);

    /// <summary>Gives a node a new API key (the old one stops working) and returns it.</summary>
    public async Task<string> ResetApiKeyAsync(int id, CancellationToken cancellationToken = default) =>
        (await Client.SendAsync(HttpMethod.Post, Client.Api("recover/node"), new { id }, true, cancellationToken)).Json?["api_key"]?.GetValue<string>()
        ?? throw new V6ApiException(200, "The answer has no api_key.", null);
}

/// <summary><c>/study</c>.</summary>
public sealed class StudyClient : ResourceClient
{
    internal StudyClient(V6Client client) : base(client) { }

    /// <summary>Lists studies (all pages), filtered by name (SQL LIKE), organization or collaboration.</summary>
    public Task<IReadOnlyList<Study>> ListAsync(string? name = null, int? organizationId = null, int? collaborationId = null,
        bool includeOrganizations = false, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Study>("study",
            new Query().Add("name", name).Add("organization_id", organizationId).Add("collaboration_id", collaborationId)
                .Add("include", includeOrganizations ? "organizations" : null),
            options, cancellationToken);

    /// <summary>Reads one study.</summary>
    public Task<Study> GetAsync(int id, bool includeOrganizations = false, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Study>(Client.Api($"study/{id}", new Query().Add("include", includeOrganizations ? "organizations" : null)), cancellationToken);

    /// <summary>Creates a study of some organizations of a collaboration.</summary>
    public Task<Study> CreateAsync(string name, int collaborationId, IReadOnlyList<int> organizationIds, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Study>(HttpMethod.Post, Client.Api("study"),
            new { name, collaboration_id = collaborationId, organization_ids = organizationIds }, cancellationToken);

    /// <summary>Renames a study and/or replaces its organizations.</summary>
    public Task<Study> UpdateAsync(int id, string? name = null, IReadOnlyList<int>? organizationIds = null, CancellationToken cancellationToken = default) =>
        Client.SendAsync<Study>(HttpMethod.Patch, Client.Api($"study/{id}"), new { name, organization_ids = organizationIds }, cancellationToken);

    /// <summary>Deletes a study; with <paramref name="deleteDependents"/> also its tasks. Returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, bool deleteDependents = false, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"study/{id}" + Flag(deleteDependents)), null, cancellationToken);

    /// <summary>Adds an organization of the collaboration; returns the study's organizations.</summary>
    public async Task<IReadOnlyList<Organization>> AddOrganizationAsync(int studyId, int organizationId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Organization>>(HttpMethod.Post, Client.Api($"study/{studyId}/organization"), new { id = organizationId }, cancellationToken);

    /// <summary>Removes an organization; returns the remaining organizations.</summary>
    public async Task<IReadOnlyList<Organization>> RemoveOrganizationAsync(int studyId, int organizationId, CancellationToken cancellationToken = default) =>
        await Client.SendAsync<List<Organization>>(HttpMethod.Delete, Client.Api($"study/{studyId}/organization"), new { id = organizationId }, cancellationToken);
}
