using Microsoft.EntityFrameworkCore;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Shell;

public sealed class ShellBehaviourTests
{
    [Fact]
    public async Task Help_prints_table_properties_relations_and_methods()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("organizations: []");

        var lines = await ShellScript.RunAsync(fixture, "db.Organization.Help();");

        Assert.Equal(
        [
            "Table: organization", "",
            "Properties: ", " ->Id", " ->Name", " ->Domain", " ->Address1", " ->Address2", " ->Zipcode", " ->Country", " ->PublicKey", "",
            "Relations: ", " ->Collaborations", " ->CreatedTasks", " ->Nodes", " ->Roles", " ->Runs", " ->Users", "",
            "Methods: ", " ->Exists", " ->Get", " ->GetByName", " ->Help", " ->New", "",
        ], lines[2..^1]);
    }

    [Fact]
    public async Task Errors_are_one_line_and_the_session_goes_on()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("organizations: []");

        var lines = await ShellScript.RunAsync(fixture, """
            var x = 1;
            foo();
            x + 1
            db.User.GetByUsername("nobody")
            db.Organization.New(name: "Twice").Save();
            db.Organization.New(name: "Twice").Save();
            db.Organization.New(name: "After").Save();
            db.Organization.Get().Select(o => o.Name)
            x + 2
            """);

        Assert.Equal(
        [
            "[error] - (1,1): error CS0103: The name 'foo' does not exist in the current context",
            "2",
            "[error] - InvalidOperationException: No user with username 'nobody'",
        ], lines[2..5]);
        Assert.StartsWith("[error] - DbUpdateException: ", lines[5]);
        Assert.Equal(["[\"Twice\", \"After\"]", "3", ""], lines[6..]);
        await using var db = fixture.OpenDb();
        Assert.Equal(2, await db.Organizations.CountAsync());
    }

    [Fact]
    public async Task Relations_show_changes_made_from_the_other_side()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("organizations: []");

        var lines = await ShellScript.RunAsync(fixture, """
            var org = db.Organization.New(name: "A");
            org.Save();
            org.Collaborations.Count
            db.Collaboration.New(name: "C", organizations: [org]).Save();
            org.Collaborations.Select(c => c.Name)
            org.Collaborations.Remove(org.Collaborations[0])
            org.Save();
            db.Collaboration.FindByName("C").Organizations.Count
            """);

        Assert.Equal(["0", "[\"C\"]", "true", "0", ""], lines[2..]);
    }

    [Fact]
    public async Task Statements_may_span_several_lines()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);

        var lines = await ShellScript.RunAsync(fixture, """
            var names = new List<string>();
            foreach (var o in db.Organization.Get())
            {
                if (o.Users.Count > 1)
                    names.Add(o.Name);
            }
            string.Join(
                "|",
                names)
            db.Organization.Get(999)
            """);

        Assert.Equal(["\"IKNL|Small Organization\"", "null", ""], lines[2..]);
    }

    [Fact]
    public async Task Vserver_shell_reads_statements_from_standard_input_or_a_script_file()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);
        const string script = "db.User.Get().Count\nundefinedName\ndb.Collaboration.FindByName(\"PIPELINE\").Nodes.Count\n";

        var piped = await VserverProcess.RunAsync(script, "shell", "-c", fixture.ConfigFile);
        var file = Path.Combine(Path.GetTempPath(), $"v6shell-{Guid.NewGuid():N}.csx");
        await File.WriteAllTextAsync(file, script);
        var fromFile = await VserverProcess.RunAsync(null, "shell", "-c", fixture.ConfigFile, "--script", file);

        foreach (var result in new[] { piped, fromFile })
        {
            Assert.Equal(0, result.ExitCode);
            Assert.Equal($"[warn ] - Server {Path.GetFileNameWithoutExtension(fixture.ConfigFile)} is not running; the shell works on its database directly.", result.Lines[0]);
            Assert.Equal(
            [
                "[warn ] - Using the shell is not recommended! There are no checks on the validity of the data you are entering.",
                "[warn ] - Please use the User interface, Python client, or API.",
                "6",
                "[error] - (1,1): error CS0103: The name 'undefinedName' does not exist in the current context",
                "2",
            ], result.Lines[1..]);
        }
    }
}
