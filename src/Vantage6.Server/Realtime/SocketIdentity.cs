namespace Vantage6.Server.Realtime;

public enum SocketClientKind { User, Node }

/// <summary>
/// Who an authenticated <c>/tasks</c> socket belongs to, fixed at connect time
/// (node-protocol §1.9 step 5): kind, id, display name and the rooms it joined.
/// </summary>
public sealed record SocketIdentity(SocketClientKind Kind, int Id, string Name, int? OrganizationId, int? CollaborationId,
    IReadOnlyList<string> Rooms)
{
    public bool IsNode => Kind == SocketClientKind.Node;
    /// <summary>Prefix of the join announcement: <c>Node</c> or <c>User</c>.</summary>
    public string TypeLabel => IsNode ? "Node" : "User";
}
