using Vantage6.Server.Auth;

namespace Vantage6.Admin.Import;

/// <summary>
/// bcrypt-hashes every password and api key of an import file before the database transaction
/// starts: hashing dominates the import time, so it runs on all cores and reports progress.
/// </summary>
internal static class SecretHashing
{
    public sealed record Hashes(IReadOnlyDictionary<UserItem, string> Passwords, IReadOnlyDictionary<ParticipantItem, string> ApiKeys);

    private const int ProgressThreshold = 50;

    public static Hashes HashAll(ImportFile file, IMessages messages)
    {
        var users = file.Organizations.SelectMany(o => o.Users).ToList();
        var participants = file.Collaborations.SelectMany(c => c.Participants).ToList();
        var secrets = users.Select(u => u.Password).Concat(participants.Select(p => p.ApiKey)).ToArray();
        var hashes = new string[secrets.Length];
        int done = 0, step = Math.Max(1, secrets.Length / 10);
        bool report = secrets.Length >= ProgressThreshold;
        if (report) messages.Info($"Hashing {users.Count} passwords and {participants.Count} api keys");
        Parallel.For(0, secrets.Length, i =>
        {
            hashes[i] = PasswordHasher.Hash(secrets[i]);
            var count = Interlocked.Increment(ref done);
            if (report && (count % step == 0 || count == secrets.Length)) messages.Info($"Hashed {count}/{secrets.Length}");
        });
        var passwords = new Dictionary<UserItem, string>(ReferenceEqualityComparer.Instance);
        var apiKeys = new Dictionary<ParticipantItem, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < users.Count; i++) passwords[users[i]] = hashes[i];
        for (int i = 0; i < participants.Count; i++) apiKeys[participants[i]] = hashes[users.Count + i];
        return new Hashes(passwords, apiKeys);
    }
}
