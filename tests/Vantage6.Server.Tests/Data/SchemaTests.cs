using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// A server started on an empty SQLite file creates the database the reference 4.14 creates:
/// same tables, columns, types and constraints, the same rule catalogue and default roles, and
/// datetimes in the reference's text format. Compared with the fixture file itself.
/// </summary>
public sealed partial class SchemaTests : IAsyncLifetime
{
    private string _fixture = null!;
    private string _file = null!;

    public async Task InitializeAsync()
    {
        _fixture = FixtureFiles.CopySqliteToTemp();
        _file = Path.Combine(Path.GetTempPath(), $"v6schema-{Guid.NewGuid():N}.sqlite");
        await using var server = await DatabaseServer.StartAsync($"sqlite:///{_file}");
    }

    public Task DisposeAsync()
    {
        FixtureFiles.DeleteSqlite(_file);
        FixtureFiles.DeleteSqlite(_fixture);
        return Task.CompletedTask;
    }

    private static SqliteConnection Open(string file)
    {
        var conn = new SqliteConnection($"Data Source={file};Pooling=False");
        conn.Open();
        return conn;
    }

    private static List<string> Rows(string file, string sql)
    {
        using var conn = Open(file);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
        return rows;
    }

    private static List<string> Tables(string file) =>
        Rows(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");

    [Fact]
    public void EmptyDatabase_GetsExactlyTheReferenceTables()
    {
        Assert.Equal(Tables(_fixture), Tables(_file));
        Assert.Equal(19, Tables(_file).Count);
    }

    [Fact]
    public void EveryTable_HasTheReferenceColumns()
    {
        foreach (var table in Tables(_fixture))
        {
            // name, declared type, NOT NULL, default, primary key position
            var sql = $"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid";
            Assert.Equal(Rows(_fixture, sql), Rows(_file, sql));
        }
    }

    [Fact]
    public void EveryTable_HasTheReferenceConstraints()
    {
        foreach (var table in Tables(_fixture))
        {
            var fks = $"SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}') ORDER BY \"from\", \"table\"";
            Assert.Equal(Rows(_fixture, fks), Rows(_file, fks));
            // Unique constraints exactly as the reference's (origin 'u'); plain indexes only add speed.
            var unique = $"""
                SELECT il.origin, group_concat(ii.name) FROM pragma_index_list('{table}') il
                JOIN pragma_index_info(il.name) ii WHERE il."unique" = 1 GROUP BY il.name ORDER BY 2
                """;
            Assert.Equal(Rows(_fixture, unique), Rows(_file, unique));
        }
        // The server may add plain (non-unique) indexes to tables it creates; none may constrain data.
        Assert.Empty(Rows(_file, "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE 'CREATE UNIQUE%'"));
        Assert.Empty(Rows(_file, "SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")); // no AUTOINCREMENT
    }

    [Fact]
    public void Rules_AreTheReferenceCatalogueInOrder()
    {
        const string sql = "SELECT id, name, scope, operation, typeof(scope), typeof(operation) FROM rule ORDER BY id";
        var ours = Rows(_file, sql);
        Assert.Equal(86, ours.Count);
        Assert.Equal(Enumerable.Range(1, 86).Select(i => i.ToString()), ours.Select(r => r.Split(" | ")[0]));
        Assert.Equal(Rows(_fixture, sql), ours);
    }

    [Fact]
    public void Rules_HaveTheReferenceDescriptions()
    {
        const string sql = "SELECT id, description FROM rule ORDER BY id";
        Assert.Equal(Rows(_fixture, sql), Rows(_file, sql));
    }

    [Fact]
    public void DefaultRoles_AreTheReferenceRoles()
    {
        const string sql = "SELECT id, name, description, organization_id, is_default_role, typeof(is_default_role) FROM role WHERE id <= 7 ORDER BY id";
        var ours = Rows(_file, sql);
        Assert.Equal(7, Rows(_file, "SELECT id FROM role").Count);
        Assert.Equal(Rows(_fixture, "SELECT id, name FROM role WHERE id <= 7 ORDER BY id"), Rows(_file, "SELECT id, name FROM role ORDER BY id"));
        Assert.Equal(Rows(_fixture, sql), ours);
    }

    [Fact]
    public void DefaultRoles_HoldTheReferenceRules()
    {
        // Distinct rows: the reference stores role 7's rules 2 and 14 twice; a set is what counts.
        const string sql = "SELECT DISTINCT role_id, rule_id FROM role_rule_association WHERE role_id <= 7 ORDER BY role_id, rule_id";
        Assert.Equal(Rows(_fixture, sql), Rows(_file, sql));
    }

    [Fact]
    public void RootUser_IsCreatedLikeTheReference()
    {
        Assert.Equal(["1 | root"], Rows(_file, "SELECT id, name FROM organization"));
        Assert.Equal(["1 | user | NULL"], Rows(_file, "SELECT id, type, status FROM authenticatable"));
        Assert.Equal(Rows(_fixture, "SELECT id, username, email, organization_id, failed_login_attempts, otp_secret FROM user WHERE id = 1"),
            Rows(_file, "SELECT id, username, email, organization_id, failed_login_attempts, otp_secret FROM user"));
        Assert.Equal(["1 | 1"], Rows(_file, "SELECT role_id, user_id FROM \"Permission\""));
        Assert.Matches(@"^\$2[aby]\$\d\d\$.{53}$", Rows(_file, "SELECT password FROM user WHERE id = 1").Single());
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")]
    private static partial Regex ReferenceDateTime();

    [Fact]
    public async Task Datetimes_AreWrittenInTheReferenceTextFormat()
    {
        await using (var server = await DatabaseServer.StartAsync($"sqlite:///{_file}"))
        {
            var token = await server.UserTokenAsync("root", "root");
            (await server.GetAsync("/api/user/1", token)).ExpectStatus(200);
            // A failed login writes last_login_attempt as well.
            (await server.LoginUserAsync("root", "wrong-password")).ExpectStatus(401);
        }
        var lastSeen = Rows(_file, "SELECT typeof(last_seen), last_seen FROM authenticatable WHERE id = 1").Single().Split(" | ");
        Assert.Equal("text", lastSeen[0]);
        Assert.Matches(ReferenceDateTime(), lastSeen[1]);
        var written = DateTime.ParseExact(lastSeen[1], "yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(written, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));

        // Every DATETIME column of every table holds only that form.
        foreach (var table in Tables(_file))
        {
            var columns = Rows(_file, $"SELECT name FROM pragma_table_info('{table}') WHERE type = 'DATETIME'");
            foreach (var column in columns)
                foreach (var row in Rows(_file, $"SELECT typeof(\"{column}\"), \"{column}\" FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"))
                {
                    var parts = row.Split(" | ");
                    Assert.True(parts[0] == "text" && ReferenceDateTime().IsMatch(parts[1]), $"{table}.{column} holds {row}");
                }
        }
        Assert.Matches(ReferenceDateTime(), Rows(_file, "SELECT last_login_attempt FROM user WHERE id = 1").Single());
    }

    [Fact]
    public async Task SecondStart_ChangesNothing()
    {
        var first = DbSnapshot.OfSqlite(_file);
        await using (var server = await DatabaseServer.StartAsync($"sqlite:///{_file}")) { }
        DbSnapshot.AssertEqual(first, DbSnapshot.OfSqlite(_file), "a second start on the database the server created");
    }

    [Fact]
    public void NewDatabase_UsesWriteAheadLogging()
    {
        Assert.Equal(["wal"], Rows(_file, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Booleans_AreStoredAsIntegers()
    {
        Assert.Equal(["integer"], Rows(_file, "SELECT DISTINCT typeof(is_default_role) FROM role"));
        Assert.Equal(Rows(_fixture, "SELECT DISTINCT typeof(is_default_role) FROM role WHERE id <= 7"),
            Rows(_file, "SELECT DISTINCT typeof(is_default_role) FROM role"));
    }
}

/// <summary>The same schema comparison on PostgreSQL: a database our server creates against the restored 4.14 dump.</summary>
public sealed class PostgresSchemaTests
{
    private static async Task<(DbSnapshot Ours, DbSnapshot Reference)> SnapshotsAsync()
    {
        await using var ours = await TestDatabase.CreateAsync();
        await using var reference = await TestDatabase.CreateAsync();
        await using (var server = await DatabaseServer.StartAsync(ours.Uri)) { }
        await PostgresFixtureLoader.LoadDumpAsync(reference);
        return (await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(ours)),
            await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(reference)));
    }

    [Fact]
    public async Task EmptyDatabase_GetsTheReferenceSchema_WhenPostgres()
    {
        if (!TestDatabase.UsePostgres) return;
        var (ours, reference) = await SnapshotsAsync();
        Assert.Equal(reference.Columns.Keys.Order(), ours.Columns.Keys.Order());
        foreach (var table in reference.Columns.Keys)
            Assert.Equal(reference.Columns[table], ours.Columns[table]);

        // Column types, nullability and defaults (sequence defaults compared by presence only:
        // the dump's sequence names and ours may differ in spelling).
        static IEnumerable<string> Normalize(IEnumerable<string> rows) =>
            rows.Select(r => Regex.Replace(r, @"default=nextval\('[^']*'::regclass\)", "default=nextval"));
        Assert.Equal(Normalize(reference.Tables["#schema"]), Normalize(ours.Tables["#schema"]));
        Assert.Equal(reference.Tables["#types"], ours.Tables["#types"]);

        // Rules, in order, with their native enum values; the default roles; the same role rules as sets.
        Assert.Equal(reference.Tables["rule"], ours.Tables["rule"]);
        Assert.Equal(reference.Tables["role"].Where(r => !r.StartsWith("8 |", StringComparison.Ordinal)), ours.Tables["role"]);
        Assert.Equal(reference.Tables["role_rule_association"].Where(r => !r.StartsWith("8 |", StringComparison.Ordinal)).Distinct(),
            ours.Tables["role_rule_association"]);
    }

    [Fact]
    public async Task EmptyDatabase_GetsTheReferenceConstraints_WhenPostgres()
    {
        if (!TestDatabase.UsePostgres) return;
        var (ours, reference) = await SnapshotsAsync();
        Assert.Equal(reference.Tables["#constraints"], ours.Tables["#constraints"]);
    }

    [Fact]
    public async Task SecondStart_ChangesNothing_WhenPostgres()
    {
        if (!TestDatabase.UsePostgres) return;
        await using var database = await TestDatabase.CreateAsync();
        await using (var server = await DatabaseServer.StartAsync(database.Uri)) { }
        var first = await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(database));
        await using (var server = await DatabaseServer.StartAsync(database.Uri)) { }
        DbSnapshot.AssertEqual(first, await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(database)),
            "a second start on the PostgreSQL database the server created");
    }

    [Fact]
    public async Task Datetimes_AreNaiveUtc_EvenInAnotherSessionTimeZone_WhenPostgres()
    {
        if (!TestDatabase.UsePostgres) return;
        await using var database = await TestDatabase.CreateAsync();
        // A production database may run with a local TimeZone; the columns must still get UTC wall-clock times.
        var name = new Npgsql.NpgsqlConnectionStringBuilder(PostgresFixtureLoader.ConnectionString(database)).Database;
        await using (var admin = new Npgsql.NpgsqlConnection(TestDatabase.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"ALTER DATABASE \"{name}\" SET timezone TO 'Pacific/Kiritimati'", admin); // UTC+14
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var server = await DatabaseServer.StartAsync(database.Uri))
        {
            var token = await server.UserTokenAsync("root", "root");
            (await server.GetAsync("/api/user/1", token)).ExpectStatus(200);
        }
        var snapshot = await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(database));
        var row = snapshot.Tables["authenticatable"].Single().Split(" | ");
        var lastSeen = row[snapshot.Columns["authenticatable"].IndexOf("last_seen")];
        var written = DateTime.Parse(lastSeen, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(written, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }
}
