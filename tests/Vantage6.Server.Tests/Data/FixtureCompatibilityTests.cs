using System.Text.Json.Nodes;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Data;

/// <summary>A private copy of the 4.14 SQLite fixture, snapshotted before and after our server starts on it.</summary>
public sealed class SqliteFixtureDatabase : IFixtureDatabase, IAsyncLifetime
{
    private string? _file;
    private DatabaseServer? _server;

    public DatabaseServer Server => _server ?? throw new InvalidOperationException("not started");
    public JsonNode Manifest { get; } = FixtureFiles.Manifest(FixtureFiles.SqliteManifest);
    public JsonNode OtherManifest { get; } = FixtureFiles.Manifest(FixtureFiles.PostgresManifest);
    public DbSnapshot BeforeStart { get; private set; } = null!;
    public DbSnapshot AfterStart { get; private set; } = null!;
    public string File => _file!;

    public async Task InitializeAsync()
    {
        _file = FixtureFiles.CopySqliteToTemp();
        BeforeStart = DbSnapshot.OfSqlite(_file);
        _server = await DatabaseServer.StartAsync($"sqlite:///{_file}");
        AfterStart = DbSnapshot.OfSqlite(_file);
    }

    public Task<DbSnapshot> SnapshotAsync() => Task.FromResult(DbSnapshot.OfSqlite(File));

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_file is not null) FixtureFiles.DeleteSqlite(_file);
    }
}

/// <summary>
/// Our server on the SQLite database written by the real vantage6 4.14 server (fixture README,
/// "What a compatible server must show"): it starts on it unchanged and reads everything back.
/// </summary>
public class FixtureCompatibilityTests(SqliteFixtureDatabase db) : IClassFixture<SqliteFixtureDatabase>
{
    [Fact]
    public void FixtureFiles_ArePresent()
    {
        foreach (var name in new[] { FixtureFiles.SqliteFile, FixtureFiles.PostgresDump, FixtureFiles.SqliteManifest, FixtureFiles.PostgresManifest })
            Assert.True(System.IO.File.Exists(FixtureFiles.Locate(name)));
        Assert.Equal("sqlite", db.Manifest["database"]!.GetValue<string>());
    }

    [Fact]
    public void Startup_ChangesNothing() => FixtureChecks.StartupChangesNothing(db);

    [Fact]
    public void Startup_KeepsTheRollbackJournal()
    {
        // We switch only databases we create to WAL; an existing file keeps its journal mode.
        Assert.Contains("journal_mode=delete", db.AfterStart.Tables["#pragma"]);
        Assert.False(System.IO.File.Exists(db.File + "-wal"));
    }

    [Fact]
    public void Startup_CopesWithDuplicateRoleRuleRows()
    {
        // Role 7 holds rules 2 and 14 twice (43 rows for 41 rules), and still does after start-up.
        var rows = db.AfterStart.Tables["role_rule_association"].Where(r => r.StartsWith("i:7 | ", StringComparison.Ordinal)).ToList();
        Assert.Equal(43, rows.Count);
        Assert.Equal(41, rows.Distinct().Count());
    }

    [Fact]
    public Task Requests_OnlyUpdateLastSeen() => FixtureChecks.RequestsOnlyUpdateLastSeen(db);

    [Fact]
    public async Task Requests_WriteLastSeenInTheReferenceFormat()
    {
        var token = await db.Server.UserTokenAsync("alpha_admin", "Alpha-Admin-2024!");
        (await db.Server.GetAsync("/api/user/2", token)).ExpectStatus(200);
        using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.File};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT typeof(last_seen), last_seen FROM authenticatable WHERE id = 2";
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("text", reader.GetString(0));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$", reader.GetString(1));
        var written = DateTime.ParseExact(reader.GetString(1), "yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(written, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1)); // naive UTC, not local time
    }

    [Fact]
    public Task Users_LogIn() => FixtureChecks.UsersLogIn(db);

    [Fact]
    public Task UnknownUser_IsRefused() => FixtureChecks.WrongPasswordIsRefused(db);

    [Fact]
    public Task Nodes_LogInWithTheirApiKeys() => FixtureChecks.NodesLogIn(db);

    [Fact]
    public Task PostgresNodeKeys_AreRefused() => FixtureChecks.OtherDatabasesNodeKeysAreRefused(db);

    [Theory]
    [MemberData(nameof(FixtureChecks.UserListCases), MemberType = typeof(FixtureChecks))]
    public Task User_SeesTheReferenceListTotal(string username, string resource) => FixtureChecks.UserSeesListTotal(db, username, resource);

    [Theory]
    [MemberData(nameof(FixtureChecks.NodeListCases), MemberType = typeof(FixtureChecks))]
    public Task Node_SeesTheReferenceListTotal(string node, string resource) => FixtureChecks.NodeSeesListTotal(db, node, resource);

    [Fact]
    public Task Organizations_ReadBack() => FixtureChecks.OrganizationsReadBack(db);

