using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

public class StudyApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task Study_LifecycleMembershipAndTaskTargeting()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var name = V6TestServer.Unique("study");
        var created = (await server.PostAsync("/api/study", n.Root,
            new { name, collaboration_id = n.Collab, organization_ids = new[] { n.Orgs[0], n.Orgs[1] } })).ExpectStatus(201).Json!;
        var id = created["id"]!.GetValue<int>();
        Assert.Equal(2, created["organizations"]!.AsArray().Count);
        Assert.Equal(400, (await server.PostAsync("/api/study", n.Root,
            new { name, collaboration_id = n.Collab, organization_ids = new[] { n.Orgs[0] } })).Status);
        var outsider = await server.CreateOrganizationAsync(n.Root);
        var notMember = await server.PostAsync("/api/study", n.Root,
            new { name = V6TestServer.Unique("s"), collaboration_id = n.Collab, organization_ids = new[] { outsider } });
        Assert.Equal("Not all organizations are part of the collaboration!", notMember.Msg);

        // A task for a study may only target the study's organizations.
        var body = new
        {
            image = "x/y", study_id = id,
            organizations = new[] { new { id = n.Orgs[2], input = FederatedFlowTests.B64Json(1) } },
        };
        Assert.Equal(400, (await server.PostAsync("/api/task", n.Researcher, body)).Status);
        var ok = await server.PostAsync("/api/task", n.Researcher, new
        {
            image = "x/y", study_id = id, organizations = new[] { new { id = n.Orgs[1], input = FederatedFlowTests.B64Json(1) } },
        });
        ok.ExpectStatus(201);
        Assert.Equal(id, ok.Json!["study"]!["id"]!.GetValue<int>());

        // The researcher's organization is a member: it sees the study; organization 2 is not.
        Assert.Equal(200, (await server.GetAsync($"/api/study/{id}", n.Researcher)).Status);
        var thirdUser = await server.CreateUserAsync(n.Root, n.Orgs[2], "Researcher");
        var thirdToken = await server.LoginAsync(thirdUser.Username, thirdUser.Password);
        Assert.Equal(401, (await server.GetAsync($"/api/study/{id}", thirdToken)).Status);
        Assert.Equal(0, (await server.GetAsync("/api/study", thirdToken)).Total);

        var added = (await server.PostAsync($"/api/study/{id}/organization", n.Root, new { id = n.Orgs[2] })).ExpectStatus(200);
        Assert.Equal(3, added.Json!.AsArray().Count);
        var removed = (await server.SendAsync(HttpMethod.Delete, $"/api/study/{id}/organization", n.Root, new { id = n.Orgs[2] })).ExpectStatus(200);
        Assert.Equal(2, removed.Json!.AsArray().Count);

        Assert.Equal(400, (await server.DeleteAsync($"/api/study/{id}", n.Root)).Status);
        (await server.DeleteAsync($"/api/study/{id}?delete_dependents=true", n.Root)).ExpectStatus(200);
        Assert.Equal(404, (await server.GetAsync($"/api/task/{ok.Json["id"]}", n.Root)).Status);
    }
}
