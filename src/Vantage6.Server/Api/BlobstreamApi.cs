using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Blobs;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/blobstream</c> (api-federation §13): large inputs and results, streamed in both directions.</summary>
public static class BlobstreamApi
{
    private const string NotEnabled = "The large result store is not set to blob storage, result streaming is not available.";

    public static RouteGroupBuilder MapBlobstreamApi(this RouteGroupBuilder api)
    {
        api.MapGet("/blobstream/status", (BlobStore blobs) => Results.Json(new { blob_store_enabled = blobs.Enabled })).For(Callers.All);
        api.MapPost("/blobstream", Upload).For(Callers.All);
        api.MapGet("/blobstream/{id}", Download).For(Callers.All);
        return api;
    }

    private static async Task<IResult> Upload(HttpContext ctx, Actor actor, V6DbContext db, BlobStore blobs)
    {
        if (!blobs.Enabled) throw ApiException.Msg(501, NotEnabled);
        if (actor.IsUser && !actor.On("task").AtLeast(Scope.COLLABORATION, Operation.CREATE))
            throw ApiException.Unauthorized("You do not have permission to upload blobs. This requires permission to create tasks which you don't have.");
        if (actor.IsContainer)
        {
            var statuses = await db.Runs.AsNoTracking().Where(r => r.TaskId == actor.Container!.TaskId).Select(r => r.Status).ToListAsync();
            if (RunStatus.IsFinished(TaskViews.Status(statuses)))
                throw ApiException.Msg(403, "Cannot upload blob for a sub-task of a completed task.");
        }
        // Blobs are the large payloads that do not fit the JSON body limit.
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        Guid id;
        try { id = await blobs.SaveAsync(ctx.Request.Body, ctx.RequestAborted); }
        catch (IOException) { throw ApiException.Msg(500, "Error uploading result!"); }
        return Results.Json(new { uuid = id.ToString() }, statusCode: 201);
    }

    private static async Task<IResult> Download(string id, Actor actor, V6DbContext db, BlobStore blobs)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Input == id || r.Result == id)
                  ?? throw ApiException.NotFound($"No run found with input or result id={id}");
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == run.TaskId);
        if (task is null || !TaskApi.CanView(actor, "run", task)) throw ApiException.Unauthorized("You lack the permission to do that!");
        if (!blobs.Enabled) throw ApiException.Msg(501, NotEnabled);
        var stream = Guid.TryParse(id, out var blobId) ? blobs.OpenRead(blobId) : null;
        if (stream is null) throw ApiException.Msg(500, "Error streaming result!");
        return Results.Stream(stream, "application/octet-stream", $"result_{id}.bin");
    }
}
