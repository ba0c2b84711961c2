using System.Data.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Common.Tests;

/// <summary>SQLAlchemy-style database URIs translated into provider connection strings (cli-and-config §3.10).</summary>
public class DatabaseUriTests
{
    private const string DataDir = "/var/lib/vantage6/server/demo";

    private static DbConnectionStringBuilder Parts(DatabaseUri uri) => new() { ConnectionString = uri.ConnectionString };

    private static string? Part(DatabaseUri uri, string key) =>
        Parts(uri).TryGetValue(key, out var v) ? v?.ToString() : null;

    // ------------------------------------------------------------------ SQLite

    [Fact]
    public void Sqlite_RelativePath_IsPutUnderTheDataDirectory()
    {
        var db = DatabaseUri.Parse("sqlite:///default.sqlite", DataDir);
        Assert.Equal(DatabaseKind.Sqlite, db.Kind);
        Assert.Equal($"{DataDir}/default.sqlite", db.SqliteFile);
        Assert.Equal($"{DataDir}/default.sqlite", Part(db, "Data Source"));
        Assert.Equal($"sqlite:///{DataDir}/default.sqlite", db.Display);
    }

    [Fact]
    public void Sqlite_RelativePathWithFolders_IsNormalized()
    {
        Assert.Equal($"{DataDir}/sub/dir/x.sqlite", DatabaseUri.Parse("sqlite:///sub/dir/x.sqlite", DataDir).SqliteFile);
        Assert.Equal("/var/lib/vantage6/server/x.sqlite", DatabaseUri.Parse("sqlite:///../x.sqlite", DataDir).SqliteFile);
        Assert.Equal($"{DataDir}/x.sqlite", DatabaseUri.Parse("sqlite:///./x.sqlite", DataDir).SqliteFile);
    }

    [Fact]
    public void Sqlite_RelativePath_ResolvesAgainstARelativeDataDirectoryToAnAbsolutePath()
    {
        var db = DatabaseUri.Parse("sqlite:///x.sqlite", "data");
        Assert.True(Path.IsPathRooted(db.SqliteFile));
        Assert.Equal(Path.GetFullPath(Path.Combine("data", "x.sqlite")), db.SqliteFile);
    }

    [Fact]
    public void Sqlite_AbsolutePath_IsUsedAsIs()
    {
        var db = DatabaseUri.Parse("sqlite:////srv/v6/db.sqlite", DataDir);
        Assert.Equal(DatabaseKind.Sqlite, db.Kind);
        Assert.Equal("/srv/v6/db.sqlite", db.SqliteFile);
        Assert.Equal("/srv/v6/db.sqlite", Part(db, "Data Source"));
        Assert.Equal("sqlite:////srv/v6/db.sqlite", db.Display);
    }

    [Fact]
    public void Sqlite_SchemeIsCaseInsensitive()
    {
        Assert.Equal("/srv/x.sqlite", DatabaseUri.Parse("SQLite:////srv/x.sqlite", DataDir).SqliteFile);
    }

    [Fact]
    public void Sqlite_PathWithSemicolon_StaysOneDataSource()
    {
        var db = DatabaseUri.Parse("sqlite:////srv/odd;name.sqlite", DataDir);
        Assert.Equal("/srv/odd;name.sqlite", db.SqliteFile);
        Assert.Equal("/srv/odd;name.sqlite", Part(db, "Data Source"));
        Assert.Single(Parts(db).Keys.Cast<string>());
    }

    [Theory]
    [InlineData("sqlite://")]
    [InlineData("sqlite:")]
    [InlineData("sqlite:///:memory:")]
    public void Sqlite_WithoutFile_IsInMemory(string uri)
    {
        var db = DatabaseUri.Parse(uri, DataDir);
        Assert.Equal(DatabaseKind.Sqlite, db.Kind);
        Assert.Null(db.SqliteFile);
        Assert.Equal(":memory:", Part(db, "Data Source"));
    }

