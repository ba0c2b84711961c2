using Microsoft.Data.Sqlite;
using Npgsql;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Tests.Data;

/// <summary>The connection strings made from database URIs are accepted by the real providers, with the intended values.</summary>
public class ConnectionStringTests
{
    [Theory]
    [InlineData("require", SslMode.Require)]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void Postgres_SslModes_AreUnderstoodByNpgsql(string sslmode, SslMode expected)
    {
        var db = DatabaseUri.Parse($"postgresql://u:p@h:5433/db?sslmode={sslmode}", "/data");
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        Assert.Equal(expected, b.SslMode);
    }

    [Fact]
    public void Postgres_AllParts_ReachNpgsql()
    {
        var db = DatabaseUri.Parse("postgresql://v6%20user:p%40ss%3Bw%3D%27rd@[::1]:5433/vantage6?application_name=v6", "/data");
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        Assert.Equal("::1", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("vantage6", b.Database);
        Assert.Equal("v6 user", b.Username);
        Assert.Equal("p@ss;w='rd", b.Password);
        Assert.Equal("v6", b.ApplicationName);
    }

    [Fact]
    public void Sqlite_OddPaths_ReachMicrosoftDataSqlite()
    {
        var db = DatabaseUri.Parse("sqlite:////tmp/odd;name='x'.sqlite", "/data");
        // The server appends its own options to the connection string.
        var b = new SqliteConnectionStringBuilder(db.ConnectionString + ";Foreign Keys=False");
        Assert.Equal("/tmp/odd;name='x'.sqlite", b.DataSource);
        Assert.False(b.ForeignKeys);
    }

    [Fact]
    public void Sqlite_InMemory_ReachesMicrosoftDataSqlite()
    {
        var b = new SqliteConnectionStringBuilder(DatabaseUri.Parse("sqlite://", "/data").ConnectionString);
        Assert.Equal(":memory:", b.DataSource);
    }
}
