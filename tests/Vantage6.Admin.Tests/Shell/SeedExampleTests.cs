using Microsoft.EntityFrameworkCore;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Shell;

/// <summary>The documentation's shell examples, translated to C# (docs/shell.md), against the real server.</summary>
public sealed class SeedExampleTests
{
    private const string ApiKey = "6a1f3c52-8d1e-4c8e-9a57-3f0e2b7d9c41";

    private const string Script = $$"""
        var organization = db.Organization.New(name: "IKNL", domain: "iknl.nl", address1: "Zernikestraat 29",
            address2: "Eindhoven", zipcode: "5612HZ", country: "Netherlands");
        organization.Save();
        var org = db.Organization.GetByName("IKNL");
        var researcher = db.Role.GetByName("Researcher");
        var newUser = db.User.New(username: "john", password: "super-secret", firstname: "John", lastname: "Doe",
            roles: [researcher], rules: [], organization: org);
        newUser.Save();
        var other = new Organization { Name = "Other", Country = "Nowhereland" };
        db.Save(other);
        var collaboration = db.Collaboration.New(name: "collaboration-name", encrypted: false, organizations: [org, other]);
        collaboration.Save();
        var collab = org.Collaborations[0];
        var node = db.Node.New(name: $"IKNL Node - Collaboration {collab.Name}", organization: org, collaboration: collab,
            apiKey: "{{ApiKey}}");
        node.Save();
        var task = db.Task.New(name: "some-name", description: "some human readable description",
            image: "docker-registry.org/image-name", collaboration: collaboration, jobId: db.Task.NextJobId(),
            database: "default", initiator: org);
        task.Save();
        foreach (var o in collaboration.Organizations)
        {
            var run = db.Run.New(input: new { }, organization: o, task: task, assignedAt: DateTime.Now);
            run.Save();
        }
        db.Task.Get(task.Id).Runs.Count
        collaboration.Organizations.Select(o => o.Name)
        db.User.GetByUsername("john").Organization.Name
        db.Node.GetByApiKey("{{ApiKey}}").Name
        db.User.UsernameExists("john")
        db.Organization.Exists("name", "Other")
        db.Task.NextJobId()
        """;

    [Fact]
    public async Task Objects_made_in_the_shell_work_at_the_server()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        var client = await fixture.StartServerAsync();

        var lines = await ShellScript.RunAsync(fixture, Script);

        Assert.DoesNotContain(lines, l => l.StartsWith("[error]"));
        Assert.Equal("[warn ] - Using the shell is not recommended! There are no checks on the validity of the data you are entering.", lines[0]);
        Assert.Equal("[warn ] - Please use the User interface, Python client, or API.", lines[1]);
        Assert.Equal(["2", "[\"IKNL\", \"Other\"]", "\"IKNL\"", "\"IKNL Node - Collaboration collaboration-name\"", "true", "true", "2"],
            lines[2..9]);

        Assert.Equal(200, await AdminFixture.UserLoginStatusAsync(client, "john", "super-secret"));
        Assert.Equal(200, await AdminFixture.NodeLoginStatusAsync(client, ApiKey));
        await using var db = fixture.OpenDb();
        var john = await db.Users.SingleAsync(u => u.Username == "john");
        Assert.StartsWith("$2b$", john.Password);
        var researcher = await db.Roles.FirstAsync(r => r.Name == "Researcher");
        Assert.True(await db.UserRoles.AnyAsync(ur => ur.UserId == john.Id && ur.RoleId == researcher.Id));
        Assert.Equal(2, await db.Members.CountAsync());
        var task = await db.Tasks.SingleAsync();
        Assert.Equal("default", (await db.TaskDatabases.SingleAsync(d => d.TaskId == task.Id)).Database);
        Assert.Equal(2, await db.Runs.CountAsync(r => r.TaskId == task.Id && r.Status == "pending" && r.Input == "{}"));
    }

    [Fact]
    public async Task Changed_password_is_hashed_and_relations_can_be_added()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        var client = await fixture.StartServerAsync();
        await ShellScript.RunAsync(fixture, """
            var org = db.Organization.New(name: "Org");
            db.User.New(username: "jane", password: "first-password", organization: org).Save();
            """);

        var lines = await ShellScript.RunAsync(fixture, """
            var user = db.User.GetByUsername("jane");
            user.Firstname = "Brandnew";
            user.Password = "something-new";
            user.Save();
            var rule = db.Rule.GetBy("node", "glo", "v");
            user.Rules.Add(rule);
            user.Save();
            user.Rules.Count
            user.CheckPassword("something-new")
            """);

        Assert.Equal(["1", "true"], lines[2..4]);
        Assert.Equal(401, await AdminFixture.UserLoginStatusAsync(client, "jane", "first-password"));
        Assert.Equal(200, await AdminFixture.UserLoginStatusAsync(client, "jane", "something-new"));
        await using var db = fixture.OpenDb();
        var jane = await db.Users.SingleAsync(u => u.Username == "jane");
        Assert.Equal("Brandnew", jane.Firstname);
        Assert.Equal(1, await db.UserRules.CountAsync(r => r.UserId == jane.Id));
    }
}
