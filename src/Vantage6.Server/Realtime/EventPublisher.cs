using System.Text.Json.Nodes;

namespace Vantage6.Server.Realtime;

/// <summary>An event for the <c>/tasks</c> Socket.IO namespace: name, payload and room.</summary>
public sealed record ServerEvent(string Name, JsonObject Payload, string Room);

/// <summary>
/// Where REST endpoints publish socket events. The Socket.IO transport subscribes to it; until it
/// exists, events are only delivered to in-process subscribers (and tests).
/// </summary>
public interface IEventPublisher
{
    void Publish(ServerEvent e);
    /// <summary>Receives every published event; disposing the result unsubscribes.</summary>
    IDisposable Subscribe(Action<ServerEvent> handler);
}

public static class Rooms
{
    public static string Collaboration(int? id) => $"collaboration_{id}";
    public static string CollaborationOrganization(int collaborationId, int organizationId) =>
        $"collaboration_{collaborationId}_organization_{organizationId}";
    public const string AllNodes = "all_nodes";
}

/// <summary>Delivers events synchronously to the subscribers of this process.</summary>
public sealed class InProcessEventPublisher(ILogger<InProcessEventPublisher> logger) : IEventPublisher
{
    private readonly object _gate = new();
    private Action<ServerEvent>[] _handlers = [];

    public void Publish(ServerEvent e)
    {
        logger.LogDebug("Event {Name} to room {Room}", e.Name, e.Room);
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try { handler(e); }
            catch (Exception ex) { logger.LogError(ex, "Event subscriber failed on {Name}", e.Name); }
        }
    }

    public IDisposable Subscribe(Action<ServerEvent> handler)
    {
        lock (_gate) _handlers = [.. _handlers, handler];
        return new Subscription(() => { lock (_gate) _handlers = _handlers.Where(h => h != handler).ToArray(); });
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
