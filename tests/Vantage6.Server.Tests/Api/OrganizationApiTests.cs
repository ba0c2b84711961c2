using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Server.Auth;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Api;

/// <summary><c>/organization</c> (api-core §5) with the cross-cutting conventions it shows (§1.2, §1.5–1.7).</summary>
public class OrganizationApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private const string Pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n";

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    private static JsonObject ValidationBody(string field, string message) => new()
    {
        ["msg"] = "Request body is incorrect",
        ["errors"] = new JsonObject { [field] = new JsonArray(message) },
    };

    private async Task<Reply> RawAsync(HttpMethod method, string path, string token, string content, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Content = new StringContent(content, Encoding.UTF8);
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0 ? JsonNode.Parse(text) : null;
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        return new Reply((int)response.StatusCode, json, text, headers);
    }

    private static List<int> Ids(Reply reply) => reply.Data.Select(o => o!["id"]!.GetValue<int>()).ToList();

    /// <summary>A collaboration with the given members, arranged directly in the database.</summary>
    private async Task<int> CollaborationAsync(params int[] organizationIds)
    {
        await using (server.Scope(out var db))
        {
            var collab = new Collaboration { Name = V6TestServer.Unique("col"), Encrypted = false };
            db.Collaborations.Add(collab);
            await db.SaveChangesAsync();
            foreach (var org in organizationIds) db.Members.Add(new Member { OrganizationId = org, CollaborationId = collab.Id });
            await db.SaveChangesAsync();
            server.Services.GetRequiredService<ActorCache>().InvalidateAll();
            return collab.Id;
        }
    }

    private async Task<int> StudyAsync(int collaborationId, params int[] organizationIds)
    {
        await using (server.Scope(out var db))
        {
            var study = new Study { Name = V6TestServer.Unique("study"), CollaborationId = collaborationId };
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            foreach (var org in organizationIds) db.StudyMembers.Add(new StudyMember { OrganizationId = org, StudyId = study.Id });
            await db.SaveChangesAsync();
            return study.Id;
        }
    }

    /// <summary>A node arranged in the database, logged in with its api key; returns its access token.</summary>
    private async Task<string> NodeTokenAsync(int organizationId, int collaborationId)
    {
        var apiKey = Guid.NewGuid().ToString();
        await using (server.Scope(out var db))
        {
            db.Nodes.Add(new Node
            {
                Name = V6TestServer.Unique("node"), ApiKey = PasswordHasher.Hash(apiKey),
                OrganizationId = organizationId, CollaborationId = collaborationId, Status = "offline",
            });
            await db.SaveChangesAsync();
        }
        var login = await server.PostAsync("/api/token/node", null, new { api_key = apiKey });
        return login.ExpectStatus(200).Json!["access_token"]!.GetValue<string>();
    }

    private async Task<int> RootOrganizationIdAsync(string root)
    {
        var reply = await server.GetAsync("/api/organization?name=root", root);
        return reply.ExpectStatus(200).Data.Single()!["id"]!.GetValue<int>();
    }

    // ---------------------------------------------------------------- POST

    [Fact]
    public async Task Post_CreatesOrganization_WithAllFieldsAndLinks()
    {
        var root = await server.RootTokenAsync();
        var name = V6TestServer.Unique("org");
        var key = B64(Pem);
        var reply = await server.PostAsync("/api/organization", root, new
        {
            name, domain = "example.org", address1 = "Street 1", address2 = "Utrecht", zipcode = "3511 DT",
            country = "Netherlands", public_key = key,
        });
        reply.ExpectStatus(201);
        Assert.Equal("application/json", reply.Headers["content-type"]);
        var id = reply.Json!["id"]!.GetValue<int>();
        AssertJson($$"""
            {"id": {{id}}, "name": "{{name}}", "domain": "example.org", "address1": "Street 1", "address2": "Utrecht",
             "zipcode": "3511 DT", "country": "Netherlands", "public_key": "{{key}}",
             "collaborations": "/api/collaboration?organization_id={{id}}", "nodes": "/api/node?organization_id={{id}}",
             "users": "/api/user?organization_id={{id}}", "tasks": "/api/task?init_org_id={{id}}",
             "runs": "/api/run?organization_id={{id}}", "studies": "/api/study?organization_id={{id}}"}
            """, reply.Json);

        var fetched = await server.GetAsync($"/api/organization/{id}", root);
        fetched.ExpectStatus(200);
        Assert.True(JsonNode.DeepEquals(reply.Json, fetched.Json));
        Assert.Equal(Pem, Encoding.UTF8.GetString(Convert.FromBase64String(fetched.Json!["public_key"]!.GetValue<string>())));

        // the key is stored as bytes, not as the submitted text
        await using (server.Scope(out var db))
            Assert.Equal(Encoding.UTF8.GetBytes(Pem), db.Organizations.Single(o => o.Id == id).PublicKey);
    }

    [Fact]
    public async Task Post_OnlyName_DefaultsToEmptyStrings()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.PostAsync("/api/organization", root, new { name = V6TestServer.Unique("org") });
        reply.ExpectStatus(201);
        Assert.Equal("", reply.Json!["public_key"]!.GetValue<string>());
        foreach (var field in new[] { "domain", "address1", "zipcode", "country" })
            Assert.Equal("", reply.Json[field]!.GetValue<string>());
        // address2: the reference gives null, "" is recommended; either is fine for clients
        Assert.True(reply.Json["address2"] is null || reply.Json["address2"]!.GetValue<string>() == "");
    }

    [Fact]
    public async Task Post_ValidationErrors_HaveExactBodies()
    {
        var root = await server.RootTokenAsync();
        var name = V6TestServer.Unique("org");

        var unknown = await server.PostAsync("/api/organization", root, new { name, nickname = "z" });
        Assert.Equal(400, unknown.Status);
        Assert.True(JsonNode.DeepEquals(ValidationBody("nickname", "Unknown field."), unknown.Json), unknown.Text);

        var missing = await server.PostAsync("/api/organization", root, new { country = "NL" });
        Assert.Equal(400, missing.Status);
        Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Missing data for required field."), missing.Json), missing.Text);

        var empty = await server.PostAsync("/api/organization", root, new { name = "" });
        Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Name cannot be empty"), empty.Json), empty.Text);

        var tooLong = await server.PostAsync("/api/organization", root, new { name = new string('a', 129) });
        Assert.Equal(400, tooLong.Status);
        Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Name cannot be longer than 128 characters"), tooLong.Json), tooLong.Text);
        (await server.PostAsync("/api/organization", root, new { name = "b" + Guid.NewGuid().ToString("N") + new string('b', 95) }))
            .ExpectStatus(201); // exactly 128 characters is fine

        var number = await server.PostAsync("/api/organization", root, new { name = 42 });
        Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Not a valid string."), number.Json), number.Text);

        var longAddress = await server.PostAsync("/api/organization", root, new { name, address1 = new string('x', 129) });
        Assert.True(JsonNode.DeepEquals(ValidationBody("address1", "Longer than maximum length 128."), longAddress.Json), longAddress.Text);

        var notObject = await server.PostAsync("/api/organization", root, new[] { 1, 2 });
        Assert.Equal(400, notObject.Status);
        Assert.True(JsonNode.DeepEquals(ValidationBody("_schema", "Invalid input type."), notObject.Json), notObject.Text);

        // invalid base64: the reference crashes (500); we answer 400 on the field
        var badKey = await server.PostAsync("/api/organization", root, new { name, public_key = "not base64!" });
        Assert.Equal(400, badKey.Status);
        Assert.Equal("Request body is incorrect", badKey.Msg);
        Assert.NotNull(badKey.Json!["errors"]!["public_key"]);

        // several problems at once are all reported
        var several = await server.PostAsync("/api/organization", root, new { name = 7, zipcode = 1, extra = true });
        Assert.Equal(new[] { "extra", "name", "zipcode" }, several.Json!["errors"]!.AsObject().Select(p => p.Key).Order());

        // nothing was created by the failed attempts
        Assert.Equal(0, (await server.GetAsync($"/api/organization?name={name}", root)).Total);
    }

    [Fact]
    public async Task NameIdConfusion_NumericNamesRefused()
    {
        var root = await server.RootTokenAsync();
        foreach (var numeric in new[] { "123", "0", "00042" })
        {
            var reply = await server.PostAsync("/api/organization", root, new { name = numeric });
            Assert.Equal(400, reply.Status);
            Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Name cannot a number"), reply.Json), reply.Text);
        }
        var id = await server.CreateOrganizationAsync(root);
        var patch = await server.PatchAsync($"/api/organization/{id}", root, new { name = "456" });
        Assert.Equal(400, patch.Status);
        Assert.True(JsonNode.DeepEquals(ValidationBody("name", "Name cannot a number"), patch.Json), patch.Text);
        // names that merely contain digits are fine
        (await server.PostAsync("/api/organization", root, new { name = "123 " + V6TestServer.Unique("org") })).ExpectStatus(201);
    }

    [Fact]
    public async Task Post_DuplicateName_Refused()
    {
        var root = await server.RootTokenAsync();
        var name = V6TestServer.Unique("org");
        await server.CreateOrganizationAsync(root, name);
        var again = await server.PostAsync("/api/organization", root, new { name });
        Assert.Equal(400, again.Status);
        Assert.Equal($"Organization with name '{name}' already exists!", again.Msg);
        Assert.Equal(1, (await server.GetAsync($"/api/organization?name={name}", root)).Total);
    }

    [Fact]
    public async Task Post_WithoutJsonContentType_Is415_AndMalformedJsonIs400()
    {
        var root = await server.RootTokenAsync();
        var body = $$"""{"name": "{{V6TestServer.Unique("org")}}"}""";

        var plain = await RawAsync(HttpMethod.Post, "/api/organization", root, body, "text/plain");
        Assert.Equal(415, plain.Status);
        AssertJson("""{"message": "Did not attempt to load JSON data because the request Content-Type was not 'application/json'."}""", plain.Json);
        var none = await RawAsync(HttpMethod.Post, "/api/organization", root, body, null);
        Assert.Equal(415, none.Status);

        var malformed = await RawAsync(HttpMethod.Post, "/api/organization", root, """{"name": """, "application/json");
        Assert.Equal(400, malformed.Status);
        AssertJson("""{"message": "The browser (or proxy) sent a request that this server could not understand."}""", malformed.Json);

        // application/*+json and a charset parameter are JSON too
        (await RawAsync(HttpMethod.Post, "/api/organization", root, body, "application/vnd.api+json; charset=utf-8")).ExpectStatus(201);

        var patch = await RawAsync(HttpMethod.Patch, $"/api/organization/{await server.CreateOrganizationAsync(root)}", root, "{}", "text/plain");
        Assert.Equal(415, patch.Status);
    }

    // ---------------------------------------------------------------- GET list

    [Fact]
    public async Task List_FiltersByNameCountryIdsAndCollaboration()
    {
        var root = await server.RootTokenAsync();
        var prefix = V6TestServer.Unique("flt");
        async Task<int> Make(string suffix, string country)
        {
            var r = await server.PostAsync("/api/organization", root, new { name = prefix + suffix, country });
            return r.ExpectStatus(201).Json!["id"]!.GetValue<int>();
        }
        var alpha = await Make("-alpha", "NL");
        var beta = await Make("-beta", "BE");
        var gamma = await Make("-gamma", "NL");

        var all = await server.GetAsync($"/api/organization?name={prefix}%25", root);
        Assert.Equal(new[] { alpha, beta, gamma }, Ids(all));
        Assert.Equal(3, all.Total);

        // LIKE without implicit wildcards; _ matches one character
        Assert.Empty((await server.GetAsync($"/api/organization?name={prefix}", root)).Data);
        Assert.Equal(new[] { beta }, Ids(await server.GetAsync($"/api/organization?name={prefix}-b%25", root)));
        Assert.Equal(new[] { alpha }, Ids(await server.GetAsync($"/api/organization?name={prefix}-_lpha", root)));

        Assert.Equal(new[] { alpha, gamma }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&country=NL", root)));
        Assert.Empty((await server.GetAsync($"/api/organization?name={prefix}%25&country=nl%25", root)).Data); // equality, not LIKE

        Assert.Equal(new[] { alpha, gamma }, Ids(await server.GetAsync($"/api/organization?ids={gamma}&ids={alpha}", root)));
        Assert.Equal(new[] { beta }, Ids(await server.GetAsync($"/api/organization?ids={beta}&name={prefix}%25", root)));

        var collab = await CollaborationAsync(alpha, beta);
        Assert.Equal(new[] { alpha, beta }, Ids(await server.GetAsync($"/api/organization?collaboration_id={collab}", root)));
        Assert.Equal(new[] { beta }, Ids(await server.GetAsync($"/api/organization?collaboration_id={collab}&country=BE", root)));

        var study = await StudyAsync(collab, beta);
        Assert.Equal(new[] { beta }, Ids(await server.GetAsync($"/api/organization?study_id={study}", root)));
        Assert.Empty((await server.GetAsync($"/api/organization?study_id={study}&collaboration_id={collab}&country=NL", root)).Data);
        var noStudy = await server.GetAsync("/api/organization?study_id=999999", root);
        Assert.True(noStudy.Status == 404 || (noStudy.Status == 200 && noStudy.Data.Count == 0), noStudy.Text); // the reference crashes

        var bad = await server.GetAsync("/api/organization?collaboration_id=abc", root);
        Assert.Equal(400, bad.Status);
        Assert.Equal(400, (await server.GetAsync("/api/organization?ids=1&ids=x", root)).Status);
    }

    [Fact]
    public async Task List_Pagination_LinksAndHeaders()
    {
        var root = await server.RootTokenAsync();
        var prefix = V6TestServer.Unique("pg");
        var ids = new List<int>();
        for (int i = 0; i < 5; i++) ids.Add(await server.CreateOrganizationAsync(root, $"{prefix}-{i}"));
        var q = $"name={prefix}%25&per_page=2";
        string Url(int page) => $"/api/organization?{q}&page={page}";

        var first = await server.GetAsync($"/api/organization?{q}", root);
        first.ExpectStatus(200);
        Assert.Equal(ids.Take(2), Ids(first));
        Assert.Equal("5", first.Headers["total-count"]);
        Assert.Equal("total-count, Link", first.Headers["access-control-expose-headers"]);
        AssertJson($$"""{"first": "{{Url(1)}}", "self": "{{Url(1)}}", "next": "{{Url(2)}}", "last": "{{Url(3)}}"}""", first.Json!["links"]);
        Assert.Equal($"<{Url(1)}>; rel=first,<{Url(1)}>; rel=self,<{Url(2)}>; rel=next,<{Url(3)}>; rel=last", first.Headers["link"]);

        var middle = await server.GetAsync($"/api/organization?{q}&page=2", root);
        Assert.Equal(ids.Skip(2).Take(2), Ids(middle));
        AssertJson($$"""{"first": "{{Url(1)}}", "previous": "{{Url(1)}}", "self": "{{Url(2)}}", "next": "{{Url(3)}}", "last": "{{Url(3)}}"}""",
            middle.Json!["links"]);
        Assert.Equal($"<{Url(1)}>; rel=first,<{Url(1)}>; rel=previous,<{Url(2)}>; rel=self,<{Url(3)}>; rel=next,<{Url(3)}>; rel=last",
            middle.Headers["link"]);

        var last = await server.GetAsync($"/api/organization?{q}&page=3", root);
        Assert.Equal(ids.Skip(4), Ids(last));
        AssertJson($$"""{"first": "{{Url(1)}}", "previous": "{{Url(2)}}", "self": "{{Url(3)}}", "last": "{{Url(3)}}"}""", last.Json!["links"]);

        var beyond = await server.GetAsync($"/api/organization?{q}&page=7", root);
        Assert.Empty(beyond.Data);
        Assert.Equal(5, beyond.Total);
        AssertJson($$"""{"first": "{{Url(1)}}", "previous": "{{Url(6)}}", "self": "{{Url(7)}}", "last": "{{Url(3)}}"}""", beyond.Json!["links"]);

        // page is replaced in place; repeated keys keep only their first value in links
        var inPlace = await server.GetAsync($"/api/organization?page=2&name={prefix}%25&per_page=1&ids={ids[3]}&ids={ids[4]}", root);
        Assert.Equal(new[] { ids[4] }, Ids(inPlace));
        Assert.Equal($"/api/organization?page=1&name={prefix}%25&per_page=1&ids={ids[3]}", inPlace.Json!["links"]!["first"]!.GetValue<string>());
        Assert.Equal(2, inPlace.Total);

        // nothing matches: no last link, total 0
        var none = await server.GetAsync($"/api/organization?name={prefix}-none", root);
        Assert.Empty(none.Data);
        Assert.Equal(0, none.Total);
        var noneLinks = none.Json!["links"]!.AsObject();
        Assert.Equal(new[] { "first", "self" }, noneLinks.Select(p => p.Key));

        // default page size is 10
        var prefix2 = V6TestServer.Unique("pg");
        for (int i = 0; i < 11; i++) await server.CreateOrganizationAsync(root, $"{prefix2}-{i}");
        var defaults = await server.GetAsync($"/api/organization?name={prefix2}%25", root);
        Assert.Equal(10, defaults.Data.Count);
        Assert.Equal(11, defaults.Total);
        Assert.Equal($"/api/organization?name={prefix2}%25&page=2", defaults.Json!["links"]!["next"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_Sorting()
    {
        var root = await server.RootTokenAsync();
        var prefix = V6TestServer.Unique("srt");
        var c = await server.CreateOrganizationAsync(root, prefix + "-c");
        var a = await server.CreateOrganizationAsync(root, prefix + "-a");
        var b = await server.CreateOrganizationAsync(root, prefix + "-b");

        Assert.Equal(new[] { c, a, b }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25", root))); // id order by default
        Assert.Equal(new[] { a, b, c }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&sort=name", root)));
        Assert.Equal(new[] { c, b, a }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&sort=-name", root)));
        Assert.Equal(new[] { b, a, c }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&sort=-id", root)));
        Assert.Equal(new[] { c, a, b }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&sort=%2Bid", root)));
        Assert.Equal(new[] { b, a, c }, Ids(await server.GetAsync($"/api/organization?name={prefix}%25&sort=country,%20-id", root)));

        var unknown = await server.GetAsync("/api/organization?sort=shoe_size", root);
        Assert.Equal(400, unknown.Status);
        Assert.Equal("Cannot sort a 'Organization' by 'shoe_size' because it does not exist", unknown.Msg);
        var relation = await server.GetAsync("/api/organization?sort=id,users", root);
        Assert.Equal(400, relation.Status);
        Assert.Equal("Cannot sort a 'Organization' by 'users' because it does not exist", relation.Msg);
    }

    // ---------------------------------------------------------------- GET / PATCH / DELETE one

    [Fact]
    public async Task Get_Missing_Is404()
    {
        var root = await server.RootTokenAsync();
        var reply = await server.GetAsync("/api/organization/999999", root);
        Assert.Equal(404, reply.Status);
        AssertJson("""{"msg": "Organization id=999999 not found!"}""", reply.Json);
    }

    [Fact]
    public async Task Patch_UpdatesFields_NullIsAbsent_DuplicateAndMissing()
    {
        var root = await server.RootTokenAsync();
        var id = await server.CreateOrganizationAsync(root);
        var full = await server.PatchAsync($"/api/organization/{id}", root, new
        {
            address1 = "A1", address2 = "A2", zipcode = "1234 AB", country = "Belgium", domain = "be.example", public_key = B64(Pem),
        });
        full.ExpectStatus(200);
        Assert.Equal("A1", full.Json!["address1"]!.GetValue<string>());
        Assert.Equal("A2", full.Json["address2"]!.GetValue<string>());
        Assert.Equal("1234 AB", full.Json["zipcode"]!.GetValue<string>());
        Assert.Equal("Belgium", full.Json["country"]!.GetValue<string>());
        Assert.Equal("be.example", full.Json["domain"]!.GetValue<string>());
        Assert.Equal(B64(Pem), full.Json["public_key"]!.GetValue<string>());

        // null means "not provided" (the UI sends null for fields that are null)
        var nulls = await server.PatchAsync($"/api/organization/{id}", root, new Dictionary<string, object?>
        {
            ["name"] = null, ["country"] = null, ["public_key"] = null, ["zipcode"] = "9999",
        });
        nulls.ExpectStatus(200);
        Assert.Equal("Belgium", nulls.Json!["country"]!.GetValue<string>());
        Assert.Equal(B64(Pem), nulls.Json["public_key"]!.GetValue<string>());
        Assert.Equal("9999", nulls.Json["zipcode"]!.GetValue<string>());
        var persisted = await server.GetAsync($"/api/organization/{id}", root);
        Assert.True(JsonNode.DeepEquals(nulls.Json, persisted.Json));

        var newName = V6TestServer.Unique("org");
        var renamed = await server.PatchAsync($"/api/organization/{id}", root, new { name = newName });
        Assert.Equal(newName, renamed.ExpectStatus(200).Json!["name"]!.GetValue<string>());
        (await server.PatchAsync($"/api/organization/{id}", root, new { name = newName })).ExpectStatus(200); // same name is no conflict

        var other = V6TestServer.Unique("org");
        await server.CreateOrganizationAsync(root, other);
        var duplicate = await server.PatchAsync($"/api/organization/{id}", root, new { name = other });
        Assert.Equal(400, duplicate.Status);
        Assert.Equal($"Organization with name '{other}' already exists!", duplicate.Msg);

        var unknown = await server.PatchAsync($"/api/organization/{id}", root, new { colour = "red" });
        Assert.True(JsonNode.DeepEquals(ValidationBody("colour", "Unknown field."), unknown.Json), unknown.Text);

        var missing = await server.PatchAsync("/api/organization/999999", root, new { country = "X" });
        Assert.Equal(404, missing.Status);
        Assert.Equal("Organization with id=999999 not found", missing.Msg);

        // clearing the key with "" gives "" back
        var cleared = await server.PatchAsync($"/api/organization/{id}", root, new { public_key = "" });
        Assert.Equal("", cleared.ExpectStatus(200).Json!["public_key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_OwnOrganization_Refused()
    {
        var root = await server.RootTokenAsync();
        var own = await RootOrganizationIdAsync(root);
        var reply = await server.DeleteAsync($"/api/organization/{own}?delete_dependents=true", root);
        Assert.Equal(400, reply.Status);
        Assert.Equal("You cannot delete your own organization!", reply.Msg);
        (await server.GetAsync($"/api/organization/{own}", root)).ExpectStatus(200);
    }

    [Fact]
    public async Task Delete_WithDependents_NeedsFlag_ThenRemovesUsers()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");

        var refused = await server.DeleteAsync($"/api/organization/{org}", root);
        Assert.Equal(400, refused.Status);
        Assert.Equal("Organization has dependents: 0 runs, 0 tasks, 0 nodes, 1 users, and 0 roles. Please specify 'delete_dependents=true' to delete them.",
            refused.Msg);
        (await server.GetAsync($"/api/user/{user.Id}", root)).ExpectStatus(200);

        var deleted = await server.DeleteAsync($"/api/organization/{org}?delete_dependents=true", root);
        deleted.ExpectStatus(200);
        AssertJson($$"""{"msg": "Organization id={{org}} was removed from the database"}""", deleted.Json);
        Assert.Equal(404, (await server.GetAsync($"/api/organization/{org}", root)).Status);
        Assert.Equal(404, (await server.GetAsync($"/api/user/{user.Id}", root)).Status);
        var login = await server.PostAsync("/api/token/user", null, new { username = user.Username, password = user.Password });
        Assert.Equal(401, login.Status);

        var again = await server.DeleteAsync($"/api/organization/{org}", root);
        Assert.Equal(404, again.Status);
        Assert.Equal($"Organization with id={org} not found", again.Msg);
    }

    [Fact]
    public async Task Delete_CountsEveryKindOfDependent()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        await server.CreateUserAsync(root, org);
        await server.CreateUserAsync(root, org);
        var collab = await CollaborationAsync(org);
        await NodeTokenAsync(org, collab);
        (await server.PostAsync("/api/role", root, new { name = V6TestServer.Unique("role"), rules = Array.Empty<int>(), organization_id = org }))
            .ExpectStatus(201);

        var refused = await server.DeleteAsync($"/api/organization/{org}", root);
        Assert.Equal("Organization has dependents: 0 runs, 0 tasks, 1 nodes, 2 users, and 1 roles. Please specify 'delete_dependents=true' to delete them.",
            refused.Msg);
        (await server.DeleteAsync($"/api/organization/{org}?delete_dependents=1", root)).ExpectStatus(200);
        await using (server.Scope(out var db))
        {
            Assert.False(db.Users.Any(u => u.OrganizationId == org));
            Assert.False(db.Nodes.Any(n => n.OrganizationId == org));
            Assert.False(db.Roles.Any(r => r.OrganizationId == org));
            Assert.False(db.Members.Any(m => m.OrganizationId == org));
            Assert.True(db.Collaborations.Any(c => c.Id == collab)); // the collaboration survives
        }
    }

    [Fact]
    public async Task DeleteDependentsFalse_IsTreatedAsFalse_UnlikeReferenceQuirk()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org);
        foreach (var value in new[] { "false", "False", "0", "no", "" })
        {
            var reply = await server.DeleteAsync($"/api/organization/{org}?delete_dependents={value}", root);
            Assert.Equal(400, reply.Status);
            Assert.StartsWith("Organization has dependents:", reply.Msg);
        }
        (await server.GetAsync($"/api/user/{user.Id}", root)).ExpectStatus(200);
        (await server.DeleteAsync($"/api/organization/{org}?delete_dependents=True", root)).ExpectStatus(200);
    }

    [Fact]
    public async Task Delete_WithoutDependents_NoFlagNeeded()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        (await server.DeleteAsync($"/api/organization/{org}", root)).ExpectStatus(200);
        Assert.Equal(404, (await server.GetAsync($"/api/organization/{org}", root)).Status);
    }

    // ---------------------------------------------------------------- permissions

    private sealed record World(string Root, int Own, int Partner, int Outsider, int Collab, int OtherCollab);

    /// <summary>Own organization in a collaboration with a partner; an outsider in a collaboration of its own.</summary>
    private async Task<World> WorldAsync()
    {
        var root = await server.RootTokenAsync();
        var own = await server.CreateOrganizationAsync(root);
        var partner = await server.CreateOrganizationAsync(root);
        var outsider = await server.CreateOrganizationAsync(root);
        var collab = await CollaborationAsync(own, partner);
        var otherCollab = await CollaborationAsync(outsider);
        return new World(root, own, partner, outsider, collab, otherCollab);
    }

    private async Task<string> UserTokenAsync(World w, params string[] roles)
    {
        var user = await server.CreateUserAsync(w.Root, w.Own, roles);
        return await server.LoginAsync(user.Username, user.Password);
    }

    private string IdsQuery(World w) => $"/api/organization?ids={w.Own}&ids={w.Partner}&ids={w.Outsider}";

    [Fact]
    public async Task Permissions_Root_CanDoEverything()
    {
        var w = await WorldAsync();
        Assert.Equal(new[] { w.Own, w.Partner, w.Outsider }, Ids(await server.GetAsync(IdsQuery(w), w.Root)));
        (await server.GetAsync($"/api/organization/{w.Outsider}", w.Root)).ExpectStatus(200);
        (await server.PatchAsync($"/api/organization/{w.Outsider}", w.Root, new { country = "X" })).ExpectStatus(200);
        (await server.GetAsync($"/api/organization?collaboration_id={w.OtherCollab}", w.Root)).ExpectStatus(200);
        (await server.DeleteAsync($"/api/organization/{w.Outsider}", w.Root)).ExpectStatus(200);
    }

    [Fact]
    public async Task Permissions_OrganizationAdmin_SeesCollaborators_EditsOwn_CannotCreateOrDelete()
    {
        var w = await WorldAsync();
        var token = await UserTokenAsync(w, "Organization Admin");

        Assert.Equal(new[] { w.Own, w.Partner }, Ids(await server.GetAsync(IdsQuery(w), token)));
        (await server.GetAsync($"/api/organization/{w.Own}", token)).ExpectStatus(200);
        (await server.GetAsync($"/api/organization/{w.Partner}", token)).ExpectStatus(200);
        var outsider = await server.GetAsync($"/api/organization/{w.Outsider}", token);
        Assert.Equal(401, outsider.Status);
        Assert.Equal("You do not have permission to do that!", outsider.Msg);

        var edited = await server.PatchAsync($"/api/organization/{w.Own}", token, new { zipcode = "1111" });
        Assert.Equal("1111", edited.ExpectStatus(200).Json!["zipcode"]!.GetValue<string>());
        var partnerEdit = await server.PatchAsync($"/api/organization/{w.Partner}", token, new { zipcode = "1111" });
        Assert.Equal(401, partnerEdit.Status);
        Assert.Equal("You lack the permission to do that!", partnerEdit.Msg);

        var create = await server.PostAsync("/api/organization", token, new { name = V6TestServer.Unique("org") });
        Assert.Equal(401, create.Status);
        Assert.Equal("You lack the permissions to do that!", create.Msg);
        // the permission check comes before validation
        Assert.Equal(401, (await server.PostAsync("/api/organization", token, new { bogus = 1 })).Status);

        var delete = await server.DeleteAsync($"/api/organization/{w.Partner}", token);
        Assert.Equal(401, delete.Status);
        Assert.Equal("You lack the permission to do that!", delete.Msg);
        var deleteMissing = await server.DeleteAsync("/api/organization/999999", token);
        Assert.Equal(401, deleteMissing.Status); // permission is checked before existence

        (await server.GetAsync($"/api/organization?collaboration_id={w.Collab}", token)).ExpectStatus(200);
        var foreign = await server.GetAsync($"/api/organization?collaboration_id={w.OtherCollab}", token);
        Assert.Equal(401, foreign.Status);
        Assert.Equal("You lack the permission to get all organizations in your collaboration!", foreign.Msg);
        var ownStudy = await StudyAsync(w.Collab, w.Own, w.Partner);
        Assert.Equal(new[] { w.Own, w.Partner }, Ids(await server.GetAsync($"/api/organization?study_id={ownStudy}", token)));
        var foreignStudy = await server.GetAsync($"/api/organization?study_id={await StudyAsync(w.OtherCollab, w.Outsider)}", token);
        Assert.Equal(401, foreignStudy.Status);
        Assert.Equal("You lack the permission to get all organizations in a study!", foreignStudy.Msg);
    }

    [Fact]
    public async Task Permissions_ResearcherAndViewer_ReadOnly()
    {
        var w = await WorldAsync();
        foreach (var role in new[] { "Researcher", "Viewer" })
        {
            var token = await UserTokenAsync(w, role);
            Assert.Equal(new[] { w.Own, w.Partner }, Ids(await server.GetAsync(IdsQuery(w), token)));
            (await server.GetAsync($"/api/organization/{w.Own}", token)).ExpectStatus(200);
            (await server.GetAsync($"/api/organization/{w.Partner}", token)).ExpectStatus(200);
            var other = await server.GetAsync($"/api/organization/{w.Outsider}", token);
            Assert.Equal(401, other.Status);
            Assert.Equal("You do not have permission to do that!", other.Msg);
            var patch = await server.PatchAsync($"/api/organization/{w.Own}", token, new { zipcode = "2222" });
            Assert.Equal(401, patch.Status);
            Assert.Equal("You lack the permission to do that!", patch.Msg);
            Assert.Equal(401, (await server.PostAsync("/api/organization", token, new { name = V6TestServer.Unique("org") })).Status);
            Assert.Equal(401, (await server.DeleteAsync($"/api/organization/{w.Partner}", token)).Status);
            // a missing organization is a 404 before the permission check on GET and PATCH
            Assert.Equal(404, (await server.GetAsync("/api/organization/999999", token)).Status);
            Assert.Equal(404, (await server.PatchAsync("/api/organization/999999", token, new { zipcode = "1" })).Status);
        }
    }

    [Fact]
    public async Task Permissions_CollaborationAdmin_SeesAll_EditsCollaborators()
    {
        var w = await WorldAsync();
        var token = await UserTokenAsync(w, "Collaboration Admin");
        Assert.Equal(new[] { w.Own, w.Partner, w.Outsider }, Ids(await server.GetAsync(IdsQuery(w), token)));
        (await server.GetAsync($"/api/organization/{w.Outsider}", token)).ExpectStatus(200);
        (await server.PatchAsync($"/api/organization/{w.Partner}", token, new { zipcode = "3333" })).ExpectStatus(200);
        Assert.Equal(401, (await server.PatchAsync($"/api/organization/{w.Outsider}", token, new { zipcode = "3333" })).Status);
        Assert.Equal(401, (await server.PostAsync("/api/organization", token, new { name = V6TestServer.Unique("org") })).Status);
    }

    [Fact]
    public async Task Permissions_UserWithoutRules_IsRefused()
    {
        var w = await WorldAsync();
        var token = await UserTokenAsync(w);
        var list = await server.GetAsync("/api/organization", token);
        Assert.Equal(401, list.Status);
        Assert.Equal("You lack the permission to do that!", list.Msg);
        Assert.Equal(401, (await server.GetAsync($"/api/organization/{w.Own}", token)).Status);
    }

    [Fact]
    public async Task Permissions_Node_ReadsCollaborators_UploadsOwnPublicKey()
    {
        var w = await WorldAsync();
        var token = await NodeTokenAsync(w.Own, w.Collab);

        Assert.Equal(new[] { w.Own, w.Partner }, Ids(await server.GetAsync(IdsQuery(w), token)));
        (await server.GetAsync($"/api/organization/{w.Own}", token)).ExpectStatus(200);
        (await server.GetAsync($"/api/organization/{w.Partner}", token)).ExpectStatus(200);
        Assert.Equal(401, (await server.GetAsync($"/api/organization/{w.Outsider}", token)).Status);

        var key = B64(Pem);
        var patched = await server.PatchAsync($"/api/organization/{w.Own}", token, new { public_key = key });
        Assert.Equal(key, patched.ExpectStatus(200).Json!["public_key"]!.GetValue<string>());
        Assert.Equal(key, (await server.GetAsync($"/api/organization/{w.Own}", w.Root)).Json!["public_key"]!.GetValue<string>());
        Assert.Equal(401, (await server.PatchAsync($"/api/organization/{w.Partner}", token, new { public_key = key })).Status);

        var create = await server.PostAsync("/api/organization", token, new { name = V6TestServer.Unique("org") });
        Assert.Equal(401, create.Status);
        Assert.Equal(401, (await server.DeleteAsync($"/api/organization/{w.Partner}", token)).Status);
    }

    [Fact]
    public async Task Permissions_Anonymous_IsRefused()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        foreach (var reply in new[]
                 {
                     await server.GetAsync("/api/organization"),
                     await server.GetAsync($"/api/organization/{org}"),
                     await server.PostAsync("/api/organization", null, new { name = V6TestServer.Unique("org") }),
                     await server.PatchAsync($"/api/organization/{org}", null, new { country = "X" }),
                     await server.DeleteAsync($"/api/organization/{org}"),
                 })
        {
            Assert.Equal(401, reply.Status);
            AssertJson("""{"msg": "Missing Authorization Header"}""", reply.Json);
        }
        (await server.GetAsync($"/api/organization/{org}", root)).ExpectStatus(200);
    }
}
