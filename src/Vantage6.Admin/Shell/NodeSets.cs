using Vantage6.Server.Api;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary><c>db.Node</c>. The api key given to <see cref="New"/> or assigned later is hashed at save.</summary>
public sealed class NodeSet(ShellSession session) : EntitySet<Node>(session)
{
    public Node New(string? name = null, Organization? organization = null, Collaboration? collaboration = null, string? apiKey = null)
    {
        var node = new Node { Name = name, ApiKey = apiKey, Status = "offline" };
        if (organization is not null) node.Organization = organization;
        if (collaboration is not null) node.Collaboration = collaboration;
        return node;
    }

    /// <summary>The first node whose hashed api key matches, or null (the same lookup as node login).</summary>
    public Node? GetByApiKey(string apiKey) =>
        new NodeKeyIndex().FindNodeAsync(Session.Db, apiKey).GetAwaiter().GetResult() is { } id ? Get(id) : null;

    public List<Node> GetOnlineNodes() => Rows.Where(n => n.Status == "online").OrderBy(n => n.Id).ToList();

    public bool ExistsById(int organizationId, int collaborationId) =>
        Rows.Any(n => n.OrganizationId == organizationId && n.CollaborationId == collaborationId);
}
