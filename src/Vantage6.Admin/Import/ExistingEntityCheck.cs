using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;

namespace Vantage6.Admin.Import;

/// <summary>
/// Existing entities are never looked up or updated (cli-and-config §4.2): importing a name that
/// is already in the database is an error. Checked up front to point at the line in the file.
/// </summary>
internal sealed class ExistingEntityCheck(V6DbContext db)
{
    public async Task RejectExistingAsync(ImportFile file, CancellationToken ct)
    {
        var orgNames = file.Organizations.Select(o => o.Name).ToList();
        var taken = (await db.Organizations.Where(o => orgNames.Contains(o.Name!)).Select(o => o.Name!).ToListAsync(ct)).ToHashSet();
        Reject(file.Organizations.Select(o => (o.Name, $"{o.Location}.name")), taken, "organization");

        var users = file.Organizations.SelectMany(o => o.Users).ToList();
        var usernames = users.Select(u => u.Username).ToList();
        taken = (await db.Users.Where(u => usernames.Contains(u.Username!)).Select(u => u.Username!).ToListAsync(ct)).ToHashSet();
        Reject(users.Select(u => (u.Username, $"{u.Location}.username")), taken, "user");

        var emails = users.Select(u => u.Columns.GetValueOrDefault("email")).OfType<string>().ToList();
        taken = (await db.Users.Where(u => emails.Contains(u.Email!)).Select(u => u.Email!).ToListAsync(ct)).ToHashSet();
        Reject(users.Where(u => u.Columns.GetValueOrDefault("email") is not null).Select(u => (u.Columns["email"]!, $"{u.Location}.email")), taken,
            "user with email");

        var collaborationNames = file.Collaborations.Select(c => c.Name).ToList();
        taken = (await db.Collaborations.Where(c => collaborationNames.Contains(c.Name!)).Select(c => c.Name!).ToListAsync(ct)).ToHashSet();
        Reject(file.Collaborations.Select(c => (c.Name, $"{c.Location}.name")), taken, "collaboration");

        var nodes = file.Collaborations.SelectMany(c => c.Participants.Select(p => (Name: p.NodeName(c.Name), Location: $"{p.Location}.name"))).ToList();
        var nodeNames = nodes.Select(n => n.Name).ToList();
        taken = (await db.Nodes.Where(n => nodeNames.Contains(n.Name!)).Select(n => n.Name!).ToListAsync(ct)).ToHashSet();
        Reject(nodes, taken, "node");
    }

    private static void Reject(IEnumerable<(string Value, string Location)> items, HashSet<string> taken, string what)
    {
        foreach (var (value, location) in items)
            if (taken.Contains(value))
                throw new ImportException(location, $"{what} '{value}' already exists in the database (existing entities are not updated)");
    }
}
