using Vantage6.SocketIO.Hub;

namespace Vantage6.Server.Realtime;

/// <summary>
/// Sends every event published through <see cref="IEventPublisher"/> (by REST endpoints, after their
/// commit) to its room of the <c>/tasks</c> namespace, on every server instance via the backplane.
/// </summary>
public sealed class EventForwarder(IEventPublisher events, TasksNamespace tasks, ILogger<EventForwarder> logger) : IDisposable
{
    private IDisposable? _subscription;

    public void Start() => _subscription ??= events.Subscribe(Forward);

    private void Forward(ServerEvent e)
    {
        // kill_containers with an empty or missing kill list means "kill everything" to a Python node.
        if (e.Name == "kill_containers" && !e.Payload.ContainsKey("node_id")
            && (e.Payload["kill_list"] is not System.Text.Json.Nodes.JsonArray list || list.Count == 0))
        {
            logger.LogError("Refusing to send kill_containers without runs to {Room}", e.Room);
            return;
        }
        var sent = tasks.Namespace.To(e.Room).EmitAsync(e.Name, e.Payload);
        if (!sent.IsCompletedSuccessfully)
            _ = sent.ContinueWith(t => logger.LogError(t.Exception, "Could not send {Event} to {Room}", e.Name, e.Room),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public void Dispose() => _subscription?.Dispose();
}