    [Fact]
    public Task AlphaPublicKey_IsThePemOfTheFixtureKey() => FixtureChecks.AlphaPublicKeyIsThePem(db);

    [Fact]
    public Task Users_ReadBackWithTheirRoles() => FixtureChecks.UsersReadBack(db);

    [Fact]
    public Task CustomRole_HasItsFiveRules() => FixtureChecks.CustomRoleReadsBack(db);

    [Fact]
    public Task DuplicateRoleRules_AreListedOnce() => FixtureChecks.DuplicateRoleRulesAreListedOnce(db);

    [Fact]
    public Task GammaAuditor_RulesIncludeTheDirectRule() => FixtureChecks.DirectUserRuleIsIncluded(db);

    [Fact]
    public Task Collaborations_ReadBack() => FixtureChecks.CollaborationsReadBack(db);

    [Fact]
    public Task RunAndTaskDatetimes_ReadBack() => FixtureChecks.RunDatetimesReadBack(db);
}

/// <summary>A fresh PostgreSQL database with the 4.14 dump restored by psql; nothing at all when not on PostgreSQL.</summary>
public sealed class PostgresFixtureDatabase : IFixtureDatabase, IAsyncLifetime
{
    private TestDatabase? _database;
    private DatabaseServer? _server;

    public DatabaseServer Server => _server ?? throw new InvalidOperationException("not started");
    public JsonNode Manifest { get; } = FixtureFiles.Manifest(FixtureFiles.PostgresManifest);
    public JsonNode OtherManifest { get; } = FixtureFiles.Manifest(FixtureFiles.SqliteManifest);
    public DbSnapshot BeforeStart { get; private set; } = null!;
    public DbSnapshot AfterStart { get; private set; } = null!;
    public static bool Enabled => TestDatabase.UsePostgres;

    public async Task InitializeAsync()
    {
        if (!Enabled) return;
        _database = await TestDatabase.CreateAsync();
        await PostgresFixtureLoader.LoadDumpAsync(_database);
        BeforeStart = await SnapshotAsync();
        _server = await DatabaseServer.StartAsync(_database.Uri);
        AfterStart = await SnapshotAsync();
    }

    public Task<DbSnapshot> SnapshotAsync() => DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(_database!));

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>
/// The same checks on the PostgreSQL dump. They run when V6_TEST_DATABASE=postgres (as in CI) and
/// return at once otherwise: xunit 2 has no run-time skip.
/// </summary>
public class PostgresFixtureCompatibilityTests(PostgresFixtureDatabase db) : IClassFixture<PostgresFixtureDatabase>
{
    private static bool Off => !PostgresFixtureDatabase.Enabled;

    [Fact]
    public void Startup_ChangesNothing_WhenPostgres()
    {
        if (Off) return;
        FixtureChecks.StartupChangesNothing(db);
    }

    [Fact]
    public async Task Requests_OnlyUpdateLastSeen_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.RequestsOnlyUpdateLastSeen(db);
    }

    [Fact]
    public async Task Users_LogIn_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.UsersLogIn(db);
    }

    [Fact]
    public async Task Nodes_LogInWithTheirApiKeys_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.NodesLogIn(db);
    }

    [Fact]
    public async Task SqliteNodeKeys_AreRefused_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.OtherDatabasesNodeKeysAreRefused(db);
    }

    [Theory]
    [MemberData(nameof(FixtureChecks.UserListCases), MemberType = typeof(FixtureChecks))]
    public async Task User_SeesTheReferenceListTotal_WhenPostgres(string username, string resource)
    {
        if (Off) return;
        await FixtureChecks.UserSeesListTotal(db, username, resource);
    }

    [Theory]
    [MemberData(nameof(FixtureChecks.NodeListCases), MemberType = typeof(FixtureChecks))]
    public async Task Node_SeesTheReferenceListTotal_WhenPostgres(string node, string resource)
    {
        if (Off) return;
        await FixtureChecks.NodeSeesListTotal(db, node, resource);
    }

    [Fact]
    public async Task Organizations_ReadBack_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.OrganizationsReadBack(db);
        await FixtureChecks.AlphaPublicKeyIsThePem(db);
    }

    [Fact]
    public async Task Users_ReadBackWithTheirRoles_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.UsersReadBack(db);
    }

    [Fact]
    public async Task RolesAndRules_ReadBack_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.CustomRoleReadsBack(db);
        await FixtureChecks.DuplicateRoleRulesAreListedOnce(db);
        await FixtureChecks.DirectUserRuleIsIncluded(db);
    }

    [Fact]
    public async Task Collaborations_ReadBack_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.CollaborationsReadBack(db);
    }

    [Fact]
    public async Task RunAndTaskDatetimes_ReadBack_WhenPostgres()
    {
        if (Off) return;
        await FixtureChecks.RunDatetimesReadBack(db);
    }
}
