using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>A stand-in algorithm store on 127.0.0.1 that records the whitelisting calls it receives.</summary>
public sealed class FakeAlgorithmStore : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _calls;
    public string Url { get; }

    private FakeAlgorithmStore(WebApplication app, string url, ConcurrentQueue<string> calls) { _app = app; Url = url; _calls = calls; }

    public static async Task<FakeAlgorithmStore> StartAsync(int whitelistStatus = 201)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var calls = new ConcurrentQueue<string>();
        app.MapPost("/api/vantage6-server", (HttpContext ctx) =>
        {
            calls.Enqueue($"POST whitelist server_url={ctx.Request.Headers["server_url"]}");
            return Results.Json(new { id = 7, msg = whitelistStatus == 201 ? "ok" : "refused" }, statusCode: whitelistStatus);
        });
        app.MapGet("/api/policy/public", () => Results.Json(new { algorithm_view = "private" }));
        app.MapGet("/api/vantage6-server", () => { calls.Enqueue("GET whitelist"); return Results.Json(new[] { new { id = 7 } }); });
        app.MapDelete("/api/vantage6-server/{id}", (string id) => { calls.Enqueue($"DELETE whitelist {id}"); return Results.Json(new { msg = "deleted" }); });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeAlgorithmStore(app, address + "/api", calls);
    }

    public IReadOnlyList<string> Received => _calls.ToList();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public class AlgorithmStoreApiTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task LinkAndUnlinkAStore_RegistersThisServerThere()
    {
        await using var store = await FakeAlgorithmStore.StartAsync();
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var body = new { name = "local store", algorithm_store_url = store.Url + "/", collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601" };
        var refused = await server.PostAsync("/api/algorithmstore", n.Root, body);
        Assert.Equal(400, refused.Status); // a local store needs force
        var created = (await server.PostAsync("/api/algorithmstore", n.Root, new
        {
            name = "local store", algorithm_store_url = store.Url + "/", collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601", force = true,
        })).ExpectStatus(201).Json!;
        Assert.Equal(store.Url, created["url"]!.GetValue<string>());
        Assert.Equal($"/api/collaboration?algorithm_store_id={created["id"]}", created["collaborations"]!.GetValue<string>());
        Assert.Contains("POST whitelist server_url=http://127.0.0.1:7601/api", store.Received);

        var again = await server.PostAsync("/api/algorithmstore", n.Root, new
        {
            name = "x", algorithm_store_url = store.Url, collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601", force = true,
        });
        Assert.Equal("Algorithm store is already available for this collaboration", again.Msg);

        // Researchers of the collaboration see it; they cannot add stores for everyone.
        Assert.Equal(1, (await server.GetAsync($"/api/algorithmstore?collaboration_id={n.Collab}", n.Researcher)).Total);
        var global = await server.PostAsync("/api/algorithmstore", n.Researcher,
            new { name = "g", algorithm_store_url = "https://store.example.org/api", server_url = "https://v6.example.org" });
        Assert.Equal("You lack the permission to add algorithm stores for all collaborations!", global.Msg);
        Assert.Equal(200, (await server.GetAsync($"/api/algorithmstore/{created["id"]}", n.Nodes[0].Token)).Status);

        (await server.DeleteAsync($"/api/algorithmstore/{created["id"]}?server_url=http://127.0.0.1:7601", n.Root)).ExpectStatus(200);
        Assert.Contains("DELETE whitelist 7", store.Received);
        Assert.Equal(404, (await server.GetAsync($"/api/algorithmstore/{created["id"]}", n.Root)).Status);
    }

    [Fact]
    public async Task UnreachableOrRefusingStore_IsReported()
    {
        await using var refusing = await FakeAlgorithmStore.StartAsync(whitelistStatus: 403);
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var forbidden = await server.PostAsync("/api/algorithmstore", n.Root, new
        {
            name = "s", algorithm_store_url = refusing.Url, collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601", force = true,
        });
        Assert.Equal(403, forbidden.Status);
        Assert.StartsWith("Algorithm store error: refused", forbidden.Msg);

        var unreachable = await server.PostAsync("/api/algorithmstore", n.Root, new
        {
            name = "s", algorithm_store_url = "http://127.0.0.1:9/api", collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601", force = true,
        });
        Assert.Equal(404, unreachable.Status);
    }
}
