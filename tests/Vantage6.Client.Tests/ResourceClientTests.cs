using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>Every method of the organization, user, role, rule, collaboration, node and study clients against the real server.</summary>
public class ResourceClientTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task Login_ReadsIdentity()
    {
        using var root = await server.RootAsync();
        Assert.NotNull(root.AccessToken);
        Assert.NotNull(root.RefreshToken);
        Assert.Equal(1, root.Whoami!.UserId);
        Assert.Equal("root", root.Whoami.Username);
        Assert.Equal(1, root.Whoami.OrganizationId);
        Assert.Equal("root", root.Whoami.OrganizationName);
    }

    [Fact]
    public async Task Organizations_ListFetchesEveryPage_AndCrud()
    {
        using var root = await server.RootAsync();
        var prefix = V6TestServer.Unique("pg");
        var created = new List<Organization>();
        for (int i = 0; i < 25; i++)
            created.Add(await root.Organizations.CreateAsync(new NewOrganization { Name = $"{prefix}-{i:D2}", Country = "NL", Domain = "example.org" }));

        var all = await root.Organizations.ListAsync(name: prefix + "%", options: new ListOptions { PerPage = 10 });
        Assert.Equal(25, all.Count);
        Assert.Equal(created.Select(o => o.Id).Order(), all.Select(o => o.Id).Order());
        var page3 = await root.Organizations.ListAsync(name: prefix + "%", options: new ListOptions { PerPage = 10, Page = 3, Sort = "id" });
        Assert.Equal(created.Skip(20).Select(o => o.Id), page3.Select(o => o.Id));
        var descending = await root.Organizations.ListAsync(name: prefix + "%", options: new ListOptions { PerPage = 7, Sort = "-id" });
        Assert.Equal(created.Select(o => o.Id).Reverse(), descending.Select(o => o.Id));

        var org = await root.Organizations.GetAsync(created[0].Id);
        Assert.Equal($"{prefix}-00", org.Name);
        Assert.Equal("NL", org.Country);
        Assert.Equal("", org.PublicKey);
        Assert.Equal($"/api/user?organization_id={org.Id}", org.Users);

        var updated = await root.Organizations.UpdateAsync(org.Id, new OrganizationUpdate { Name = prefix + "-renamed", Zipcode = "1234 AB" });
        Assert.Equal(prefix + "-renamed", updated.Name);
        Assert.Equal("1234 AB", updated.Zipcode);
        Assert.Equal("NL", updated.Country);

        Assert.Contains("was removed", await root.Organizations.DeleteAsync(org.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Organizations.GetAsync(org.Id));
    }

    [Fact]
    public async Task Users_Crud()
    {
        using var root = await server.RootAsync();
        var org = await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") });
        var viewer = (await root.Roles.ListAsync(name: "Viewer")).Single();
        var name = V6TestServer.Unique("u");
        var user = await root.Users.CreateAsync(new NewUser
        {
            Username = name, Password = "Password123!", Email = $"{name}@example.org", Firstname = "Ada", Lastname = "L",
            OrganizationId = org.Id, Roles = [viewer.Id],
        });
        Assert.Equal(org.Id, user.Organization!.Id);
        Assert.Equal("Ada", (await root.Users.GetAsync(user.Id)).Firstname);

        var listed = Assert.Single(await root.Users.ListAsync(organizationId: org.Id));
        Assert.Equal(name, listed.Username);
        Assert.Single(await root.Users.ListAsync(username: name, roleId: viewer.Id));

        var updated = await root.Users.UpdateAsync(user.Id, new UserUpdate { Firstname = "Grace", Email = $"{name}@example.com" });
        Assert.Equal("Grace", updated.Firstname);
        Assert.Equal($"{name}@example.com", updated.Email);

        // The new user logs in with the library too and sees itself.
        using var self = await server.ClientLoginAsync(name, "Password123!");
        Assert.Equal(user.Id, self.Whoami!.UserId);
        Assert.Equal(org.Name, self.Whoami.OrganizationName);

        Assert.Contains("removed", await root.Users.DeleteAsync(user.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Users.GetAsync(user.Id));
    }

    [Fact]
    public async Task Roles_AndRules()
    {
        using var root = await server.RootAsync();
        var org = await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") });
        var rules = await root.Rules.ListAsync(name: "task", options: new ListOptions { PerPage = 3 });
        Assert.True(rules.Count >= 8, $"only {rules.Count} task rules");
        Assert.All(rules, r => Assert.Equal("task", r.Name));
        var viewTask = (await root.Rules.ListAsync(name: "task", scope: "org", operation: "v")).Single();
        Assert.Equal(("ORGANIZATION", "VIEW"), (viewTask.Scope, viewTask.Operation));
        Assert.Equal(viewTask.Description, (await root.Rules.GetAsync(viewTask.Id)).Description);

        var role = await root.Roles.CreateAsync(V6TestServer.Unique("role"), [viewTask.Id], "reads tasks", org.Id);
        Assert.Equal(org.Id, role.Organization!.Id);
        Assert.False(role.IsDefaultRole);
        Assert.Equal("reads tasks", (await root.Roles.GetAsync(role.Id)).Description);
        Assert.Contains(await root.Roles.ListAsync(organizationId: org.Id), r => r.Id == role.Id);
        Assert.Equal([viewTask.Id], (await root.Rules.ListAsync(roleId: role.Id)).Select(r => r.Id));

        var updated = await root.Roles.UpdateAsync(role.Id, description: "changed");
        Assert.Equal("changed", updated.Description);

        var viewRun = (await root.Rules.ListAsync(name: "run", scope: "org", operation: "v")).Single();
        var afterAdd = await root.Roles.AddRuleAsync(role.Id, viewRun.Id);
        Assert.Equal(new[] { viewTask.Id, viewRun.Id }.Order(), afterAdd.Select(r => r.Id).Order());
        var afterRemove = await root.Roles.RemoveRuleAsync(role.Id, viewTask.Id);
        Assert.Equal([viewRun.Id], afterRemove.Select(r => r.Id));

        Assert.Contains("removed", await root.Roles.DeleteAsync(role.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Roles.GetAsync(role.Id));
    }

    [Fact]
    public async Task Collaborations_Nodes_Studies()
    {
        using var root = await server.RootAsync();
        var a = (await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") })).Id;
        var b = (await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") })).Id;
        var c = (await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") })).Id;

        var collab = await root.Collaborations.CreateAsync(V6TestServer.Unique("col"), [a, b], encrypted: false);
        Assert.False(collab.Encrypted);
        Assert.Equal($"/api/organization?collaboration_id={collab.Id}", collab.Organizations!.Link);
        var withOrgs = await root.Collaborations.GetAsync(collab.Id, includeOrganizations: true);
        Assert.Equal(new[] { a, b }, withOrgs.Organizations!.Items!.Select(o => o.Id).Order());
        Assert.Contains(await root.Collaborations.ListAsync(organizationId: a), x => x.Id == collab.Id);

        var updated = await root.Collaborations.UpdateAsync(collab.Id, encrypted: true);
        Assert.True(updated.Encrypted);
        Assert.Equal(new[] { a, b, c }, (await root.Collaborations.AddOrganizationAsync(collab.Id, c)).Select(o => o.Id).Order());
        Assert.Equal(new[] { a, b }, (await root.Collaborations.RemoveOrganizationAsync(collab.Id, c)).Select(o => o.Id).Order());

        // Nodes: register, read, list, rename, detach/attach, reset the key, kill request, delete.
        var node = await root.Nodes.CreateAsync(collab.Id, a);
        Assert.True(Guid.TryParse(node.ApiKey, out _));
        Assert.Equal(collab.Id, node.Collaboration!.Id);
        var nodeB = await root.Nodes.CreateAsync(collab.Id, b, name: V6TestServer.Unique("nodeb"));
        Assert.Equal(new[] { node.Id, nodeB.Id }, (await root.Nodes.ListAsync(collaborationId: collab.Id)).Select(n => n.Id).Order());
        Assert.Equal("offline", (await root.Nodes.GetAsync(node.Id)).Status);
        var renamed = await root.Nodes.UpdateAsync(node.Id, name: V6TestServer.Unique("renamed"));
        Assert.StartsWith("renamed", renamed.Name);

        Assert.Contains("removed", await root.Collaborations.RemoveNodeAsync(collab.Id, nodeB.Id));
        Assert.Null((await root.Nodes.GetAsync(nodeB.Id)).Collaboration);
        var attached = await root.Collaborations.AddNodeAsync(collab.Id, nodeB.Id);
        Assert.Equal(new[] { node.Id, nodeB.Id }, attached.Select(n => n.Id).Order());

        var newKey = await root.Nodes.ResetApiKeyAsync(node.Id);
        Assert.NotEqual(node.ApiKey, newKey);
        (await server.PostAsync("/api/token/node", null, new { api_key = newKey })).ExpectStatus(200);
        (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey })).ExpectStatus(401);

        var offline = await Assert.ThrowsAsync<V6BadRequestException>(() => root.Nodes.KillTasksAsync(node.Id));
        Assert.Equal($"Node {node.Id} is not online so cannot kill its tasks!", offline.ServerMessage);
        await using (server.Scope(out var db))
        {
            var row = await db.Nodes.FindAsync(node.Id);
            row!.Status = "online";
            await db.SaveChangesAsync();
        }
        Assert.Equal(node.Id, Assert.Single(await root.Nodes.ListAsync(collaborationId: collab.Id, status: "online")).Id);
        Assert.Contains("instructed to kill", await root.Nodes.KillTasksAsync(node.Id));

        // Studies.
        var study = await root.Studies.CreateAsync(V6TestServer.Unique("study"), collab.Id, [a]);
        Assert.Equal([a], study.Organizations!.Items!.Select(o => o.Id));
        Assert.Equal(collab.Id, (await root.Studies.GetAsync(study.Id)).Collaboration!.Id);
        Assert.Equal([a], (await root.Studies.GetAsync(study.Id, includeOrganizations: true)).Organizations!.Items!.Select(o => o.Id));
        Assert.Contains(await root.Studies.ListAsync(collaborationId: collab.Id), s => s.Id == study.Id);
        Assert.Equal(new[] { a, b }, (await root.Studies.AddOrganizationAsync(study.Id, b)).Select(o => o.Id).Order());
        Assert.Equal([b], (await root.Studies.RemoveOrganizationAsync(study.Id, a)).Select(o => o.Id));
        var renamedStudy = await root.Studies.UpdateAsync(study.Id, name: V6TestServer.Unique("st2"), organizationIds: [a, b]);
        Assert.StartsWith("st2", renamedStudy.Name);
        Assert.Equal(new[] { a, b }, renamedStudy.Organizations!.Items!.Select(o => o.Id).Order());
        Assert.Equal(new[] { node.Id, nodeB.Id }, (await root.Nodes.ListAsync(studyId: study.Id)).Select(n => n.Id).Order());
        Assert.Contains("deleted", await root.Studies.DeleteAsync(study.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Studies.GetAsync(study.Id));

        Assert.Contains("deleted", await root.Nodes.DeleteAsync(nodeB.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Nodes.GetAsync(nodeB.Id));

        // A collaboration with a node needs delete_dependents.
        var refused = await Assert.ThrowsAsync<V6BadRequestException>(() => root.Collaborations.DeleteAsync(collab.Id));
        Assert.Contains("delete_dependents", refused.ServerMessage);
        Assert.Contains("successfully deleted", await root.Collaborations.DeleteAsync(collab.Id, deleteDependents: true));
        await Assert.ThrowsAsync<V6NotFoundException>(() => root.Collaborations.GetAsync(collab.Id));
    }

    [Fact]
    public async Task TokenRefresh_GivesNewTokensThatWork()
    {
        using var root = await server.RootAsync();
        var (access, refresh) = (root.AccessToken, root.RefreshToken);
        await Task.Delay(1100); // new iat, so the new tokens differ
        await root.RefreshTokenAsync();
        Assert.NotEqual(access, root.AccessToken);
        Assert.NotEqual(refresh, root.RefreshToken);
        Assert.Equal("root", (await root.Organizations.GetAsync(1)).Name);
    }
}
