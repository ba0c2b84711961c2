using System.Text;
using Microsoft.Data.Sqlite;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// Writing into a database made by the reference 4.14 server: new ids continue where the reference
/// stopped (users and nodes share the authenticatable ids; PostgreSQL sequences come from the dump),
/// and on SQLite the new rows are stored exactly like the reference's own rows (same storage classes,
/// empty-versus-NULL choices and datetime text), so the Python server can still read the file.
/// Each test works on its own copy of the fixture.
/// </summary>
public class FixtureWriteTests
{
    private static string B64(object value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(value)));

    /// <summary>The new ids created by <see cref="CreateEverythingAsync"/>.</summary>
    private sealed record Created(int Organization, int User, int Collaboration, int Node, int Role, int Task, int[] Runs);

    /// <summary>One of each entity through the API, as root and as alpha_researcher; asserts the ids continue the reference's.</summary>
    private static async Task<Created> CreateEverythingAsync(DatabaseServer server)
    {
        var root = await server.UserTokenAsync("root", "root");

        var org = (await server.SendAsync(HttpMethod.Post, "/api/organization", root, new { name = "Delta Lab", country = "Norway" }))
            .ExpectStatus(201).Json!["id"]!.GetValue<int>();
        Assert.Equal(5, org);

        var user = (await server.SendAsync(HttpMethod.Post, "/api/user", root, new
        {
            username = "delta_researcher", password = "Delta-Research-2024!", email = "delta@delta.example.org",
            firstname = "Dora", lastname = "Delta", organization_id = org, roles = new[] { 5 },
        })).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        Assert.Equal(12, user); // after the five nodes (7–11): one id sequence for users and nodes

        var collab = (await server.SendAsync(HttpMethod.Post, "/api/collaboration", root,
            new { name = "Delta Collaboration", organization_ids = new[] { 2, org }, encrypted = true })).ExpectStatus(200).Json!["id"]!.GetValue<int>();
        Assert.Equal(3, collab);

        var node = (await server.SendAsync(HttpMethod.Post, "/api/node", root, new { collaboration_id = collab, organization_id = org }))
            .ExpectStatus(201).Json!;
        Assert.Equal(13, node["id"]!.GetValue<int>());
        var login = (await server.LoginNodeAsync(node["api_key"]!.GetValue<string>())).ExpectStatus(200);
        Assert.Equal("/api/node/13", login.Json!["node_url"]!.GetValue<string>());
        // The reference rows were last used for requests (last_seen set); so is the new node.
        (await server.GetAsync("/api/node/13", login.Json["access_token"]!.GetValue<string>())).ExpectStatus(200);

        var role = (await server.SendAsync(HttpMethod.Post, "/api/role", root,
            new { name = "Delta Reader", description = "reads", rules = new[] { 21, 14 }, organization_id = org })).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        Assert.Equal(9, role);

        var userLogin = (await server.LoginUserAsync("delta_researcher", "Delta-Research-2024!")).ExpectStatus(200);
        Assert.Equal("/api/user/12", userLogin.Json!["user_url"]!.GetValue<string>());
        (await server.GetAsync("/api/user/12", userLogin.Json["access_token"]!.GetValue<string>())).ExpectStatus(200);

        var researcher = await server.UserTokenAsync("alpha_researcher", "Alpha-Research-2024!");
        var task = (await server.SendAsync(HttpMethod.Post, "/api/task", researcher, new
        {
            name = "average-new",
            image = "harbor2.vantage6.ai/demo/average",
            collaboration_id = 1,
            organizations = new[] { 2, 3 }.Select(o => new { id = o, input = B64(new { method = "partial_average" }) }).ToArray(),
            databases = new object[] { new { label = "default" } },
        })).ExpectStatus(201).Json!;
        Assert.Equal(7, task["id"]!.GetValue<int>());
        Assert.Equal(6, task["job_id"]!.GetValue<int>()); // the highest job id was 5 (task 5 shares job 4 with its parent)
        var runs = (await server.GetAsync("/api/run?task_id=7", root)).ExpectStatus(200).Data.Select(r => r!["id"]!.GetValue<int>()).Order().ToArray();
        Assert.Equal(new[] { 13, 14 }, runs);

        // Everything reads back.
        Assert.Equal(5, (await server.GetAsync("/api/organization", root)).ExpectStatus(200).Total);
        Assert.Equal(7, (await server.GetAsync("/api/user", root)).ExpectStatus(200).Total);
        Assert.Equal(6, (await server.GetAsync("/api/node", root)).ExpectStatus(200).Total);
        Assert.Equal(7, (await server.GetAsync("/api/task", root)).ExpectStatus(200).Total);
        return new Created(org, user, collab, 13, role, 7, runs);
    }

    private static List<string> Rows(string file, string sql)
    {
        using var conn = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
        return rows;
    }

    /// <summary><c>typeof()</c> of every column of one row: the storage class the Python server will read back.</summary>
    private static string StorageClasses(string file, string table, int id, string key = "id", params string[] except)
    {
        var columns = Rows(file, $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid").Except(except).ToList();
        return Rows(file, $"SELECT {string.Join(", ", columns.Select(c => $"typeof(\"{c}\")"))} FROM \"{table}\" WHERE {key} = {id}").Single();
    }

    [Fact]
    public async Task Sqlite_NewRowsContinueTheIdsAndLookLikeTheReferenceRows()
    {
        var file = FixtureFiles.CopySqliteToTemp();
        try
        {
            Created c;
            await using (var server = await DatabaseServer.StartAsync($"sqlite:///{file}"))
                c = await CreateEverythingAsync(server);

            // Same storage classes as comparable rows the reference wrote.
            // Gamma was created with name and country only. address2 is NULL there; "" is allowed too (api-core quirk 12).
            Assert.Equal(StorageClasses(file, "organization", 4, "id", "address2"), StorageClasses(file, "organization", c.Organization, "id", "address2"));
            Assert.Equal(Rows(file, "SELECT quote(domain), quote(address1), quote(zipcode), quote(_public_key) FROM organization WHERE id = 4"),
                Rows(file, $"SELECT quote(domain), quote(address1), quote(zipcode), quote(_public_key) FROM organization WHERE id = {c.Organization}"));
            Assert.Contains(Rows(file, $"SELECT quote(address2) FROM organization WHERE id = {c.Organization}").Single(), new[] { "NULL", "''" });
            Assert.Equal(StorageClasses(file, "authenticatable", 6), StorageClasses(file, "authenticatable", c.User));
            Assert.Equal(StorageClasses(file, "user", 6), StorageClasses(file, "user", c.User));
            Assert.Equal(StorageClasses(file, "authenticatable", 11), StorageClasses(file, "authenticatable", c.Node));
            Assert.Equal(StorageClasses(file, "node", 11), StorageClasses(file, "node", c.Node));
            Assert.Equal(StorageClasses(file, "collaboration", 2), StorageClasses(file, "collaboration", c.Collaboration));
            Assert.Equal(StorageClasses(file, "role", 8), StorageClasses(file, "role", c.Role));
            Assert.Equal(StorageClasses(file, "task", 1), StorageClasses(file, "task", c.Task));
            Assert.Equal(StorageClasses(file, "taskdatabase", 1, "task_id"), StorageClasses(file, "taskdatabase", c.Task, "task_id"));
            Assert.Equal(StorageClasses(file, "run", 8), StorageClasses(file, "run", c.Runs[0])); // pending, not started

            // Values stored the reference's way.
            Assert.Equal(["user | NULL", "node | offline"], Rows(file, $"SELECT type, status FROM authenticatable WHERE id IN ({c.User}, {c.Node}) ORDER BY id"));
            Assert.Matches(@"^\$2b\$\d\d\$.{53}$", Rows(file, $"SELECT password FROM user WHERE id = {c.User}").Single());
            Assert.Matches(@"^\$2b\$\d\d\$.{53}$", Rows(file, $"SELECT api_key FROM node WHERE id = {c.Node}").Single());
            Assert.Equal(["1"], Rows(file, $"SELECT encrypted FROM collaboration WHERE id = {c.Collaboration}"));
            Assert.Equal(["0"], Rows(file, $"SELECT is_default_role FROM role WHERE id = {c.Role}"));
            Assert.Equal(["2 | 3", "5 | 3"], Rows(file, $"SELECT organization_id, collaboration_id FROM \"Member\" WHERE collaboration_id = {c.Collaboration} ORDER BY 1"));
            Assert.Equal(["9 | 14", "9 | 21"], Rows(file, $"SELECT role_id, rule_id FROM role_rule_association WHERE role_id = {c.Role} ORDER BY 2"));
            Assert.Equal(["5 | 12"], Rows(file, $"SELECT role_id, user_id FROM \"Permission\" WHERE user_id = {c.User}"));
            Assert.Equal(["default | {}"], Rows(file, $"SELECT \"database\", parameters FROM taskdatabase WHERE task_id = {c.Task}"));
            Assert.Equal(["pending | 0", "pending | 0"], Rows(file, $"SELECT status, blob_storage_used FROM run WHERE task_id = {c.Task}"));
            var reference = @"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$";
            Assert.Matches(reference, Rows(file, $"SELECT created_at FROM task WHERE id = {c.Task}").Single());
            Assert.All(Rows(file, $"SELECT assigned_at FROM run WHERE task_id = {c.Task}"), v => Assert.Matches(reference, v));
            Assert.Matches(reference, Rows(file, $"SELECT last_seen FROM authenticatable WHERE id = {c.User}").Single());

            // The reference's rows are untouched by all this (apart from last_seen of the callers).
            Assert.Equal(43, Rows(file, "SELECT * FROM role_rule_association WHERE role_id = 7").Count);
        }
        finally
        {
            FixtureFiles.DeleteSqlite(file);
        }
    }

    [Fact]
    public async Task Postgres_NewRowsContinueTheIdsOfTheDump_WhenPostgres()
    {
        if (!TestDatabase.UsePostgres) return;
        await using var database = await TestDatabase.CreateAsync();
        await PostgresFixtureLoader.LoadDumpAsync(database);
        await using (var server = await DatabaseServer.StartAsync(database.Uri))
            await CreateEverythingAsync(server);

        var snapshot = await DbSnapshot.OfPostgresAsync(PostgresFixtureLoader.ConnectionString(database));
        Assert.Contains("12 | user | NULL", snapshot.Tables["authenticatable"].Select(r => string.Join(" | ", r.Split(" | ").Where((_, i) => i is 0 or 1 or 4))));
        Assert.Contains("13 | node | offline", snapshot.Tables["authenticatable"].Select(r => string.Join(" | ", r.Split(" | ").Where((_, i) => i is 0 or 1 or 4))));
        Assert.Contains("authenticatable_id_seq 13 true", snapshot.Tables["#sequences"]);
        Assert.Contains("task_id_seq 7 true", snapshot.Tables["#sequences"]);
        Assert.Contains("9 | 14", snapshot.Tables["role_rule_association"]);
    }
}