    [Theory]
    [InlineData("sqlite:/relative.sqlite")]
    [InlineData("sqlite://host/db.sqlite")]
    public void Sqlite_MalformedUri_IsRefused(string uri)
    {
        var e = Assert.Throws<ConfigurationException>(() => DatabaseUri.Parse(uri, DataDir));
        Assert.Contains(uri, e.Message);
        Assert.Contains("sqlite:///", e.Message);
    }

    // ------------------------------------------------------------------ PostgreSQL

    [Fact]
    public void Postgres_AllParts_AreTranslated()
    {
        var db = DatabaseUri.Parse("postgresql://vantage6:secret@db.example.org:5433/v6db?sslmode=require", DataDir);
        Assert.Equal(DatabaseKind.PostgreSql, db.Kind);
        Assert.Null(db.SqliteFile);
        Assert.Equal("db.example.org", Part(db, "Host"));
        Assert.Equal("5433", Part(db, "Port"));
        Assert.Equal("v6db", Part(db, "Database"));
        Assert.Equal("vantage6", Part(db, "Username"));
        Assert.Equal("secret", Part(db, "Password"));
        Assert.Equal("require", Part(db, "SSL Mode"), ignoreCase: true);
    }

    [Theory]
    [InlineData("postgresql://u:p@h/db")]
    [InlineData("postgres://u:p@h/db")]
    [InlineData("postgresql+psycopg2://u:p@h/db")]
    [InlineData("PostgreSQL://u:p@h/db")]
    public void Postgres_SchemeVariants_AndDefaultPort(string uri)
    {
        var db = DatabaseUri.Parse(uri, DataDir);
        Assert.Equal(DatabaseKind.PostgreSql, db.Kind);
        Assert.Equal("h", Part(db, "Host"));
        Assert.Equal("5432", Part(db, "Port"));
        Assert.Equal("db", Part(db, "Database"));
        Assert.Equal("u", Part(db, "Username"));
        Assert.Equal("p", Part(db, "Password"));
    }

    [Fact]
    public void Postgres_RelativeLookingDatabase_IsNotPutUnderTheDataDirectory()
    {
        // The reference's data-dir splice applies to SQLite only.
        var db = DatabaseUri.Parse("postgresql://u@h/vantage6", DataDir);
        Assert.Equal("vantage6", Part(db, "Database"));
        Assert.DoesNotContain(DataDir, db.ConnectionString);
    }

    [Fact]
    public void Postgres_UserWithoutPassword_AndNoCredentials()
    {
        var withUser = DatabaseUri.Parse("postgresql://vantage6@h:5432/db", DataDir);
        Assert.Equal("vantage6", Part(withUser, "Username"));
        Assert.Null(Part(withUser, "Password"));

        var none = DatabaseUri.Parse("postgresql://h/db", DataDir);
        Assert.Null(Part(none, "Username"));
        Assert.Null(Part(none, "Password"));
        Assert.Equal("h", Part(none, "Host"));
    }

    [Fact]
    public void Postgres_NoHost_IsLocalhost()
    {
        var db = DatabaseUri.Parse("postgresql://u:p@/db", DataDir);
        Assert.Equal("localhost", Part(db, "Host"));
        Assert.Equal("db", Part(db, "Database"));
    }

    [Fact]
    public void Postgres_PercentEncodedCredentials_AreDecoded()
    {
        var db = DatabaseUri.Parse("postgresql://v6%20user:p%40ss%3Aw%2Frd%25@db:5432/v6", DataDir);
        Assert.Equal("v6 user", Part(db, "Username"));
        Assert.Equal("p@ss:w/rd%", Part(db, "Password"));
        Assert.Equal("db", Part(db, "Host"));
    }

    [Fact]
    public void Postgres_RawAtSignInPassword_UsesTheLastAt()
    {
        var db = DatabaseUri.Parse("postgresql://u:p@ss@db/v6", DataDir);
        Assert.Equal("p@ss", Part(db, "Password"));
        Assert.Equal("db", Part(db, "Host"));
    }

