using Vantage6.Common;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary><c>db.User</c>. The password given to <see cref="New"/> or assigned later is hashed at save.</summary>
public sealed class UserSet(ShellSession session) : EntitySet<User>(session)
{
    public User New(string? username = null, string? password = null, string? firstname = null, string? lastname = null,
        string? email = null, Organization? organization = null, IEnumerable<Role>? roles = null, IEnumerable<Rule>? rules = null)
    {
        var user = new User { Username = username, Password = password, Firstname = firstname, Lastname = lastname, Email = email, FailedLoginAttempts = 0 };
        if (organization is not null) user.Organization = organization;
        if (roles is not null) user.Roles.AddRange(roles);
        if (rules is not null) user.Rules.AddRange(rules);
        return user;
    }

    /// <summary>The user; throws when there is none (as the reference).</summary>
    public User GetByUsername(string username) =>
        Rows.FirstOrDefault(u => u.Username == username) ?? throw new InvalidOperationException($"No user with username '{username}'");

    public User GetByEmail(string email) =>
        Rows.FirstOrDefault(u => u.Email == email) ?? throw new InvalidOperationException($"No user with email '{email}'");

    public bool UsernameExists(string username) => Rows.Any(u => u.Username == username);

    public User? GetFirstUser() => Rows.OrderBy(u => u.Id).FirstOrDefault();
}

/// <summary><c>db.Role</c>.</summary>
public sealed class RoleSet(ShellSession session) : EntitySet<Role>(session)
{
    public Role New(string? name = null, string? description = null, Organization? organization = null, IEnumerable<Rule>? rules = null)
    {
        var role = new Role { Name = name, Description = description, IsDefaultRole = false };
        if (organization is not null) role.Organization = organization;
        if (rules is not null) role.Rules.AddRange(rules);
        return role;
    }

    /// <summary>First role with this name (optionally only default or only custom roles), or null.</summary>
    public Role? GetByName(string name, bool? isDefaultRole = null) =>
        Rows.Where(r => r.Name == name && (isDefaultRole == null || r.IsDefaultRole == isDefaultRole)).OrderBy(r => r.Id).FirstOrDefault();
}

/// <summary><c>db.Rule</c>.</summary>
public sealed class RuleSet(ShellSession session) : EntitySet<Rule>(session)
{
    public Rule? GetBy(string name, Scope scope, Operation operation) =>
        Rows.Where(r => r.Name == name && r.Scope == scope && r.Operation == operation).OrderBy(r => r.Id).FirstOrDefault();

    /// <summary>With the reference's short names: scope own/org/col/glo, operation v/e/c/d/s/r.</summary>
    public Rule? GetBy(string name, string scope, string operation) => GetBy(name, ParseScope(scope), ParseOperation(operation));

    private static Scope ParseScope(string scope) => scope.ToLowerInvariant() switch
    {
        "own" => Scope.OWN,
        "org" or "organization" => Scope.ORGANIZATION,
        "col" or "collaboration" => Scope.COLLABORATION,
        "glo" or "global" => Scope.GLOBAL,
        _ => throw new ArgumentException($"Unknown scope '{scope}': use own, org, col or glo"),
    };

    private static Operation ParseOperation(string operation) => operation.ToLowerInvariant() switch
    {
        "v" or "view" => Operation.VIEW,
        "e" or "edit" => Operation.EDIT,
        "c" or "create" => Operation.CREATE,
        "d" or "delete" => Operation.DELETE,
        "s" or "send" => Operation.SEND,
        "r" or "receive" => Operation.RECEIVE,
        _ => throw new ArgumentException($"Unknown operation '{operation}': use v, e, c, d, s or r"),
    };
}
