using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class CollaborationApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private async Task<(string Root, int OrgA, int OrgB, int Collab)> ArrangeAsync(bool encrypted = false)
    {
        var root = await server.RootTokenAsync();
        var a = await server.CreateOrganizationAsync(root);
        var b = await server.CreateOrganizationAsync(root);
        var reply = await server.PostAsync("/api/collaboration", root,
            new { name = V6TestServer.Unique("col"), organization_ids = new[] { a, b }, encrypted });
        reply.ExpectStatus(200);
        return (root, a, b, reply.Json!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_ReturnsCollaborationWithLinksAndMembers()
    {
        var (root, a, b, id) = await ArrangeAsync(encrypted: true);
        var reply = await server.GetAsync($"/api/collaboration/{id}?include=organizations", root);
        reply.ExpectStatus(200);
        Assert.True(reply.Json!["encrypted"]!.GetValue<bool>());
        Assert.Equal($"/api/node?collaboration_id={id}", reply.Json["nodes"]!.GetValue<string>());
        var members = reply.Json["organizations"]!.AsArray().Select(o => o!["id"]!.GetValue<int>()).Order().ToArray();
        Assert.Equal(new[] { a, b }.Order().ToArray(), members);
    }

    [Fact]
    public async Task Create_Validation_And_DuplicateName()
    {
        var root = await server.RootTokenAsync();
        var bad = await server.PostAsync("/api/collaboration", root, new { name = "12345", organization_ids = new[] { 1 }, encrypted = false });
        Assert.Equal(400, bad.Status);
        Assert.Equal("Name cannot a number", bad.Json!["errors"]!["name"]![0]!.GetValue<string>());
        var missing = await server.PostAsync("/api/collaboration", root, new { name = V6TestServer.Unique("c") });
        Assert.Equal(400, missing.Status);
        Assert.NotNull(missing.Json!["errors"]!["organization_ids"]);
        Assert.NotNull(missing.Json!["errors"]!["encrypted"]);

        var name = V6TestServer.Unique("dup");
        (await server.PostAsync("/api/collaboration", root, new { name, organization_ids = new[] { 1 }, encrypted = false })).ExpectStatus(200);
        var dup = await server.PostAsync("/api/collaboration", root, new { name, organization_ids = new[] { 1 }, encrypted = false });
        Assert.Equal(400, dup.Status);
        Assert.Equal($"Collaboration name '{name}' already exists!", dup.Msg);
    }

    [Fact]
    public async Task Researcher_SeesOnlyOwnCollaborations_AndCannotCreate()
    {
        var (root, a, _, id) = await ArrangeAsync();
        var (_, other, _, otherId) = await ArrangeAsync();
        var user = await server.CreateUserAsync(root, a, "Researcher");
        var token = await server.LoginAsync(user.Username, user.Password);

        var list = await server.GetAsync("/api/collaboration?per_page=100", token);
        list.ExpectStatus(200);
        Assert.Equal(new[] { id }, list.Data.Select(c => c!["id"]!.GetValue<int>()).ToArray());
        Assert.Equal(401, (await server.GetAsync($"/api/collaboration/{otherId}", token)).Status);
        Assert.Equal(401, (await server.GetAsync($"/api/collaboration?organization_id={other}", token)).Status);
        var create = await server.PostAsync("/api/collaboration", token, new { name = V6TestServer.Unique("c"), organization_ids = new[] { a }, encrypted = false });
        Assert.Equal(401, create.Status);
    }

    [Fact]
    public async Task AddAndRemoveOrganization_IsIdempotentAndReportsMembers()
    {
        var (root, _, b, id) = await ArrangeAsync();
        var c = await server.CreateOrganizationAsync(root);
        var add = await server.PostAsync($"/api/collaboration/{id}/organization", root, new { id = c });
        add.ExpectStatus(200);
        Assert.Equal(3, add.Json!.AsArray().Count);
        var again = await server.PostAsync($"/api/collaboration/{id}/organization", root, new { id = c });
        Assert.Equal(3, again.Json!.AsArray().Count);

        var remove = await server.SendAsync(HttpMethod.Delete, $"/api/collaboration/{id}/organization", root, new { id = b });
        remove.ExpectStatus(200);
        Assert.DoesNotContain(remove.Json!.AsArray(), o => o!["id"]!.GetValue<int>() == b);
        var notMember = await server.SendAsync(HttpMethod.Delete, $"/api/collaboration/{id}/organization", root, new { id = b });
        Assert.Equal(400, notMember.Status);
    }

    [Fact]
    public async Task PrivilegeWidening_CollaborationAdminCannotChangeMembershipByPatch()
    {
        var (root, a, _, id) = await ArrangeAsync();
        var admin = await server.CreateUserAsync(root, a, "Collaboration Admin");
        var token = await server.LoginAsync(admin.Username, admin.Password);
        var outsider = await server.CreateOrganizationAsync(root);
        var patch = await server.PatchAsync($"/api/collaboration/{id}", token, new { organization_ids = new[] { a, outsider } });
        Assert.Equal(401, patch.Status);
        Assert.Equal("You lack the permission to change the organizations of a collaboration!", patch.Msg);
        var rename = await server.PatchAsync($"/api/collaboration/{id}", token, new { name = V6TestServer.Unique("renamed") });
        rename.ExpectStatus(200);
    }

    [Fact]
    public async Task Orphans_DeleteCascadesOrIsRefused()
    {
        var (root, a, _, id) = await ArrangeAsync();
        var node = await server.PostAsync("/api/node", root, new { collaboration_id = id, organization_id = a });
        node.ExpectStatus(201);
        var refused = await server.DeleteAsync($"/api/collaboration/{id}", root);
        Assert.Equal(400, refused.Status);
        Assert.Contains("1 nodes", refused.Msg);
        var refusedFalse = await server.DeleteAsync($"/api/collaboration/{id}?delete_dependents=false", root);
        Assert.Equal(400, refusedFalse.Status);

        var deleted = await server.DeleteAsync($"/api/collaboration/{id}?delete_dependents=true", root);
        deleted.ExpectStatus(200);
        Assert.Equal(404, (await server.GetAsync($"/api/node/{node.Json!["id"]}", root)).Status);
        Assert.Equal(404, (await server.GetAsync($"/api/collaboration/{id}", root)).Status);
    }
}