    [Theory]
    [InlineData("a;b")]
    [InlineData("x=y")]
    [InlineData("q'uo\"te")]
    [InlineData("semi;Host=evil")]
    public void Postgres_PasswordWithConnectionStringSyntax_StaysOnePassword(string password)
    {
        var db = DatabaseUri.Parse($"postgresql://u:{Uri.EscapeDataString(password)}@db:5432/v6", DataDir);
        Assert.Equal(password, Part(db, "Password"));
        Assert.Equal("db", Part(db, "Host"));
        Assert.Equal("v6", Part(db, "Database"));
    }

    [Fact]
    public void Postgres_QueryOptions_AreTranslatedOrIgnored()
    {
        var db = DatabaseUri.Parse("postgresql://u:p@h/db?application_name=v6%20server&sslmode=verify-full&connect_timeout=5", DataDir);
        Assert.Equal("v6 server", Part(db, "Application Name"));
        Assert.NotNull(Part(db, "SSL Mode"));
        Assert.Null(Part(db, "connect_timeout"));
    }

    [Fact]
    public void Postgres_Ipv6Host()
    {
        var db = DatabaseUri.Parse("postgresql://u:p@[::1]:5433/db", DataDir);
        Assert.Equal("5433", Part(db, "Port"));
        Assert.Equal("::1", Part(db, "Host"));
        Assert.Equal("::1", Part(DatabaseUri.Parse("postgresql://u:p@[::1]/db", DataDir), "Host"));
        Assert.Equal("5432", Part(DatabaseUri.Parse("postgresql://u:p@[::1]/db", DataDir), "Port"));
    }

    [Fact]
    public void Postgres_NonNumericPort_IsRefusedWithoutThePassword()
    {
        var e = Assert.Throws<ConfigurationException>(() => DatabaseUri.Parse("postgresql://u:topsecret@h:abc/db", DataDir));
        Assert.Contains("abc", e.Message);
        Assert.DoesNotContain("topsecret", e.Message);
    }

    // ------------------------------------------------------------------ display and errors

    [Fact]
    public void Display_HidesThePassword()
    {
        var db = DatabaseUri.Parse("postgresql://vantage6:topsecret@db.example.org:5432/v6", DataDir);
        Assert.DoesNotContain("topsecret", db.Display);
        Assert.Contains("vantage6", db.Display);
        Assert.Contains("db.example.org", db.Display);
    }

    [Theory]
    [InlineData("postgresql://vantage6:topsecret@db:5432/v6", "postgresql://vantage6:***@db:5432/v6")]
    [InlineData("postgresql://vantage6@db:5432/v6", "postgresql://vantage6@db:5432/v6")]
    [InlineData("postgresql://db:5432/v6", "postgresql://db:5432/v6")]
    [InlineData("mysql://root:hunter2@db/v6", "mysql://root:***@db/v6")]
    [InlineData("postgresql://u:p@ss@db/v6", "postgresql://u:***@db/v6")]
    [InlineData("sqlite:////x.sqlite", "sqlite:////x.sqlite")]
    [InlineData("not a uri", "not a uri")]
    public void Redact_HidesOnlyThePassword(string uri, string expected) =>
        Assert.Equal(expected, DatabaseUri.Redact(uri));

    [Theory]
    [InlineData("mysql://root:hunter2@db/v6")]
    [InlineData("mssql+pyodbc://root:hunter2@db/v6")]
    [InlineData("oracle://root:hunter2@db/v6")]
    [InlineData("just-a-file.sqlite")]
    [InlineData("")]
    public void UnsupportedScheme_IsRefused(string uri)
    {
        var e = Assert.Throws<ConfigurationException>(() => DatabaseUri.Parse(uri, DataDir));
        Assert.Contains("sqlite", e.Message);
        Assert.Contains("postgresql", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }
}
