using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary>
/// <c>/algorithmstore</c> (api-federation §9): links from this server to algorithm stores, for all
/// collaborations or one. Linking and unlinking also (un)registers this server at the store.
/// </summary>
public static class AlgorithmStoreApi
{
    private const string Resource = "collaboration";
    public const string HttpClientName = "algorithm-store";

    private static readonly Func<object, string?> IsUrl = v =>
        Uri.TryCreate((string)v, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? null : "Not a valid URL.";

    private static readonly BodySchema CreateSchema = new BodySchema()
        .String("name", required: true)
        .String("algorithm_store_url", required: true, checks: IsUrl)
        .String("server_url", checks: IsUrl)
        .Any("collaboration_id")
        .Boolean("force");

    private static readonly BodySchema PatchSchema = new BodySchema()
        .String("name", nullIsAbsent: true)
        .Integer("collaboration_id", checks: BodySchema.AtLeast(1));

    public static RouteGroupBuilder MapAlgorithmStoreApi(this RouteGroupBuilder api)
    {
        api.MapGet("/algorithmstore", List).For(Callers.User);
        api.MapPost("/algorithmstore", Create).For(Callers.User);
        api.MapGet("/algorithmstore/{id:int:min(0)}", Get).For(Callers.UserOrNode);
        api.MapMethods("/algorithmstore/{id:int:min(0)}", ["PATCH"], Patch).For(Callers.User);
        api.MapDelete("/algorithmstore/{id:int:min(0)}", Delete).For(Callers.User);
        return api;
    }

    private static object View(AlgorithmStore s, ApiPaths paths) => new
    {
        id = s.Id,
        name = s.Name,
        url = s.Url,
        collaborations = s.CollaborationId is null ? null : paths.Collection("collaboration", "algorithm_store_id", s.Id),
    };

    /// <summary>
    /// Task creation with <c>store_id</c> (api-federation §6.3 step 10): asks the store for the algorithm
    /// with this image, on behalf of the caller. Returns the image to store (pinned to the store's digest
    /// when it has one) and the store to record on the task (none without a digest).
    /// </summary>
    internal static async Task<(string Image, int? StoreId)> ResolveTaskImageAsync(AlgorithmStore store, int? collaborationId, string image,
        string? serverUrlArgument, HttpContext ctx)
    {
        if (store.CollaborationId is not null && store.CollaborationId != collaborationId)
            throw ApiException.Msg(403, "The algorithm store is not part of the collaboration to which the task is posted.");
        var config = ctx.RequestServices.GetRequiredService<ServerConfig>();
        var serverUrl = ServerUrl(serverUrlArgument, config) ?? throw ApiException.BadRequest(
            "Server URL is not set in the configuration nor in the request arguments. Please provide it as 'server_url' in the request.");
        var client = ctx.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
        JsonNode? first;
        try
        {
            using var response = await client.SendAsync(StoreRequest(HttpMethod.Get, $"{store.Url}/algorithm?image={Uri.EscapeDataString(image)}", ctx, serverUrl));
            if (response.StatusCode != HttpStatusCode.OK)
                throw ApiException.BadRequest($"Could not retrieve algorithm from store! {await StoreMessageAsync(response)}");
            JsonNode? listing;
            try { listing = await response.Content.ReadFromJsonAsync<JsonNode>(); }
            catch (System.Text.Json.JsonException) { throw ApiException.BadRequest("Could not retrieve algorithm from store! The store's answer is not JSON."); }
            first = (listing?["data"] as JsonArray)?.FirstOrDefault();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw ApiException.BadRequest("Could not retrieve algorithm from store! The algorithm store cannot be reached.");
        }
        if (first is null) throw ApiException.BadRequest("Algorithm not found in store!");
        var storedImage = first["image"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? first["image"]!.GetValue<string>() : image;
        var digest = first["digest"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? first["digest"]!.GetValue<string>() : null;
        return string.IsNullOrEmpty(digest) ? (storedImage, null) : ($"{storedImage}@{digest}", store.Id);
    }

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        IQueryable<AlgorithmStore> q = db.AlgorithmStores.AsNoTracking();
        if (req.Str("name") is { } name) q = q.Where(s => EF.Functions.Like(s.Name!, name));
        if (req.Str("url") is { } url) q = q.Where(s => EF.Functions.Like(s.Url!, url));
        if (req.Int("collaboration_id") is { } collabId)
        {
            if (!await db.Collaborations.AnyAsync(c => c.Id == collabId)) throw ApiException.NotFound("Collaboration not found");
            if (!perm.Has(Scope.GLOBAL, Operation.VIEW) &&
                !(perm.Has(Scope.ORGANIZATION, Operation.VIEW) && actor.OrganizationCollaborations.Contains(collabId)))
                throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(s => s.CollaborationId == collabId || s.CollaborationId == null);
        }
        if (!perm.Has(Scope.GLOBAL, Operation.VIEW))
        {
            if (!perm.Has(Scope.ORGANIZATION, Operation.VIEW)) throw ApiException.Unauthorized("You lack the permission to do that!");
            var collabs = actor.OrganizationCollaborations.ToList();
            q = q.Where(s => s.CollaborationId == null || collabs.Contains(s.CollaborationId.Value));
        }
        return await Pagination.PageAsync(ctx, db, q, s => View(s, paths), "AlgorithmStore");
    }

    private static async Task<IResult> Get(int id, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var store = await db.AlgorithmStores.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id)
                    ?? throw ApiException.NotFound($"Algorithm store id={id} not found");
        var perm = actor.On(Resource);
        bool allowed = perm.Has(Scope.GLOBAL, Operation.VIEW) || (perm.Has(Scope.ORGANIZATION, Operation.VIEW)
            && (store.CollaborationId is null || actor.OrganizationCollaborations.Contains(store.CollaborationId.Value)));
        if (!allowed) throw ApiException.Unauthorized("You lack the permission to do that!");
        return Results.Json(View(store, paths));
    }

    /// <summary>The Python client sends <c>collaboration_id</c> as a one-element list; accept that too.</summary>
    private static int? CollaborationId(Body body)
    {
        if (body.Element("collaboration_id") is not { } e || e.ValueKind == System.Text.Json.JsonValueKind.Null) return null;
        if (e.ValueKind == System.Text.Json.JsonValueKind.Array && e.GetArrayLength() == 1) e = e[0];
        if (e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetInt32(out var id) && id >= 1) return id;
        throw ApiException.Validation(new JsonObject { ["collaboration_id"] = new JsonArray("Not a valid integer.") });
    }

    internal static string? ServerUrl(string? given, ServerConfig config)
    {
        var url = given ?? config.ServerUrl;
        if (string.IsNullOrEmpty(url)) return null;
        url = url.TrimEnd('/');
        return url.EndsWith(config.ApiPath, StringComparison.Ordinal) ? url : url + config.ApiPath;
    }

    internal static HttpRequestMessage StoreRequest(HttpMethod method, string url, HttpContext ctx, string serverUrl, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("server_url", serverUrl);
        if (ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    internal static async Task<string> StoreMessageAsync(HttpResponseMessage response)
    {
        try { return (await response.Content.ReadFromJsonAsync<JsonObject>())?["msg"]?.ToString() ?? response.ReasonPhrase ?? ""; }
        catch (Exception) { return response.ReasonPhrase ?? ""; }
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, ServerConfig config,
        IHttpClientFactory clients)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var collabId = CollaborationId(body);
        if (collabId is not null && !await db.Collaborations.AnyAsync(c => c.Id == collabId)) throw ApiException.NotFound("Collaboration not found");
        if (collabId is null && !actor.Has(Resource, Scope.GLOBAL, Operation.EDIT))
            throw ApiException.Unauthorized("You lack the permission to add algorithm stores for all collaborations!");
        if (collabId is not null && !actor.On(Resource).CanForCollaboration(Operation.EDIT, collabId))
            throw ApiException.Unauthorized("You lack the permission to do that!");

        var url = body.String("algorithm_store_url")!;
        if (url.EndsWith('/')) url = url[..^1];
        var existing = await db.AlgorithmStores.AsNoTracking().Where(s => s.Url == url).ToListAsync();
        if (existing.Any(s => s.CollaborationId is null)) throw ApiException.BadRequest("Algorithm store is already available for all collaborations");
        if (collabId is not null && existing.Any(s => s.CollaborationId == collabId))
            throw ApiException.BadRequest("Algorithm store is already available for this collaboration");
        bool force = body.Bool("force") == true;
        if ((url.Contains("localhost") || url.Contains("127.0.0.1")) && !force)
            throw ApiException.BadRequest(
                "You are trying to register a local algorithm store. This is not recommended for production; set 'force' to true to register it anyway.");
        var serverUrl = ServerUrl(body.String("server_url"), config)
                        ?? throw ApiException.BadRequest("Server URL is not set in the configuration nor in the request arguments. Please provide it as 'server_url' in the request.");

        var client = clients.CreateClient(HttpClientName);
        var payload = force ? (object)new { url = serverUrl, force = true } : new { url = serverUrl };
        try
        {
            using var response = await client.SendAsync(StoreRequest(HttpMethod.Post, url + "/vantage6-server", ctx, serverUrl, payload));
            if (response.StatusCode == HttpStatusCode.Forbidden)
            {
                using var policy = await client.SendAsync(StoreRequest(HttpMethod.Get, url + "/policy/public", ctx, serverUrl));
                var view = policy.IsSuccessStatusCode ? (await policy.Content.ReadFromJsonAsync<JsonObject>())?["algorithm_view"]?.ToString() : null;
                if (view != "public")
                    return Results.Json(new { msg = $"Algorithm store error: {await StoreMessageAsync(response)}, HTTP status: 403" }, statusCode: 403);
            }
            else if ((int)response.StatusCode is not (201 or 208 or 200))
                return Results.Json(new { msg = $"Algorithm store error: {await StoreMessageAsync(response)}" }, statusCode: (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw ApiException.NotFound(
                "Algorithm store cannot be reached. Make sure that it is online and that you have included the API path (default /api) at the end of the algorithm store URL");
        }

        var store = new AlgorithmStore { Name = body.String("name"), Url = url, CollaborationId = collabId };
        await using var tx = await db.Database.BeginTransactionAsync();
        if (collabId is null) await db.AlgorithmStores.Where(s => s.Url == url).ExecuteDeleteAsync();
        db.AlgorithmStores.Add(store);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return Results.Json(View(store, paths), statusCode: 201);
    }

    private static async Task<IResult> Patch(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var store = await db.AlgorithmStores.FirstOrDefaultAsync(s => s.Id == id) ?? throw ApiException.NotFound($"Algorithm store id={id} not found");
        var body = PatchSchema.Validate(await RequestBody.ReadJsonAsync(ctx), partial: true);
        var perm = actor.On(Resource);
        bool CanEdit(int? collab) => collab is null ? perm.Has(Scope.GLOBAL, Operation.EDIT) : perm.CanForCollaboration(Operation.EDIT, collab);
        if (!CanEdit(store.CollaborationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (body.Int("collaboration_id") is { } newCollab)
        {
            if (!CanEdit(newCollab)) throw ApiException.Unauthorized("You lack the permission to do that!");
            store.CollaborationId = newCollab;
        }
        if (body.String("name") is { } name) store.Name = name;
        await db.SaveChangesAsync();
        return Results.Json(View(store, paths));
    }

    private static async Task<IResult> Delete(int id, HttpContext ctx, Actor actor, V6DbContext db, ServerConfig config, IHttpClientFactory clients)
    {
        var store = await db.AlgorithmStores.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id)
                    ?? throw ApiException.NotFound($"Algorithm store id={id} is not found");
        var perm = actor.On(Resource);
        bool canEdit = store.CollaborationId is null ? perm.Has(Scope.GLOBAL, Operation.EDIT) : perm.CanForCollaboration(Operation.EDIT, store.CollaborationId);
        if (!canEdit) throw ApiException.Unauthorized("You lack the permission to do that!");
        var sameUrl = await db.AlgorithmStores.AsNoTracking().Where(s => s.Url == store.Url).Select(s => s.Id).ToListAsync();
        if (sameUrl.Count > 1 && !perm.Has(Scope.GLOBAL, Operation.EDIT))
            throw ApiException.Unauthorized("This algorithm store is used by other collaborations. You lack the permission to delete it!");
        var serverUrl = ServerUrl(ctx.Request.Str("server_url"), config) ?? throw ApiException.BadRequest("The 'server_url' query parameter is required");

        var client = clients.CreateClient(HttpClientName);
        try
        {
            using var list = await client.SendAsync(StoreRequest(HttpMethod.Get,
                $"{store.Url}/vantage6-server?url={Uri.EscapeDataString(serverUrl)}", ctx, serverUrl));
            if (list.IsSuccessStatusCode)
            {
                var entries = await list.Content.ReadFromJsonAsync<JsonNode>();
                var items = entries is JsonArray array ? array : entries?["data"] as JsonArray ?? [];
                foreach (var entry in items)
                {
                    using var removed = await client.SendAsync(StoreRequest(HttpMethod.Delete, $"{store.Url}/vantage6-server/{entry?["id"]}", ctx, serverUrl));
                    if (!removed.IsSuccessStatusCode)
                        return Results.Json(new { msg = $"Algorithm store error: {await StoreMessageAsync(removed)}" }, statusCode: (int)removed.StatusCode);
                }
            }
            else if (list.StatusCode != HttpStatusCode.Forbidden)
                return Results.Json(new { msg = $"Algorithm store error: {await StoreMessageAsync(list)}" }, statusCode: (int)list.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw ApiException.NotFound("Algorithm store cannot be reached. Make sure that it is online.");
        }
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Tasks.Where(t => t.AlgorithmStoreId != null && sameUrl.Contains(t.AlgorithmStoreId.Value))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AlgorithmStoreId, (int?)null));
        await db.AlgorithmStores.Where(s => sameUrl.Contains(s.Id)).ExecuteDeleteAsync();
        await tx.CommitAsync();
        return Results.Json(new { msg = $"Algorithm store id={id} successfully deleted" });
    }
}
