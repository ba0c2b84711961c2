using System.Text.Json;
using System.Text.Json.Nodes;
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
        // Algorithms it knows: "digest/*" images come with a digest, "plain/*" without, others are unknown.
        app.MapGet("/api/algorithm", (HttpContext ctx) =>
        {
            var image = ctx.Request.Query["image"].ToString();
            calls.Enqueue($"GET algorithm image={image} server_url={ctx.Request.Headers["server_url"]} auth={ctx.Request.Headers.Authorization.Count > 0}");
            if (image.StartsWith("digest/")) return Results.Json(new { data = new[] { new { image, digest = "sha256:abc123" } } });
            if (image.StartsWith("plain/")) return Results.Json(new { data = new[] { new { image } } });
            if (image.StartsWith("secret/")) return Results.Json(new { msg = "You are not allowed to view this algorithm" }, statusCode: 401);
            return Results.Json(new { data = Array.Empty<object>() });
        });
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

    [Fact]
    public async Task TaskWithStoreId_PinsTheImageToTheStoreDigest()
    {
        await using var store = await FakeAlgorithmStore.StartAsync();
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var storeId = (await server.PostAsync("/api/algorithmstore", n.Root, new
        {
            name = "s", algorithm_store_url = store.Url, collaboration_id = n.Collab, server_url = "http://127.0.0.1:7601", force = true,
        })).ExpectStatus(201).Json!["id"]!.GetValue<int>();

        JsonObject Body(string image, int? sid, string? serverUrl = "http://127.0.0.1:7601")
        {
            var body = JsonSerializer.SerializeToNode(FederatedFlowTests.TaskBody(n, image))!.AsObject();
            if (sid is not null) body["store_id"] = sid;
            if (serverUrl is not null) body["server_url"] = serverUrl;
            return body;
        }

        var pinned = (await server.PostAsync("/api/task", n.Researcher, Body("digest/average", storeId))).ExpectStatus(201).Json!;
        Assert.Equal("digest/average@sha256:abc123", pinned["image"]!.GetValue<string>());
        Assert.Equal(storeId, pinned["algorithm_store"]!["id"]!.GetValue<int>());
        Assert.Contains("GET algorithm image=digest/average server_url=http://127.0.0.1:7601/api auth=True", store.Received);

        var unpinned = (await server.PostAsync("/api/task", n.Researcher, Body("plain/average", storeId))).ExpectStatus(201).Json!;
        Assert.Equal("plain/average", unpinned["image"]!.GetValue<string>());
        Assert.Null(unpinned["algorithm_store"]);

        var unknown = await server.PostAsync("/api/task", n.Researcher, Body("other/average", storeId));
        Assert.Equal((400, "Algorithm not found in store!"), (unknown.Status, unknown.Msg));
        var refused = await server.PostAsync("/api/task", n.Researcher, Body("secret/average", storeId));
        Assert.Equal((400, "Could not retrieve algorithm from store! You are not allowed to view this algorithm"), (refused.Status, refused.Msg));
        var noServerUrl = await server.PostAsync("/api/task", n.Researcher, Body("digest/average", storeId, serverUrl: null));
        Assert.Equal((400, "Server URL is not set in the configuration nor in the request arguments. Please provide it as 'server_url' in the request."),
            (noServerUrl.Status, noServerUrl.Msg));
        var missing = await server.PostAsync("/api/task", n.Researcher, Body("digest/average", 999999));
        Assert.Equal((400, "Algorithm store id=999999 not found!"), (missing.Status, missing.Msg));

        // A store linked to another collaboration cannot resolve images for this one.
        var other = await FederatedFlowTests.ArrangeAsync(server);
        var foreign = (await server.PostAsync("/api/algorithmstore", other.Root, new
        {
            name = "f", algorithm_store_url = store.Url, collaboration_id = other.Collab, server_url = "http://127.0.0.1:7601", force = true,
        })).ExpectStatus(201).Json!["id"]!.GetValue<int>();
        var wrongCollab = await server.PostAsync("/api/task", n.Researcher, Body("digest/average", foreign));
        Assert.Equal((403, "The algorithm store is not part of the collaboration to which the task is posted."), (wrongCollab.Status, wrongCollab.Msg));
    }
}
