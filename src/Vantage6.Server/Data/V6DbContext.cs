using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Data;

/// <summary>
/// The server database, mapped onto the vantage6 4.x schema (table and column names as the
/// reference writes them) so an existing vantage6 database can be opened as it is.
/// </summary>
public sealed class V6DbContext(DbContextOptions<V6DbContext> options) : DbContext(options)
{
    public DbSet<Authenticatable> Authenticatables => Set<Authenticatable>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Node> Nodes => Set<Node>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Collaboration> Collaborations => Set<Collaboration>();
    public DbSet<Study> Studies => Set<Study>();
    public DbSet<AlgorithmStore> AlgorithmStores => Set<AlgorithmStore>();
    public DbSet<TaskEntity> Tasks => Set<TaskEntity>();
    public DbSet<TaskDatabase> TaskDatabases => Set<TaskDatabase>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<AlgorithmPort> AlgorithmPorts => Set<AlgorithmPort>();
    public DbSet<NodeConfig> NodeConfigs => Set<NodeConfig>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<Rule> Rules => Set<Rule>();
    public DbSet<Member> Members => Set<Member>();
    public DbSet<StudyMember> StudyMembers => Set<StudyMember>();
    public DbSet<UserRole> UserRoles => Set<UserRole>();
    public DbSet<UserRule> UserRules => Set<UserRule>();
    public DbSet<RoleRule> RoleRules => Set<RoleRule>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.ApplyConfigurationsFromAssembly(typeof(V6DbContext).Assembly);

        bool sqlite = Database.IsSqlite();
        ValueConverter dateTimes = sqlite ? SqliteDateTimeConverter.Instance : UtcTimestampConverter.Instance;
        foreach (var entity in b.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                // Column names follow the reference: snake_case of the property name.
                if (property.GetColumnName() == property.Name) property.SetColumnName(SnakeCase(property.Name));
                if (property.ClrType == typeof(DateTime?) || property.ClrType == typeof(DateTime))
                {
                    property.SetValueConverter(dateTimes);
                    if (!sqlite) property.SetColumnType("timestamp without time zone");
                }
            }
        }
        if (sqlite)
        {
            b.Entity<Rule>().Property(r => r.Operation).HasConversion<string>();
            b.Entity<Rule>().Property(r => r.Scope).HasConversion<string>();
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}

/// <summary>
/// SQLite stores naive UTC datetimes as text exactly as the reference writes them
/// (<c>YYYY-MM-DD HH:MM:SS.ffffff</c>), so the Python server can still read rows we write,
/// and text comparison orders them correctly.
/// </summary>
internal sealed class SqliteDateTimeConverter : ValueConverter<DateTime, string>
{
    public static readonly SqliteDateTimeConverter Instance = new();
    private static readonly string[] Formats =
        ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd"];

    private SqliteDateTimeConverter() : base(v => Format(v), v => Parse(v)) { }

    /// <summary>The reference's text form of a UTC datetime.</summary>
    public static string Format(DateTime v) => v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public static DateTime Parse(string v) =>
        DateTime.SpecifyKind(DateTime.ParseExact(v, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Utc);
}

/// <summary>PostgreSQL <c>timestamp without time zone</c> holding UTC wall-clock values.</summary>
internal sealed class UtcTimestampConverter : ValueConverter<DateTime, DateTime>
{
    public static readonly UtcTimestampConverter Instance = new();
    private UtcTimestampConverter() : base(
        v => DateTime.SpecifyKind(v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v, DateTimeKind.Unspecified),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc)) { }
}
