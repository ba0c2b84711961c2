using Microsoft.EntityFrameworkCore;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Import;

public sealed class DropAllTests
{
    private const string Extra = """
        organizations:
          - {name: Extra, domain: , address1: , address2: , zipcode: , country: , public_key: "", users: [{username: extra, password: pw}]}
        """;

    [Fact]
    public async Task Drop_all_is_refused_when_the_configuration_does_not_allow_it_and_the_import_continues()
    {
        await using var fixture = await AdminFixture.CreateAsync(allowDropAll: false);
        await fixture.ImportFileAsync(AdminFixture.ExampleFile);
        var messages = new RecordedMessages();

        await fixture.ImportAsync(Extra, dropAll: true, messages: messages);

        Assert.Contains("[error] - Cannot drop tables, configuration does not allow this!", messages.Lines);
        var counts = await fixture.RowCountsAsync();
        Assert.Equal(4, counts["organization"]);
        Assert.Equal(7, counts["user"]);
    }

    [Fact]
    public async Task Drop_all_empties_the_database_recreates_the_schema_and_imports()
    {
        await using var fixture = await AdminFixture.CreateAsync(allowDropAll: true);
        await fixture.ImportAsync(Extra);

        await fixture.ImportFileAsync(AdminFixture.ExampleFile, dropAll: true);

        var counts = await fixture.RowCountsAsync();
        Assert.Equal(3, counts["organization"]);
        Assert.Equal(6, counts["user"]);
        Assert.Equal(7, counts["node"]);
        await using var db = fixture.OpenDb();
        Assert.False(await db.Users.AnyAsync(u => u.Username == "extra"));
        Assert.Equal(1, await db.Tasks.MinAsync(t => t.JobId));
    }
}
