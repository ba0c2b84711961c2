using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Import;

/// <summary><c>vserver import</c> as an operator runs it: exit codes and console lines.</summary>
public sealed class ImportCommandTests
{
    [Fact]
    public async Task Bad_file_gives_one_located_error_line_and_exit_code_1()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("organizations: []");
        var before = await fixture.RowCountsAsync();
        var file = Path.Combine(Path.GetTempPath(), $"v6bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "organizations:\n  - name: X\n    colour: red\n");

        var result = await VserverProcess.RunAsync(null, "import", "-c", fixture.ConfigFile, file);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Lines, l => l.StartsWith("[error]"));
        Assert.Equal("[error] - Import failed, nothing was written: organizations[0].colour (line 3): unknown key " +
                     "(expected one of: name, domain, address1, address2, zipcode, country, public_key, users)", error);
        Assert.Equal(before, await fixture.RowCountsAsync());
    }

    [Fact]
    public async Task Example_file_imports_with_exit_code_0()
    {
        await using var fixture = await AdminFixture.CreateAsync();

        var result = await VserverProcess.RunAsync(null, "import", "--config", fixture.ConfigFile, AdminFixture.ExampleFile);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[info ] - Create collaborations", result.Lines);
        Assert.Equal(7, (await fixture.RowCountsAsync())["node"]);
    }

    [Fact]
    public async Task Missing_file_is_refused_before_the_database_is_touched()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        var result = await VserverProcess.RunAsync(null, "import", "-c", fixture.ConfigFile, "/nonexistent/import.yaml");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(result.Lines, l => l.Contains("File does not exist: '/nonexistent/import.yaml'"));
    }
}
