using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Common.Encryption;
using Vantage6.Server.Tests.Federation;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>With a server blob store, inputs are uploaded as blobs and blob results are downloaded before decryption (§3.4).</summary>
public class BlobStoreClientTests(BlobServer server) : IClassFixture<BlobServer>
{
    private async Task<byte[]> DownloadAsync(string token, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/blobstream/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<string> UploadAsync(string token, byte[] content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/blobstream") { Content = new ByteArrayContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(201, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["uuid"]!.GetValue<string>();
    }

    private async Task<(int RunId, string Input, bool Blob)> OpenRunAsync(Network n, int i, int taskId)
    {
        var open = (await server.GetAsync($"/api/run?state=open&node_id={n.Nodes[i].Id}&task_id={taskId}", n.Nodes[i].Token)).ExpectStatus(200);
        var run = Assert.Single(open.Data)!;
        return (run["id"]!.GetValue<int>(), run["input"]!.GetValue<string>(), run["blob_storage_used"]!.GetValue<bool>());
    }

    [Fact]
    public async Task EncryptedBlobs_InputUploadedPerOrganization_ResultDownloadedAndDecrypted()
    {
        var n = await server.ArrangeAsync(encrypted: true, orgCount: 2);
        using var user = n.User;
        using var ownKey = RsaKeys.Generate(ClientTestSupport.TestKeySize);
        await user.SetupEncryptionFromPemAsync(RsaKeys.ToPrivateKeyPem(ownKey));
        using var otherKey = await server.GiveOrganizationKeyAsync(n.Nodes[1].Token, n.Orgs[1]);

        var task = await user.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = n.Collab, Organizations = n.Orgs, Image = "img", Input = new TaskInput { Method = "big", Args = [1, "two"] },
        });
        var keys = new[] { ownKey, otherKey };
        for (int i = 0; i < 2; i++)
        {
            var (runId, input, blob) = await OpenRunAsync(n, i, task.Id);
            Assert.True(blob);
            Assert.True(Guid.TryParse(input, out _));
            var bytes = await DownloadAsync(n.Nodes[i].Token, input);
            Assert.True(PayloadCryptor.IsEncryptedBytes(bytes));
            var plain = JsonNode.Parse(PayloadCryptor.DecryptBytes(bytes, keys[i]))!;
            Assert.Equal("big", plain["method"]!.GetValue<string>());
            Assert.Equal("two", plain["args"]![1]!.GetValue<string>());

            var result = await UploadAsync(n.Nodes[i].Token, PayloadCryptor.EncryptBytes(Encoding.UTF8.GetBytes($"{{\"rows\": {100 * (i + 1)}}}"), ownKey));
            await server.FinishRunAsync(n.Nodes[i].Token, runId, result);
        }

        var results = await user.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick);
        Assert.Equal([100, 200], results.Select(r => r.Parse()!["rows"]!.GetValue<int>()).Order());
        Assert.Contains("big", await user.Runs.DecryptInputAsync((await user.Runs.FromTaskAsync(task.Id)).Single(r => r.Organization!.Id == n.Orgs[0])));
    }

    [Fact]
    public async Task UnencryptedBlobs_HoldBase64()
    {
        var n = await server.ArrangeAsync(encrypted: false, orgCount: 1);
        using var user = n.User;
        var task = await user.Tasks.CreateAsync(new NewTask { CollaborationId = n.Collab, Organizations = n.Orgs, Image = "img", Input = new TaskInput { Method = "m" } });
        var (runId, input, blob) = await OpenRunAsync(n, 0, task.Id);
        Assert.True(blob);
        var stored = Encoding.ASCII.GetString(await DownloadAsync(n.Nodes[0].Token, input));
        Assert.Equal("m", JsonNode.Parse(Convert.FromBase64String(stored))!["method"]!.GetValue<string>());

        var result = await UploadAsync(n.Nodes[0].Token, Encoding.ASCII.GetBytes(Convert.ToBase64String("[1, 2, 3]"u8)));
        await server.FinishRunAsync(n.Nodes[0].Token, runId, result);
        var single = Assert.Single(await user.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick));
        Assert.Equal([1, 2, 3], single.Deserialize<int[]>()!);
    }
}
