using Npgsql;

namespace Vantage6.Admin.Tests.Support;

/// <summary>
/// A fresh, empty database: a SQLite file by default, or a new PostgreSQL database when
/// V6_TEST_DATABASE=postgres (V6_TEST_POSTGRES holds the admin connection string), as in the server tests.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public string Uri { get; }
    private readonly string? _file;
    private readonly string? _pgName;

    private TestDatabase(string uri, string? file, string? pgName)
    {
        Uri = uri;
        _file = file;
        _pgName = pgName;
    }

    public static bool UsePostgres => Environment.GetEnvironmentVariable("V6_TEST_DATABASE") == "postgres";

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("V6_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";

    public static async Task<TestDatabase> CreateAsync()
    {
        if (!UsePostgres)
        {
            var file = Path.Combine(Path.GetTempPath(), $"v6admintest-{Guid.NewGuid():N}.sqlite");
            return new TestDatabase($"sqlite:///{file}", file, null);
        }
        var admin = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        var name = $"v6admintest_{Guid.NewGuid():N}";
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var uri = $"postgresql://{System.Uri.EscapeDataString(admin.Username ?? "postgres")}:{System.Uri.EscapeDataString(admin.Password ?? "")}@{admin.Host}:{admin.Port}/{name}";
        return new TestDatabase(uri, null, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_file is not null)
            foreach (var f in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal", _file + ".jobs.lock" })
                try { File.Delete(f); } catch (IOException) { }
        if (_pgName is not null)
        {
            await using var conn = new NpgsqlConnection(AdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
