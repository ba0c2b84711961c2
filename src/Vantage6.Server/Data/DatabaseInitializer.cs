using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Data;

/// <summary>
/// Start-up work on the database, in the reference's order: schema, rules, fixed roles, default
/// roles, root user. Every step only writes when something is missing or out of date, so starting
/// on an up-to-date vantage6 database changes nothing.
/// </summary>
public sealed class DatabaseInitializer(V6DbContext db, ILogger<DatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        logger.LogInformation("Initializing the database");
        await SchemaUpdater.UpdateAsync(db, logger, ct);
        await RegisterRulesAsync(ct);
        await SyncDefaultRolesAsync(ct);
        await EnsureRootUserAsync(ct);
        logger.LogInformation("Database initialized!");
    }

    /// <summary>Rules plus the fixed roles that hold them (Root, container, node); also used by the batch import.</summary>
    internal async Task RegisterRulesAsync(CancellationToken ct)
    {
        var rules = await db.Rules.AsNoTracking().ToListAsync(ct);
        var byKey = new Dictionary<(string?, Scope?, Operation?), Rule>();
        foreach (var r in rules) byKey.TryAdd((r.Name, r.Scope, r.Operation), r);

        var missing = RuleCatalogue.Rules.Where(d => !byKey.ContainsKey((d.Name, d.Scope, d.Operation))).ToList();
        if (missing.Count > 0)
        {
            // Inserted in catalogue order in one transaction, so fresh ids match the reference's.
            foreach (var d in missing)
            {
                var rule = new Rule { Name = d.Name, Scope = d.Scope, Operation = d.Operation, Description = d.Description };
                db.Rules.Add(rule);
                byKey[(d.Name, d.Scope, d.Operation)] = rule;
            }
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Registered {Count} new rules", missing.Count);
        }

        // Creation order gives the reference's fresh ids: Root=1, container=2, node=3.
        var root = await GetOrCreateFixedRoleAsync(RuleCatalogue.Root, ct);
        var container = await GetOrCreateFixedRoleAsync(RuleCatalogue.ContainerRole, ct);
        var node = await GetOrCreateFixedRoleAsync(RuleCatalogue.NodeRole, ct);
        var existingLinks = (await db.RoleRules.AsNoTracking()
                .Where(rr => rr.RoleId == root.Id || rr.RoleId == node.Id || rr.RoleId == container.Id)
                .Select(rr => new { rr.RoleId, rr.RuleId }).ToListAsync(ct))
            .Select(x => (x.RoleId, x.RuleId)).ToHashSet();
        foreach (var d in RuleCatalogue.Rules)
        {
            var ruleId = byKey[(d.Name, d.Scope, d.Operation)].Id;
            if (d.Container) AddLink(container.Id, ruleId);
            if (d.Node) AddLink(node.Id, ruleId);
            AddLink(root.Id, ruleId);
        }
        await db.SaveChangesAsync(ct);

        void AddLink(int roleId, int ruleId)
        {
            if (existingLinks.Add((roleId, ruleId))) db.RoleRules.Add(new RoleRule { RoleId = roleId, RuleId = ruleId });
        }
    }

    private async Task<Role> GetOrCreateFixedRoleAsync(string name, CancellationToken ct)
    {
        var role = await db.Roles.AsNoTracking()
            .Where(r => r.Name == name).OrderByDescending(r => r.IsDefaultRole == true).ThenBy(r => r.Id).FirstOrDefaultAsync(ct);
        if (role is not null) return role;
        role = new Role { Name = name, Description = $"{name} role", IsDefaultRole = true };
        db.Roles.Add(role);
        await db.SaveChangesAsync(ct);
        db.Entry(role).State = EntityState.Detached;
        return role;
    }

    private async Task SyncDefaultRolesAsync(CancellationToken ct)
    {
        db.ChangeTracker.Clear(); // links added above are tracked; the sync replaces sets with fresh rows
        var allRules = await db.Rules.AsNoTracking().ToListAsync(ct);
        var idByKey = new Dictionary<(string?, Scope?, Operation?), int>();
        foreach (var r in allRules) idByKey.TryAdd((r.Name, r.Scope, r.Operation), r.Id);

        foreach (var (name, description, ruleKeys) in RuleCatalogue.SyncedRoles)
        {
            var wanted = ruleKeys is null
                ? allRules.Select(r => r.Id).ToHashSet()
                : ruleKeys.Select(k => idByKey[k]).ToHashSet();
            var sameName = await db.Roles.Where(r => r.Name == name).OrderBy(r => r.Id).ToListAsync(ct);
            if (sameName.Count == 0)
            {
                var created = new Role { Name = name, Description = description, IsDefaultRole = true };
                db.Roles.Add(created);
                await db.SaveChangesAsync(ct);
                db.RoleRules.AddRange(wanted.Order().Select(id => new RoleRule { RoleId = created.Id, RuleId = id }));
                await db.SaveChangesAsync(ct);
                continue;
            }
            var role = sameName.FirstOrDefault(r => r.IsDefaultRole == true);
            if (role is null)
            {
                logger.LogWarning("A custom role is named '{Name}', like a default role; it is left as it is", name);
                continue;
            }
            var current = (await db.RoleRules.AsNoTracking().Where(rr => rr.RoleId == role.Id).Select(rr => rr.RuleId).ToListAsync(ct)).ToHashSet();
            if (current.SetEquals(wanted) && role.Description == description) continue;
            logger.LogInformation("Updating default role '{Name}'", name);
            role.Description = description;
            await db.RoleRules.Where(rr => rr.RoleId == role.Id).ExecuteDeleteAsync(ct);
            db.RoleRules.AddRange(wanted.Order().Select(id => new RoleRule { RoleId = role.Id, RuleId = id }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        db.ChangeTracker.Clear();
    }

    private async Task EnsureRootUserAsync(CancellationToken ct)
    {
        if (await db.Users.AnyAsync(u => u.Username == "root", ct)) return;
        logger.LogWarning("No root user found! Is this the first run?");

        string hash = RootPasswordHash();
        var org = await db.Organizations.FirstOrDefaultAsync(o => o.Name == "root", ct);
        if (org is null)
        {
            org = new Organization { Name = "root" };
            db.Organizations.Add(org);
            await db.SaveChangesAsync(ct);
        }
        var user = new User
        {
            Username = "root", Email = "root@domain.ext", OrganizationId = org.Id, Password = hash,
            FailedLoginAttempts = 0,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        var rootRole = await db.Roles.AsNoTracking().Where(r => r.Name == RuleCatalogue.Root && r.IsDefaultRole == true)
            .OrderBy(r => r.Id).FirstAsync(ct);
        db.UserRoles.Add(new UserRole { RoleId = rootRole.Id, UserId = user.Id });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        logger.LogWarning("Created user 'root' in organization 'root'; change its password right away");
    }

    private string RootPasswordHash()
    {
        var file = Environment.GetEnvironmentVariable("V6_INIT_SUPER_PASS_HASHED_FILE");
        var plain = Environment.GetEnvironmentVariable("V6_INIT_SUPER_PASS_HASHED");
        string? given = null;
        if (!string.IsNullOrEmpty(file))
        {
            if (!string.IsNullOrEmpty(plain))
                logger.LogWarning("Both V6_INIT_SUPER_PASS_HASHED_FILE and V6_INIT_SUPER_PASS_HASHED are set; using the file");
            given = File.ReadAllText(file).Trim();
        }
        else if (!string.IsNullOrEmpty(plain)) given = plain.Trim();

        if (given is null)
        {
            logger.LogWarning("The root user gets the password 'root'");
            return PasswordHasher.Hash("root");
        }
        if (!PasswordHasher.IsAcceptablePreHash(given))
            throw new InvalidOperationException("The initial root password hash is not a valid $2b$ bcrypt hash of a non-empty password");
        return given;
    }
}
