namespace Vantage6.Admin.Import;

// The validated content of an import file (cli-and-config §4.1). Each item keeps its location in
// the file so that problems found later, against the database, can still point at it.

public sealed record ImportFile(IReadOnlyList<OrganizationItem> Organizations, IReadOnlyList<CollaborationItem> Collaborations);

public sealed record OrganizationItem(
    string Location, string Name, string? Domain, string? Address1, string? Address2, string? Zipcode, string? Country,
    byte[] PublicKey, IReadOnlyList<UserItem> Users);

/// <summary>A user: known columns by their column name, values still as YAML text (null for an empty value).</summary>
public sealed record UserItem(string Location, string Username, string Password, IReadOnlyDictionary<string, string?> Columns);

public sealed record CollaborationItem(
    string Location, string Name, bool Encrypted, IReadOnlyList<ParticipantItem> Participants, IReadOnlyList<string> Tasks);

public sealed record ParticipantItem(string Location, string OrganizationName, string ApiKey)
{
    /// <summary>The reference's node name (cli-and-config §4.2).</summary>
    public string NodeName(string collaboration) => $"{OrganizationName} - {collaboration} Node";
}
