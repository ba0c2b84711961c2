using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;

namespace Vantage6.Server.Api;

/// <summary>
/// Finds the node an api key belongs to. Keys are stored as bcrypt hashes, so the only lookup is to
/// try every node; a remembered fingerprint → node id lets later logins check one hash instead.
/// The stored format stays the reference's, and a stale entry just falls back to the scan.
/// </summary>
public sealed class NodeKeyIndex
{
    private readonly ConcurrentDictionary<string, int> _byFingerprint = new();

    public async Task<int?> FindNodeAsync(V6DbContext db, string apiKey)
    {
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        if (_byFingerprint.TryGetValue(fingerprint, out var known))
        {
            var hash = await db.Nodes.AsNoTracking().Where(n => n.Id == known).Select(n => n.ApiKey).FirstOrDefaultAsync();
            if (PasswordHasher.Verify(apiKey, hash)) return known;
            _byFingerprint.TryRemove(fingerprint, out _);
        }
        var nodes = await db.Nodes.AsNoTracking().Select(n => new { n.Id, n.ApiKey }).ToListAsync();
        foreach (var node in nodes)
        {
            if (!PasswordHasher.Verify(apiKey, node.ApiKey)) continue;
            _byFingerprint[fingerprint] = node.Id;
            return node.Id;
        }
        return null;
    }
}
