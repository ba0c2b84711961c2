namespace Vantage6.SocketIO.Hub;

/// <summary>
/// A broadcast on its way to every server instance: each instance delivers the already encoded
/// packet to its own sockets in <see cref="Rooms"/> (all sockets when empty), minus <see cref="ExceptRooms"/>.
/// </summary>
public sealed record BroadcastMessage(string Namespace, IReadOnlyList<string> Rooms, IReadOnlyList<string> ExceptRooms, string Packet);

/// <summary>Carries broadcasts between server instances; room membership stays local to each instance.</summary>
public interface ISocketBackplane
{
    Task PublishAsync(BroadcastMessage message);
    /// <summary>Receives every broadcast (including this instance's own); disposing unsubscribes.</summary>
    IDisposable Subscribe(Func<BroadcastMessage, ValueTask> deliver);
}

/// <summary>Backplane for instances in one process (a single server, or several in tests).</summary>
public sealed class InProcessBackplane : ISocketBackplane
{
    private readonly object _gate = new();
    private Func<BroadcastMessage, ValueTask>[] _subscribers = [];

    public async Task PublishAsync(BroadcastMessage message)
    {
        foreach (var deliver in Volatile.Read(ref _subscribers)) await deliver(message);
    }

    public IDisposable Subscribe(Func<BroadcastMessage, ValueTask> deliver)
    {
        lock (_gate) _subscribers = [.. _subscribers, deliver];
        return new Unsubscriber(() => { lock (_gate) _subscribers = _subscribers.Where(d => d != deliver).ToArray(); });
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
