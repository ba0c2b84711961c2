using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Vantage6.Common.Configuration;
using Vantage6.Server.Data;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// EF Core builds one internal service provider per distinct set of provider options and refuses
/// (ManyServiceProvidersCreatedWarning) after twenty. Servers on different databases (in production
/// one, in the tests dozens) must therefore share it: the options may differ in the connection only.
/// Checked on the options themselves, so no database is needed.
/// </summary>
public class ProviderOptionsTests
{
    private static DbContextOptions<V6DbContext> Options(string uri)
    {
        var builder = new DbContextOptionsBuilder<V6DbContext>();
        ServerHost.ConfigureDatabase(builder, DatabaseUri.Parse(uri, Path.GetTempPath()));
        return builder.Options;
    }

    private static void AssertSameServiceProvider(DbContextOptions a, DbContextOptions b)
    {
        var left = a.Extensions.ToList();
        var right = b.Extensions.ToList();
        Assert.Equal(left.Select(e => e.GetType()), right.Select(e => e.GetType()));
        for (int i = 0; i < left.Count; i++)
        {
            var name = left[i].GetType().Name;
            Assert.True(left[i].Info.GetServiceProviderHashCode() == right[i].Info.GetServiceProviderHashCode(),
                $"{name}: the service provider hash differs between two databases");
            Assert.True(left[i].Info.ShouldUseSameServiceProvider(right[i].Info),
                $"{name}: EF would build a new internal service provider for each database");
        }
    }

    [Fact]
    public void Sqlite_ServersOnDifferentFiles_ShareEfServices() =>
        AssertSameServiceProvider(Options("sqlite:////tmp/a.sqlite"), Options("sqlite:////tmp/b.sqlite"));

    [Fact]
    public void Postgres_ServersOnDifferentDatabases_ShareEfServices() =>
        AssertSameServiceProvider(Options("postgresql://u:p@h:5432/first"), Options("postgresql://u:p@h:5432/second"));
}
