using System.Text;
using Microsoft.EntityFrameworkCore;
using Vantage6.Admin.Import;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Import;

/// <summary>The documentation's example file (examples/import.yaml) on an empty database, then the real server on it.</summary>
public sealed class ExampleImportTests
{
    [Fact]
    public async Task Example_file_creates_the_documented_entities()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        var messages = new RecordedMessages();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile, messages: messages);

        var counts = await fixture.RowCountsAsync();
        Assert.Equal(3, counts["organization"]);
        Assert.Equal(6, counts["user"]);
        Assert.Equal(3, counts["collaboration"]);
        Assert.Equal(7, counts["node"]);
        Assert.Equal(4, counts["task"]);
        Assert.Equal(9, counts["run"]);

        await using var db = fixture.OpenDb();
        var big = await db.Organizations.SingleAsync(o => o.Name == "Big Organization");
        Assert.Equal("54331", big.Zipcode);
        Assert.Equal("Offshore Accounting Drive 19", big.Address1);
        Assert.Null(big.Address2);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", Encoding.UTF8.GetString(big.PublicKey!));

        var supers = await db.Roles.Where(r => r.Name == "super").ToListAsync();
        Assert.Equal(3, supers.Select(r => r.OrganizationId).Distinct().Count());
        Assert.All(supers, r => Assert.Equal("Super user", r.Description));
        var ruleCount = await db.Rules.CountAsync();
        Assert.True(ruleCount > 50);
        Assert.Equal(ruleCount, await db.RoleRules.CountAsync(rr => rr.RoleId == supers[0].Id));
        var stan = await db.Users.SingleAsync(u => u.Username == "stan");
        Assert.Equal("the man", stan.Lastname);
        Assert.StartsWith("$2b$", stan.Password);
        Assert.Contains(await db.UserRoles.Where(ur => ur.UserId == stan.Id).Select(ur => ur.RoleId).ToListAsync(),
            id => supers.Any(s => s.Id == id && s.OrganizationId == stan.OrganizationId));

        Assert.True(await db.Nodes.AnyAsync(n => n.Name == "IKNL - ZEPPELIN Node"));
        Assert.False((await db.Collaborations.SingleAsync(c => c.Name == "SLIPPERS")).Encrypted);
        Assert.Equal([1, 2, 3, 4], await db.Tasks.OrderBy(t => t.JobId).Select(t => t.JobId!.Value).ToListAsync());
        var slippers = await db.Collaborations.SingleAsync(c => c.Name == "SLIPPERS");
        var slipperTask = await db.Tasks.FirstAsync(t => t.CollaborationId == slippers.Id);
        var small = await db.Organizations.SingleAsync(o => o.Name == "Small Organization");
        Assert.Equal(small.Id, slipperTask.InitOrgId);
        Assert.Equal("hello-world", slipperTask.Image);
        Assert.All(await db.Runs.ToListAsync(), r => Assert.Equal(("pending", BatchImporter.DemoInput), (r.Status!, r.Input!)));

        Assert.Contains("[info ] - Create Organizations and Users", messages.Lines);
        Assert.Contains("[debug] - added node IKNL - ZEPPELIN Node to ZEPPELIN", messages.Lines);
    }

    [Fact]
    public async Task Imported_users_and_nodes_log_in_at_the_real_server()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);
        var client = await fixture.StartServerAsync();

        Assert.Equal(200, await AdminFixture.UserLoginStatusAsync(client, "frank@iknl.nl", "password"));
        Assert.Equal(200, await AdminFixture.UserLoginStatusAsync(client, "stan", "password"));
        Assert.Equal(401, await AdminFixture.UserLoginStatusAsync(client, "stan", "wrong-password"));
        Assert.Equal(200, await AdminFixture.NodeLoginStatusAsync(client, "123e4567-e89b-12d3-a456-426614174001"));
        Assert.Equal(200, await AdminFixture.NodeLoginStatusAsync(client, "123e4567-e89b-12d3-a456-426614174007"));
        Assert.Equal(401, await AdminFixture.NodeLoginStatusAsync(client, "123e4567-e89b-12d3-a456-426614174009"));
    }

    [Fact]
    public async Task Importing_the_same_file_again_is_rejected_and_changes_nothing()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);
        var before = await fixture.RowCountsAsync();

        var error = await Assert.ThrowsAsync<ImportException>(() => fixture.ImportFileAsync(AdminFixture.ExampleFile));

        Assert.StartsWith("organizations[0].name", error.Location);
        Assert.Contains("'IKNL' already exists", error.Problem);
        Assert.Equal(before, await fixture.RowCountsAsync());
    }

    [Fact]
    public async Task Participants_may_be_organizations_already_in_the_database()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);
        await fixture.ImportAsync("""
            collaborations:
              - name: LATER
                domain: ignored.example
                participants:
                  - name: IKNL
                    api_key: 9d7b3c2e-0000-4000-8000-000000000001
                tasks: [other-image]
            """);

        await using var db = fixture.OpenDb();
        var later = await db.Collaborations.SingleAsync(c => c.Name == "LATER");
        Assert.True(later.Encrypted);
        Assert.True(await db.Nodes.AnyAsync(n => n.Name == "IKNL - LATER Node" && n.CollaborationId == later.Id));
        Assert.Equal(5, await db.Tasks.MaxAsync(t => t.JobId));
    }
}
