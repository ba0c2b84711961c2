using Npgsql;

namespace Vantage6.Server.Tests.Support;

/// <summary>
/// A fresh, empty database for one test server: a SQLite file by default, or a new PostgreSQL
/// database when V6_TEST_DATABASE=postgres (V6_TEST_POSTGRES holds the admin connection string).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public string Uri { get; }
    public bool IsPostgres { get; }
    private readonly string? _file;
    private readonly string? _pgName;

    private TestDatabase(string uri, bool postgres, string? file, string? pgName)
    {
        Uri = uri;
        IsPostgres = postgres;
        _file = file;
        _pgName = pgName;
    }

    public static bool UsePostgres => Environment.GetEnvironmentVariable("V6_TEST_DATABASE") == "postgres";

    public static async Task<TestDatabase> CreateAsync()
    {
        if (!UsePostgres)
        {
            var file = Path.Combine(Path.GetTempPath(), $"v6test-{Guid.NewGuid():N}.sqlite");
            return new TestDatabase($"sqlite:///{file}", false, file, null);
        }
        var admin = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        var name = $"v6test_{Guid.NewGuid():N}";
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var uri = $"postgresql://{System.Uri.EscapeDataString(admin.Username ?? "postgres")}:{System.Uri.EscapeDataString(admin.Password ?? "")}@{admin.Host}:{admin.Port}/{name}";
        return new TestDatabase(uri, true, null, name);
    }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("V6_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            NpgsqlConnection.ClearAllPools();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal", _file + ".jobs.lock" })
                try { File.Delete(f); } catch (IOException) { }
        }
        if (_pgName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(AdminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
