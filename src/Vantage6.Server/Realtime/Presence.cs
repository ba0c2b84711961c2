using System.Collections.Concurrent;
using Vantage6.Server.Data;

namespace Vantage6.Server.Realtime;

/// <summary>
/// Online status of users and nodes as their sockets come and go (node-protocol §1.9–1.11): counts the
/// live sockets per user/node, so an overlapping reconnect is not undone when the old socket closes,
/// and writes <c>status</c> / <c>last_seen</c>. Changes for one user/node are applied one at a time, so
/// an "offline" of a closing socket cannot overtake the "online" of its successor. The node-status job
/// still marks nodes offline that stop pinging; a later ping or connect marks them online again.
/// </summary>
public sealed class Presence(IServiceScopeFactory scopes)
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Live;
    }

    private readonly ConcurrentDictionary<int, Entry> _entries = new();

    /// <summary>Number of live identified sockets of a user or node on this server instance.</summary>
    public int LiveSockets(int id) => _entries.TryGetValue(id, out var e) ? Volatile.Read(ref e.Live) : 0;

    /// <summary>A socket was identified: count it and mark its owner online (seen now).</summary>
    public Task ConnectedAsync(SocketIdentity identity) => UnderGateAsync(identity.Id, async e =>
    {
        e.Live++;
        await SetAsync(identity.Id, "online", DateTime.UtcNow);
        return true;
    });

    /// <summary>A socket closed; true (and the owner marked offline) when it was the last one.</summary>
    public Task<bool> DisconnectedAsync(SocketIdentity identity) => UnderGateAsync(identity.Id, async e =>
    {
        if (--e.Live > 0) return false;
        e.Live = 0;
        await SetAsync(identity.Id, "offline", null);
        return true;
    });

    /// <summary>Application-level <c>ping</c>: online, seen now.</summary>
    public Task PingAsync(SocketIdentity identity) => UnderGateAsync(identity.Id, async e =>
    {
        await SetAsync(identity.Id, "online", DateTime.UtcNow);
        return true;
    });

    private async Task<bool> UnderGateAsync(int id, Func<Entry, Task<bool>> change)
    {
        var entry = _entries.GetOrAdd(id, _ => new Entry());
        await entry.Gate.WaitAsync();
        try { return await change(entry); }
        finally { entry.Gate.Release(); }
    }

    private async Task SetAsync(int id, string status, DateTime? seen)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        if (seen is { } now) await RawSql.SetStatusAsync(db, id, status, now);
        else await RawSql.SetStatusAsync(db, id, status);
    }
}
