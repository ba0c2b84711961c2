using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary><c>/port</c> (api-federation §10.1–10.2): ports a running algorithm exposes, registered by its node.</summary>
public static class PortApi
{
    private static readonly BodySchema CreateSchema = new BodySchema()
        .Integer("port", required: true, checks: v => (int)v is < 1 or > 65535 ? "Must be greater than or equal to 1 and less than or equal to 65535." : null)
        .Integer("run_id", required: true, checks: BodySchema.AtLeast(1))
        .String("label", nullIsAbsent: true, checks: BodySchema.MaxLength(128));

    public static RouteGroupBuilder MapPortApi(this RouteGroupBuilder api)
    {
        api.MapPost("/port", Create).For(Callers.Node);
        api.MapDelete("/port", Delete).For(Callers.Node);
        return api;
    }

    /// <summary>Only the node that executes the run (its organization's node in the task's collaboration).</summary>
    private static async Task RequireOwnRunAsync(V6DbContext db, Actor actor, int runId)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId) ?? throw ApiException.NotFound($"Run id={runId} not found!");
        var collaboration = await db.Tasks.AsNoTracking().Where(t => t.Id == run.TaskId).Select(t => t.CollaborationId).FirstOrDefaultAsync();
        var nodeId = await db.Nodes.AsNoTracking().Where(n => n.OrganizationId == run.OrganizationId && n.CollaborationId == collaboration)
            .Select(n => (int?)n.Id).FirstOrDefaultAsync();
        if (nodeId != actor.Id) throw ApiException.Unauthorized("You lack the permissions to do that!");
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db)
    {
        var body = CreateSchema.Validate(await RequestBody.ReadJsonAsync(ctx));
        var runId = body.Int("run_id")!.Value;
        await RequireOwnRunAsync(db, actor, runId);
        var port = new AlgorithmPort { Port = body.Int("port"), RunId = runId, Label = body.String("label") };
        db.AlgorithmPorts.Add(port);
        await db.SaveChangesAsync();
        return Results.Json(new { id = port.Id, port = port.Port, label = port.Label }, statusCode: 201);
    }

    private static async Task<IResult> Delete(HttpContext ctx, Actor actor, V6DbContext db)
    {
        if (ctx.Request.Str("run_id") is not { Length: > 0 }) throw ApiException.BadRequest("The run_id argument is required!");
        var runId = ctx.Request.Int("run_id")!.Value;
        await RequireOwnRunAsync(db, actor, runId);
        await db.AlgorithmPorts.Where(p => p.RunId == runId).ExecuteDeleteAsync();
        return Results.Json(new { msg = "Ports removed from the database." });
    }
}
