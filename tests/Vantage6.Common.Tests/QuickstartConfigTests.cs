using Vantage6.Common.Configuration;

namespace Vantage6.Common.Tests;

/// <summary>The configuration shipped in examples/ must always load: the README starts the server with it.</summary>
public class QuickstartConfigTests
{
    private static string RepoFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vantage6.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine([dir!.FullName, .. parts]);
    }

    [Fact]
    public void QuickstartConfiguration_LoadsWithSqliteOnLoopback()
    {
        var config = ServerConfigLoader.Load(RepoFile("examples", "quickstart.yaml"));
        Assert.Equal("127.0.0.1", config.Ip);
        Assert.Equal(7601, config.Port);
        Assert.Equal("/api", config.ApiPath);
        var db = DatabaseUri.Parse(config.Uri, "/data");
        Assert.Equal(DatabaseKind.Sqlite, db.Kind);
        Assert.Equal("/data/quickstart.sqlite", db.SqliteFile);
        Assert.False(config.JwtSecretGenerated);
    }
}
