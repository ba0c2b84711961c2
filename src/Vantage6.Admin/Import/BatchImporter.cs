using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Vantage6.Common;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Import;

/// <summary>
/// Writes a checked import file into the database (cli-and-config §4.2) in one transaction: either
/// everything is imported or, on any problem, nothing is.
/// </summary>
public sealed class BatchImporter(V6DbContext db, IMessages messages)
{
    /// <summary>base64 of the JSON text <c>{"a": "b"}</c>: the reference's demo task input.</summary>
    public const string DemoInput = "eyJhIjogImIifQ==";
    public const string SuperRole = "super";

    public async Task ImportAsync(ImportFile file, bool dropAll, bool allowDropAll, CancellationToken ct = default)
    {
        var hashes = SecretHashing.HashAll(file, messages);
        // Opened here so that the schema step (which opens and closes the connection itself)
        // cannot close it under the transaction.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (dropAll)
            {
                if (allowDropAll)
                {
                    messages.Warn("Dropping all tables");
                    await DatabaseReset.DropAllTablesAsync(db, ct);
                }
                else messages.Error("Cannot drop tables, configuration does not allow this!");
            }
            await SchemaUpdater.UpdateAsync(db, NullLogger.Instance, ct);
            if (!await db.Rules.AnyAsync(ct))
                await new DatabaseInitializer(db, NullLogger<DatabaseInitializer>.Instance).RegisterRulesAsync(ct);
            await new ExistingEntityCheck(db).RejectExistingAsync(file, ct);

            var organizationIds = await ImportOrganizationsAsync(file, hashes, ct);
            await ImportCollaborationsAsync(file, hashes, organizationIds, ct);
            await transaction.CommitAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
            db.ChangeTracker.Clear();
        }
        messages.Info($"Imported {file.Organizations.Count} organizations, {file.Organizations.Sum(o => o.Users.Count)} users, " +
                      $"{file.Collaborations.Count} collaborations, {file.Collaborations.Sum(c => c.Participants.Count)} nodes, " +
                      $"{file.Collaborations.Sum(c => c.Tasks.Count)} tasks");
    }

    private async Task<Dictionary<string, int>> ImportOrganizationsAsync(ImportFile file, SecretHashing.Hashes hashes, CancellationToken ct)
    {
        messages.Info("Create Organizations and Users");
        var ruleIds = await db.Rules.AsNoTracking().OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(ct);
        var ids = new Dictionary<string, int>();
        foreach (var item in file.Organizations)
        {
            var organization = new Organization
            {
                Name = item.Name, Domain = item.Domain, Address1 = item.Address1, Address2 = item.Address2,
                Zipcode = item.Zipcode, Country = item.Country, PublicKey = item.PublicKey,
            };
            db.Organizations.Add(organization);
            await db.SaveChangesAsync(ct);
            ids[item.Name] = organization.Id;

            // Imported users get a per-organization role holding every rule (cli-and-config §4.2 step 3).
            var role = new Role { Name = SuperRole, Description = "Super user", OrganizationId = organization.Id, IsDefaultRole = false };
            db.Roles.Add(role);
            await db.SaveChangesAsync(ct);
            db.RoleRules.AddRange(ruleIds.Select(id => new RoleRule { RoleId = role.Id, RuleId = id }));

            var users = item.Users.Select(u => NewUser(u, hashes.Passwords[u], organization.Id)).ToList();
            db.Users.AddRange(users);
            await db.SaveChangesAsync(ct);
            db.UserRoles.AddRange(users.Select(u => new UserRole { RoleId = role.Id, UserId = u.Id }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();

            messages.Debug($"processed organization={item.Name}");
            foreach (var user in item.Users) messages.Debug($"processed user={user.Username}");
        }
        return ids;
    }

    private static User NewUser(UserItem item, string passwordHash, int organizationId)
    {
        var user = new User { OrganizationId = organizationId, FailedLoginAttempts = 0 };
        foreach (var (column, value) in item.Columns) UserColumns.Apply(user, column, value);
        user.Password = passwordHash;
        return user;
    }

    private async Task ImportCollaborationsAsync(ImportFile file, SecretHashing.Hashes hashes, Dictionary<string, int> organizationIds,
        CancellationToken ct)
    {
        messages.Info("Create collaborations");
        foreach (var item in file.Collaborations)
        {
            var collaboration = new Collaboration { Name = item.Name, Encrypted = item.Encrypted };
            db.Collaborations.Add(collaboration);
            await db.SaveChangesAsync(ct);
            messages.Debug($"processed collaboration={item.Name}");

            var memberIds = new List<int>();
            foreach (var participant in item.Participants)
            {
                var organizationId = await OrganizationIdAsync(participant, item.Name, organizationIds, ct);
                db.Members.Add(new Member { OrganizationId = organizationId, CollaborationId = collaboration.Id });
                memberIds.Add(organizationId);
                messages.Debug($"added {participant.OrganizationName} to the collaboration");
                var nodeName = participant.NodeName(item.Name);
                db.Nodes.Add(new Node
                {
                    Name = nodeName, OrganizationId = organizationId, CollaborationId = collaboration.Id,
                    ApiKey = hashes.ApiKeys[participant], Status = "offline",
                });
                messages.Debug($"added node {nodeName} to {item.Name}");
            }
            await db.SaveChangesAsync(ct);
            if (item.Tasks.Count > 0) await CreateDemoTasksAsync(item, collaboration.Id, memberIds, ct);
            db.ChangeTracker.Clear();
        }
    }

    private async Task<int> OrganizationIdAsync(ParticipantItem participant, string collaboration, Dictionary<string, int> imported,
        CancellationToken ct)
    {
        if (imported.TryGetValue(participant.OrganizationName, out var id)) return id;
        var existing = await db.Organizations.AsNoTracking().Where(o => o.Name == participant.OrganizationName)
            .OrderBy(o => o.Id).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct);
        return existing ?? throw new ImportException($"{participant.Location}.name",
            $"Organization '{participant.OrganizationName}' in collaboration '{collaboration}' does not exist");
    }

    /// <summary>One "Example task" per image, from the first participant and the first user, with a pending run per member.</summary>
    private async Task CreateDemoTasksAsync(CollaborationItem item, int collaborationId, List<int> memberIds, CancellationToken ct)
    {
        messages.Debug("Processing Task Assignments");
        var initiatorUserId = await db.Users.AsNoTracking().OrderBy(u => u.Id).Select(u => (int?)u.Id).FirstOrDefaultAsync(ct)
            ?? throw new ImportException($"{item.Location}.tasks", "tasks need an initiating user, but the database has no user at all");
        foreach (var image in item.Tasks)
        {
            var jobId = (await db.Tasks.MaxAsync(t => t.JobId, ct) ?? 0) + 1;
            var task = new TaskEntity
            {
                Name = "Example task", Image = image, CollaborationId = collaborationId, JobId = jobId,
                InitOrgId = memberIds[0], InitUserId = initiatorUserId, CreatedAt = DateTime.UtcNow,
            };
            db.Tasks.Add(task);
            await db.SaveChangesAsync(ct);
            db.Runs.AddRange(memberIds.Select(org => new Run { TaskId = task.Id, OrganizationId = org, Status = RunStatus.Pending, Input = DemoInput }));
            await db.SaveChangesAsync(ct);
            messages.Debug($"Processed task {task.Name}");
        }
    }
}
