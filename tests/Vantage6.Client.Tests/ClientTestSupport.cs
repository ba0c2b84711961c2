using System.Security.Cryptography;
using Vantage6.Common.Encryption;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>A collaboration with one node per organization and a user of the first organization.</summary>
public sealed record Network(V6Client Root, V6Client User, int[] Orgs, int Collab, (int Id, string ApiKey, string Token)[] Nodes);

public static class ClientTestSupport
{
    /// <summary>2048-bit keys keep the tests quick; decryptors accept any modulus size.</summary>
    public const int TestKeySize = 2048;

    public static V6Client NewClient(this V6TestServer server) => new(server.Client, "/api");

    public static async Task<V6Client> ClientLoginAsync(this V6TestServer server, string username, string password)
    {
        var client = server.NewClient();
        await client.AuthenticateAsync(username, password);
        return client;
    }

    public static Task<V6Client> RootAsync(this V6TestServer server) => server.ClientLoginAsync("root", V6TestServer.RootPassword);

    /// <summary>
    /// As root: <paramref name="orgCount"/> organizations, a collaboration of them, a node for each
    /// (logged in with its API key over REST) and a Collaboration Admin user in the first organization.
    /// </summary>
    public static async Task<Network> ArrangeAsync(this V6TestServer server, bool encrypted, int orgCount = 2)
    {
        var root = await server.RootAsync();
        var orgs = new int[orgCount];
        for (int i = 0; i < orgCount; i++) orgs[i] = (await root.Organizations.CreateAsync(new NewOrganization { Name = V6TestServer.Unique("org") })).Id;
        var collab = await root.Collaborations.CreateAsync(V6TestServer.Unique("col"), orgs, encrypted);
        var nodes = new List<(int, string, string)>();
        foreach (var org in orgs)
        {
            var node = await root.Nodes.CreateAsync(collab.Id, org);
            var login = (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey })).ExpectStatus(200);
            nodes.Add((node.Id, node.ApiKey!, login.Json!["access_token"]!.GetValue<string>()));
        }
        var rootToken = await server.RootTokenAsync();
        var user = await server.CreateUserAsync(rootToken, orgs[0], "Collaboration Admin");
        return new Network(root, await server.ClientLoginAsync(user.Username, user.Password), orgs, collab.Id, nodes.ToArray());
    }

    /// <summary>A new organization key as PEM; its public part is uploaded by the node of that organization.</summary>
    public static async Task<RSA> GiveOrganizationKeyAsync(this V6TestServer server, string nodeToken, int organizationId)
    {
        var key = RsaKeys.Generate(TestKeySize);
        (await server.PatchAsync($"/api/organization/{organizationId}", nodeToken, new { public_key = RsaKeys.PublicKeyField(key) })).ExpectStatus(200);
        return key;
    }

    /// <summary>Finishes a run as a node does: active, then result, log, status and finished_at.</summary>
    public static async Task FinishRunAsync(this V6TestServer server, string nodeToken, int runId, string result, string status = "completed")
    {
        (await server.PatchAsync($"/api/run/{runId}", nodeToken, new { status = "active", started_at = DateTime.UtcNow.ToString("O") })).ExpectStatus(200);
        (await server.PatchAsync($"/api/run/{runId}", nodeToken, new
        {
            result, log = "done", status, finished_at = DateTime.UtcNow.ToString("O"),
        })).ExpectStatus(200);
    }

    public static readonly WaitOptions Quick = new() { InitialInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(30) };
}
