using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Shell;

/// <summary>Every C# block of docs/shell.md, run in one session, so the documentation stays true.</summary>
public sealed class DocumentationExampleTests
{
    [Fact]
    public async Task Examples_in_docs_shell_md_run_without_errors()
    {
        var markdown = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "docs", "shell.md"));
        var blocks = Regex.Matches(markdown, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 6);
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("organizations: []");

        // The examples edit "some-existing-username", which a real server would already have.
        var lines = await ShellScript.RunAsync(fixture,
            "db.User.New(username: \"some-existing-username\", password: \"pw\").Save();\n" + string.Join("\n", blocks));

        Assert.DoesNotContain(lines, l => l.StartsWith("[error]"));
        await using var db = fixture.OpenDb();
        Assert.Equal(2, await db.Tasks.CountAsync());
        Assert.Equal(1, await db.Nodes.CountAsync());
        Assert.Equal("Brandnew", (await db.Users.SingleAsync(u => u.Username == "some-existing-username")).Firstname);
    }
}
