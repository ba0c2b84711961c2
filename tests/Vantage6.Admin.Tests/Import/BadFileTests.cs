using Vantage6.Admin.Import;
using Vantage6.Admin.Tests.Support;

namespace Vantage6.Admin.Tests.Import;

/// <summary>Every kind of bad file names its location and leaves the database exactly as it was.</summary>
public sealed class BadFileTests
{
    private const string PublicKey = "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZ3d0RRWUpLb1pJaHZjTkFRRUJCUUFEU3dBd1NBSkJBTVpDMjRycTVTRFhpcWxHMHRHSU9YN3ZnOEMvQ2h0cQoxb2E0VmR1bXhHR1pEUjVHR0VXcWxMZmdWejhmZFJJRW1NSTlVTXBFTFd4ODFHQ3dmVTNIZTFrQ0F3RUFBUT09Ci0tLS0tRU5EIFBVQkxJQyBLRVktLS0tLQo=";

    /// <summary>A valid two-organization file; each case breaks one thing in it.</summary>
    private static string File(string secondUserKey = "username", string secondUser = "bob", string collaboration = "C1",
        string apiKey = "9d7b3c2e-0000-4000-8000-00000000000a", string publicKey = PublicKey, string participant = "Org B") => $"""
        organizations:
          - name: Org A
            domain: a.example
            address1: Street 1
            address2:
            zipcode: 1234AB
            country: Nowhereland
            public_key: {publicKey}
            users:
              - username: alice
                password: password
          - name: Org B
            domain:
            address1:
            address2:
            zipcode:
            country:
            public_key: ""
            users:
              - {secondUserKey}: {secondUser}
                password: password
        collaborations:
          - name: {collaboration}
            encrypted: false
            participants:
              - name: Org A
                api_key: 9d7b3c2e-0000-4000-8000-000000000001
              - name: {participant}
                api_key: {apiKey}
            tasks: [hello-world]
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { File(secondUserKey: "usernme"), "organizations[1].users[0].usernme (line 20)", "unknown key" },
        { File(secondUser: "alice"), "organizations[1].users[0].username", "duplicate username 'alice'" },
        { File(apiKey: "9D7B3C2E-0000-4000-8000-00000000000A"), "collaborations[0].participants[1].api_key (line 29)", "API key '9D7B3C2E-0000-4000-8000-00000000000A' is not a valid UUID!" },
        { File(apiKey: "not-a-key"), "collaborations[0].participants[1].api_key", "is not a valid UUID!" },
        { File(publicKey: "bm90IGEga2V5"), "organizations[0].public_key (line 8)", "not the base64 text of a PEM public key" },
        { File(publicKey: "abc$"), "organizations[0].public_key", "not valid base64" },
        { File(publicKey: "null"), "organizations[0].public_key", "not null" },
        { File(participant: "Org Z"), "collaborations[0].participants[1].name", "Organization 'Org Z' in collaboration 'C1' does not exist" },
        { File().Replace("    zipcode: 1234AB\n", ""), "organizations[0] (line 2)", "the key 'zipcode' is missing" },
        { File().Replace("encrypted: false", "encrypted: maybe"), "collaborations[0].encrypted", "is not true or false" },
        { File().Replace("  - name: Org B", "  - name: Org A"), "organizations[1].name", "duplicate organization name 'Org A'" },
        { File().Replace("      - name: Org A\n        api_key", "      - Org A\n        api_key"), "line", "invalid YAML" },
        { File().Replace("  - name: Org B\n", "  - name: Org B\n   domain: [unclosed\n"), "line", "invalid YAML" },
        { File().Replace("    participants:\n      - name: Org A\n        api_key: 9d7b3c2e-0000-4000-8000-000000000001\n",
              "    participants:\n      - Org A\n"), "collaborations[0].participants[0]",
          "Collaboration participants should contain the fields 'name' and 'api_key'. This is not the case for participant Org A in collaboration C1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_file_is_located_and_nothing_is_written(string yaml, string location, string problem)
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync("""
            organizations:
              - {name: Existing, domain: , address1: , address2: , zipcode: , country: , public_key: "",
                 users: [{username: existing, password: pw}]}
            """);
        var before = await fixture.RowCountsAsync();

        var error = await Assert.ThrowsAsync<ImportException>(() => fixture.ImportAsync(yaml));

        Assert.Contains(location, error.Location);
        Assert.Contains(problem, error.Problem);
        Assert.Equal(before, await fixture.RowCountsAsync());
    }

    [Fact]
    public async Task Existing_collaboration_name_is_rejected_after_new_organizations_would_have_been_written()
    {
        await using var fixture = await AdminFixture.CreateAsync();
        await fixture.ImportAsync(File());
        var before = await fixture.RowCountsAsync();

        var error = await Assert.ThrowsAsync<ImportException>(() => fixture.ImportAsync(
            File().Replace("Org A", "Org C").Replace("Org B", "Org D").Replace("alice", "carol").Replace("bob", "dave")));

        Assert.StartsWith("collaborations[0].name", error.Location);
        Assert.Equal(before, await fixture.RowCountsAsync());
    }
}
