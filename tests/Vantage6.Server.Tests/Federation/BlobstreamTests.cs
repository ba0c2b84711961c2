using System.Net.Http.Headers;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>A server with a local blob store.</summary>
public sealed class BlobServer : V6TestServer
{
    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), $"v6blobs-{Guid.NewGuid():N}");
    protected override string ExtraYaml => $"large_result_store: {{type: local, directory: {BlobDirectory}}}";
}

public class BlobstreamTests(BlobServer server) : IClassFixture<BlobServer>
{
    private async Task<string> UploadAsync(string token, byte[] content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/blobstream") { Content = new ByteArrayContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(201, (int)response.StatusCode);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return json["uuid"]!.GetValue<string>();
    }

    [Fact]
    public async Task LargeInputs_GoThroughTheBlobStore()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        Assert.True((await server.GetAsync("/api/blobstream/status", n.Researcher)).Json!["blob_store_enabled"]!.GetValue<bool>());

        var payload = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(payload);
        var blob = await UploadAsync(n.Researcher, payload);
        Assert.True(File.Exists(Path.Combine(server.BlobDirectory, blob)));

        // With a blob store, inputs must be blob ids.
        var plain = await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n));
        Assert.Equal(400, plain.Status);
        var task = (await server.PostAsync("/api/task", n.Researcher, new
        {
            image = "x/y", collaboration_id = n.Collab, organizations = new[] { new { id = n.Orgs[0], input = blob } },
        })).ExpectStatus(201).Json!;
        var run = (await server.GetAsync($"/api/run?task_id={task["id"]}", n.Nodes[0].Token)).Data.Single()!;
        Assert.True(run["blob_storage_used"]!.GetValue<bool>());
        Assert.Equal(blob, run["input"]!.GetValue<string>());

        // The node downloads the input as it was uploaded, byte for byte.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/blobstream/{blob}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", n.Nodes[0].Token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());

        // Users of unrelated organizations cannot read it; unknown ids are 404.
        var other = await server.CreateOrganizationAsync(n.Root);
        var stranger = await server.CreateUserAsync(n.Root, other, "Researcher");
        var strangerToken = await server.LoginAsync(stranger.Username, stranger.Password);
        Assert.Equal(401, (await server.GetAsync($"/api/blobstream/{blob}", strangerToken)).Status);
        Assert.Equal(404, (await server.GetAsync($"/api/blobstream/{Guid.NewGuid()}", n.Researcher)).Status);

        // Deleting the task deletes the blob.
        (await server.DeleteAsync($"/api/task/{task["id"]}", n.Root)).ExpectStatus(200);
        Assert.False(File.Exists(Path.Combine(server.BlobDirectory, blob)));
    }

    [Fact]
    public async Task Viewers_CannotUploadBlobs()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var viewer = await server.CreateUserAsync(root, org, "Viewer");
        var token = await server.LoginAsync(viewer.Username, viewer.Password);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/blobstream") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(401, (int)response.StatusCode);
    }
}

public class BlobstreamDisabledTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task WithoutBlobStore_StatusIsFalse_AndUploadIs501()
    {
        var root = await server.RootTokenAsync();
        Assert.False((await server.GetAsync("/api/blobstream/status", root)).Json!["blob_store_enabled"]!.GetValue<bool>());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/blobstream") { Content = new ByteArrayContent([1]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", root);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(501, (int)response.StatusCode);
    }
}
