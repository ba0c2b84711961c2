using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class NodeApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private async Task<(string Root, int Org, int Collab)> ArrangeAsync()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var collab = await server.PostAsync("/api/collaboration", root,
            new { name = V6TestServer.Unique("col"), organization_ids = new[] { org }, encrypted = false });
        return (root, org, collab.ExpectStatus(200).Json!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Register_ReturnsApiKeyOnce_AndTheKeyLogsIn()
    {
        var (root, org, collab) = await ArrangeAsync();
        var created = await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = org });
        created.ExpectStatus(201);
        var key = created.Json!["api_key"]!.GetValue<string>();
        Assert.True(Guid.TryParse(key, out _));
        Assert.Equal("offline", created.Json["status"]!.GetValue<string>());
        Assert.Equal("node", created.Json["type"]!.GetValue<string>());
        Assert.Equal(collab, created.Json["collaboration"]!["id"]!.GetValue<int>());
        var id = created.Json["id"]!.GetValue<int>();

        var fetched = await server.GetAsync($"/api/node/{id}", root);
        fetched.ExpectStatus(200);
        Assert.Null(fetched.Json!["api_key"]);
        Assert.DoesNotContain("$2b$", fetched.Text);

        var login = await server.PostAsync("/api/token/node", null, new { api_key = key });
        login.ExpectStatus(200);
        Assert.Equal($"/api/node/{id}", login.Json!["node_url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Register_RefusesSecondNodeAndNonMembers()
    {
        var (root, org, collab) = await ArrangeAsync();
        (await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = org })).ExpectStatus(201);
        var second = await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = org });
        Assert.Equal(400, second.Status);
        var outsider = await server.CreateOrganizationAsync(root);
        var notMember = await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = outsider });
        Assert.Equal(400, notMember.Status);
        Assert.Equal($"The organization id={outsider} is not part of collabotation id={collab}. Add it first!", notMember.Msg);
        var missing = await server.PostAsync("/api/node", root, new { collaboration_id = 999999 });
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Node_SeesOwnOrganizationNodes_AndEditsItself()
    {
        var (root, org, collab) = await ArrangeAsync();
        var created = await server.PostAsync("/api/node", root, new { collaboration_id = collab, organization_id = org });
        var id = created.Json!["id"]!.GetValue<int>();
        var token = (await server.PostAsync("/api/token/node", null, new { api_key = created.Json["api_key"]!.GetValue<string>() }))
            .Json!["access_token"]!.GetValue<string>();

        var list = await server.GetAsync("/api/node", token);
        list.ExpectStatus(200);
        Assert.All(list.Data, n => Assert.Equal(org, n!["organization"]!["id"]!.GetValue<int>()));

        var patch = await server.PatchAsync($"/api/node/{id}", token, new { ip = "10.76.0.2" });
        patch.ExpectStatus(200);
        Assert.Equal("10.76.0.2", patch.Json!["ip"]!.GetValue<string>());
        var clear = await server.PatchAsync($"/api/node/{id}", token, new { clear_ip = true });
        Assert.Null(clear.Json!["ip"]);
        var move = await server.PatchAsync($"/api/node/{id}", token, new { organization_id = 1 });
        Assert.Equal(400, move.Status);
        Assert.Equal("Organization id cannot be updated!", move.Msg);
        Assert.Equal(401, (await server.DeleteAsync($"/api/node/{id}", token)).Status);
    }

    [Fact]
    public async Task Researcher_CannotRegisterNodes_OrgAdminCan()
    {
        var (root, org, collab) = await ArrangeAsync();
        var researcher = await server.CreateUserAsync(root, org, "Researcher");
        var rToken = await server.LoginAsync(researcher.Username, researcher.Password);
        Assert.Equal(401, (await server.PostAsync("/api/node", rToken, new { collaboration_id = collab })).Status);
        var admin = await server.CreateUserAsync(root, org, "Organization Admin");
        var aToken = await server.LoginAsync(admin.Username, admin.Password);
        var created = await server.PostAsync("/api/node", aToken, new { collaboration_id = collab });
        created.ExpectStatus(201);
        Assert.Equal(org, created.Json!["organization"]!["id"]!.GetValue<int>());

        var reset = await server.PostAsync("/api/recover/node", aToken, new { id = created.Json["id"]!.GetValue<int>() });
        reset.ExpectStatus(200);
        var oldKey = created.Json["api_key"]!.GetValue<string>();
        Assert.Equal(401, (await server.PostAsync("/api/token/node", null, new { api_key = oldKey })).Status);
        (await server.PostAsync("/api/token/node", null, new { api_key = reset.Json!["api_key"]!.GetValue<string>() })).ExpectStatus(200);
    }
}
