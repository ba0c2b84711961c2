using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Realtime;

namespace Vantage6.Server.Api;

/// <summary>
/// <c>POST /column</c> (api-federation §12): the column names of a database for the UI, from what
/// nodes reported, or else a task that asks the nodes for them.
/// </summary>
public static class ColumnApi
{
    private static readonly BodySchema Schema = new BodySchema()
        .String("db_label", required: true)
        .Integer("collaboration_id", required: true, checks: BodySchema.AtLeast(1))
        .Any("organizations", required: true)
        .String("sheet_name")
        .String("query");

    public static RouteGroupBuilder MapColumnApi(this RouteGroupBuilder api)
    {
        api.MapPost("/column", Columns).For(Callers.User);
        return api;
    }

    private static async Task<IResult> Columns(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, IEventPublisher events,
        Blobs.BlobStore blobs)
    {
        var body = Schema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var collabId = body.Int("collaboration_id")!.Value;
        if (!await db.Collaborations.AnyAsync(c => c.Id == collabId)) throw ApiException.NotFound($"Collaboration id={collabId} not found!");
        if (!actor.On("task").CanForCollaboration(Operation.CREATE, collabId)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var key = "columns_" + body.String("db_label");
        var nodeIds = await db.Nodes.AsNoTracking().Where(n => n.CollaborationId == collabId).OrderBy(n => n.Id).Select(n => n.Id).ToListAsync();
        foreach (var nodeId in nodeIds)
        {
            var columns = await db.NodeConfigs.AsNoTracking().Where(c => c.NodeId == nodeId && c.Key == key).OrderBy(c => c.Id)
                .Select(c => c.Value).ToListAsync();
            if (columns.Count > 0) return Results.Json(new { columns });
        }
        var database = new JsonObject { ["label"] = body.String("db_label") };
        if (!string.IsNullOrEmpty(body.String("sheet_name"))) database["sheet_name"] = body.String("sheet_name");
        if (!string.IsNullOrEmpty(body.String("query"))) database["query"] = body.String("query");
        var task = new JsonObject
        {
            ["name"] = "get_column_names",
            ["image"] = "harbor2.vantage6.ai/algorithms/basics",
            ["collaboration_id"] = collabId,
            ["organizations"] = JsonNode.Parse(body.Element("organizations")!.Value.GetRawText()),
            ["databases"] = new JsonArray(database),
        };
        return await TaskApi.CreateFromJsonAsync(ctx, JsonSerializer.SerializeToElement(task), actor, db, paths, events, blobs);
    }
}
