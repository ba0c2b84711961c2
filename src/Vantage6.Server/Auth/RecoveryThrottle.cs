using System.Collections.Concurrent;

namespace Vantage6.Server.Auth;

/// <summary>
/// Limits recovery e-mails per client address (on top of the per-account limit), so one client
/// cannot flood many mailboxes. Over the limit the mail is silently not sent; the answer is the same.
/// </summary>
public sealed class RecoveryThrottle
{
    public const int MailsPerAddress = 5;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, Queue<DateTime>> _sent = new();

    public bool TryAcquire(string clientIp)
    {
        var now = DateTime.UtcNow;
        var queue = _sent.GetOrAdd(clientIp, _ => new Queue<DateTime>());
        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() > Window) queue.Dequeue();
            if (queue.Count >= MailsPerAddress) return false;
            queue.Enqueue(now);
            return true;
        }
    }
}
