using System.Collections.Concurrent;
using Vantage6.Server.Data;

namespace Vantage6.Server.Auth;

/// <summary>
/// Keeps <c>authenticatable.last_seen</c> current for users and nodes. Writing on every request would
/// turn every read into a write; writing at most once per second per caller keeps the value accurate
/// to a second (the node-status job works in minutes) at a fraction of the cost.
/// </summary>
public sealed class LastSeenTracker
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<int, DateTime> _written = new();

    public async Task TouchAsync(V6DbContext db, int id)
    {
        var now = DateTime.UtcNow;
        if (_written.TryGetValue(id, out var last) && now - last < MinInterval) return;
        _written[id] = now;
        await RawSql.SetLastSeenAsync(db, id, now);
    }
}
