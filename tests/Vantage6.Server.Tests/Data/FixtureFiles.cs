using System.Text.Json.Nodes;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// The vantage6 4.14 database fixtures in <c>../shared/fixtures</c> next to the repository
/// (see the README there): SQLite file, PostgreSQL dump and one manifest per database.
/// </summary>
public static class FixtureFiles
{
    public const string SqliteFile = "vantage6-4.14.sqlite";
    public const string PostgresDump = "vantage6-4.14-postgres.sql";
    public const string SqliteManifest = "manifest-sqlite.json";
    public const string PostgresManifest = "manifest-postgres.json";

    /// <summary>The folder holding <c>Vantage6.slnx</c>, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vantage6.slnx"))) dir = dir.Parent;
            return dir?.FullName
                   ?? throw new InvalidOperationException($"No Vantage6.slnx above {AppContext.BaseDirectory}: cannot locate the fixtures");
        }
    }

    public static string FixtureDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));

    /// <summary>The full path of a fixture file; fails with a clear message when it is not there.</summary>
    public static string Locate(string name)
    {
        var path = Path.Combine(FixtureDirectory, name);
        if (!File.Exists(path))
            throw new Xunit.Sdk.XunitException(
                $"The vantage6 4.14 fixture '{name}' is missing: expected it at {path} (the shared/fixtures folder next to the repository)");
        return path;
    }

    public static JsonNode Manifest(string name) => JsonNode.Parse(File.ReadAllText(Locate(name)))!;

    /// <summary>A private copy of the SQLite fixture in the temp folder (the original is read-only and must stay untouched).</summary>
    public static string CopySqliteToTemp()
    {
        var target = Path.Combine(Path.GetTempPath(), $"v6fixture-{Guid.NewGuid():N}.sqlite");
        File.Copy(Locate(SqliteFile), target);
        File.SetAttributes(target, FileAttributes.Normal); // the shared copy is read-only
        return target;
    }

    /// <summary>The PostgreSQL dump without psql 15.14+'s <c>\restrict</c>/<c>\unrestrict</c> guard lines, in a temp file.</summary>
    public static string PostgresDumpWithoutRestrictLines()
    {
        var lines = File.ReadAllLines(Locate(PostgresDump))
            .Where(l => !l.StartsWith("\\restrict", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict", StringComparison.Ordinal));
        var target = Path.Combine(Path.GetTempPath(), $"v6fixture-{Guid.NewGuid():N}.sql");
        File.WriteAllLines(target, lines);
        return target;
    }

    public static void DeleteSqlite(string file)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { file, file + "-wal", file + "-shm", file + "-journal", file + ".jobs.lock" })
            try { File.Delete(f); } catch (IOException) { }
    }
}
