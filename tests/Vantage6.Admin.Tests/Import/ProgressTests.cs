using System.Text;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Import;

public sealed class ProgressTests
{
    [Fact]
    public async Task Many_users_report_hashing_progress_and_all_arrive()
    {
        var yaml = new StringBuilder("organizations:\n  - {name: Big, domain: , address1: , address2: , zipcode: , country: , public_key: \"\", users: [");
        yaml.AppendJoin(", ", Enumerable.Range(1, 120).Select(i => $"{{username: user{i}, password: pw{i}, email: user{i}@example.org}}"));
        yaml.Append("]}\n");
        await using var fixture = await AdminFixture.CreateAsync();
        var messages = new RecordedMessages();

        await fixture.ImportAsync(yaml.ToString(), messages: messages);

        Assert.Contains("[info ] - Hashing 120 passwords and 0 api keys", messages.Lines);
        Assert.Contains("[info ] - Hashed 120/120", messages.Lines);
        Assert.Equal(10, messages.Lines.Count(l => l.StartsWith("[info ] - Hashed ")));
        Assert.Equal(120, (await fixture.RowCountsAsync())["user"]);
    }
}
