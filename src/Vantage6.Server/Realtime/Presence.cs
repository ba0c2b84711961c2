using System.Collections.Concurrent;
using Vantage6.Server.Data;

namespace Vantage6.Server.Realtime;

/// <summary>
/// Online status of users and nodes as their sockets come and go (node-protocol §1.9–1.11): counts the
/// live sockets per user/node, so an overlapping reconnect is not undone when the old socket closes,
/// and writes <c>status</c> / <c>last_seen</c>. The node-status job still marks nodes offline that
/// stop pinging; a later ping or connect marks them online again.
/// </summary>
public sealed class Presence(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<int, int> _live = new();

    /// <summary>Number of live identified sockets of a user or node on this server instance.</summary>
    public int LiveSockets(int id) => _live.GetValueOrDefault(id);

    /// <summary>A socket was identified: count it and mark its owner online (seen now).</summary>
    public Task ConnectedAsync(SocketIdentity identity)
    {
        _live.AddOrUpdate(identity.Id, 1, (_, n) => n + 1);
        return SetAsync(identity.Id, "online", DateTime.UtcNow);
    }

    /// <summary>A socket closed; true (and the owner marked offline) when it was the last one.</summary>
    public async Task<bool> DisconnectedAsync(SocketIdentity identity)
    {
        bool last = false;
        _live.AddOrUpdate(identity.Id, 0, (_, n) => n - 1);
        if (_live.TryGetValue(identity.Id, out var remaining) && remaining <= 0)
            last = _live.TryRemove(new KeyValuePair<int, int>(identity.Id, remaining));
        if (last) await SetAsync(identity.Id, "offline", null);
        return last;
    }

    /// <summary>Application-level <c>ping</c>: online, seen now.</summary>
    public Task PingAsync(SocketIdentity identity) => SetAsync(identity.Id, "online", DateTime.UtcNow);

    private async Task SetAsync(int id, string status, DateTime? seen)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        if (seen is { } now) await RawSql.SetStatusAsync(db, id, status, now);
        else await RawSql.SetStatusAsync(db, id, status);
    }
}
