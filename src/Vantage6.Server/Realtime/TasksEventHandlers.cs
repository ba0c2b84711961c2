using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Data;
using Vantage6.SocketIO.Hub;

namespace Vantage6.Server.Realtime;

/// <summary>
/// Events clients send on <c>/tasks</c> (node-protocol §1.8). Unidentified sockets are ignored;
/// node-only events from users are logged and ignored. Relayed run events are accepted only for a run
/// of the sending node's organization in the node's collaboration, and go to that collaboration's room.
/// </summary>
public sealed class TasksEventHandlers(IServiceScopeFactory scopes, Presence presence, NodeConfigStore nodeConfig,
    ILogger<TasksEventHandlers> logger)
{
    public void Register(SocketNamespace ns)
    {
        ns.On("ping", Identified((socket, identity, ev) => presence.PingAsync(identity)));
        ns.On("algorithm_status_change", NodesOnly(AlgorithmStatusChangeAsync));
        ns.On("algorithm_log", NodesOnly(AlgorithmLogAsync));
        ns.On("node_info_update", NodesOnly((socket, node, ev) =>
            ev.Args.Length > 0 && ev.Args[0].ValueKind == JsonValueKind.Object ? nodeConfig.ReplaceAsync(node.Id, ev.Args[0]) : Task.CompletedTask));
        ns.On("node_metrics_update", NodesOnly((socket, node, ev) => Task.CompletedTask));
        ns.On("message", Identified((socket, identity, ev) =>
        {
            logger.LogInformation("Message from {Name}: {Message}", identity.Name, Text(ev));
            return Task.CompletedTask;
        }));
        ns.On("error", Identified((socket, identity, ev) =>
        {
            logger.LogError("Error reported by {Name}: {Message}", identity.Name, Text(ev));
            return Task.CompletedTask;
        }));
    }

    private delegate Task Handler(Socket socket, SocketIdentity identity, SocketEvent ev);

    private static Func<Socket, SocketEvent, Task> Identified(Handler handler) => (socket, ev) =>
        TasksNamespace.IdentityOf(socket) is { } identity ? handler(socket, identity, ev) : Task.CompletedTask;

    private Func<Socket, SocketEvent, Task> NodesOnly(Handler handler) => Identified((socket, identity, ev) =>
    {
        if (identity.IsNode) return handler(socket, identity, ev);
        logger.LogWarning("Only nodes can send {Event}; ignored from user {Name}", ev.Name, identity.Name);
        return Task.CompletedTask;
    });

    private async Task AlgorithmStatusChangeAsync(Socket socket, SocketIdentity node, SocketEvent ev)
    {
        if (ev.Args.Length == 0 || !TryInt(ev.Args[0], "run_id", out var runId)) return;
        var status = ev.Args[0].TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        var run = await OwnRunAsync(db, node, runId);
        if (run is null) return;
        if (RunStatus.IsFailure(status))
            logger.LogCritical("A node reports that run {Run} of task {Task} has status '{Status}'", runId, run.TaskId, status);
        else
            logger.LogInformation("A node reports that run {Run} of task {Task} has status '{Status}'", runId, run.TaskId, status);
        await socket.Namespace.To(Rooms.Collaboration(node.CollaborationId)).EmitAsync("algorithm_status_change", new JsonObject
        {
            ["status"] = status, ["run_id"] = runId, ["task_id"] = run.TaskId, ["job_id"] = run.JobId,
            ["collaboration_id"] = node.CollaborationId, ["node_id"] = node.Id, ["organization_id"] = run.OrganizationId,
            ["parent_id"] = run.ParentId,
        });
    }

    private async Task AlgorithmLogAsync(Socket socket, SocketIdentity node, SocketEvent ev)
    {
        if (ev.Args.Length == 0 || !TryInt(ev.Args[0], "run_id", out var runId)) return;
        if (!ev.Args[0].TryGetProperty("log", out var l) || l.ValueKind != JsonValueKind.String) return;
        var log = l.GetString()!;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        var info = await OwnRunAsync(db, node, runId);
        if (info is null) return;
        var run = await db.Runs.FirstAsync(r => r.Id == runId);
        run.Log = string.IsNullOrEmpty(run.Log) ? log : (run.Log.EndsWith('\n') ? run.Log : run.Log + "\n") + log;
        await db.SaveChangesAsync();
        await socket.Namespace.To(Rooms.Collaboration(node.CollaborationId)).EmitAsync("algorithm_log", new JsonObject
        {
            ["run_id"] = runId, ["task_id"] = info.TaskId, ["log"] = log,
        });
    }

    private sealed record RunInfo(int TaskId, int? JobId, int? ParentId, int? OrganizationId);

    /// <summary>The run, if it belongs to the node's organization and a task of the node's collaboration.</summary>
    private async Task<RunInfo?> OwnRunAsync(V6DbContext db, SocketIdentity node, int runId)
    {
        var info = await (from r in db.Runs.AsNoTracking()
                          join t in db.Tasks.AsNoTracking() on r.TaskId equals t.Id
                          where r.Id == runId && r.OrganizationId == node.OrganizationId && t.CollaborationId == node.CollaborationId
                          select new RunInfo(t.Id, t.JobId, t.ParentId, r.OrganizationId)).FirstOrDefaultAsync();
        if (info is null) logger.LogWarning("Node {Name} sent an event for run {Run}, which is not one of its runs; ignored", node.Name, runId);
        return info;
    }

    private static bool TryInt(JsonElement payload, string name, out int value)
    {
        value = 0;
        return payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out var v)
               && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out value);
    }

    private static string Text(SocketEvent ev) =>
        ev.Args.Length == 0 ? "" : ev.Args[0].ValueKind == JsonValueKind.String ? ev.Args[0].GetString()! : ev.Args[0].GetRawText();
}
