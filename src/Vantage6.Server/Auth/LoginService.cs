using Microsoft.EntityFrameworkCore;
using OtpNet;
using Vantage6.Common.Configuration;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure.Mail;

namespace Vantage6.Server.Auth;

/// <summary>
/// The password check with lockout (api-core §2.6) shared by login, password change and 2FA
/// recovery, plus the TOTP helpers. Counters are updated before the answer is sent so that
/// consecutive attempts always see each other; every failure looks the same to the caller.
/// </summary>
public sealed class LoginService(ServerConfig config, MailService mail, ILogger<LoginService> logger)
{
    private PasswordPolicyConfig Policy => config.PasswordPolicy;

    /// <summary>The user when the password is right and the account is not blocked, else null.</summary>
    public async Task<User?> CheckPasswordAsync(V6DbContext db, string username, string password, string clientIp)
    {
        var candidate = await db.Users.AsNoTracking().Where(u => u.Username == username).Select(u => new { u.Id, u.Password }).FirstOrDefaultAsync();
        if (candidate is null)
        {
            // Same bcrypt work as for a real user, so response time does not reveal which usernames exist.
            var decoy = await db.Users.AsNoTracking().OrderBy(u => u.Id).Select(u => u.Password).FirstOrDefaultAsync();
            PasswordHasher.Verify(password, decoy ?? DecoyHash);
            return null;
        }
        // The expensive bcrypt check runs in parallel; deciding the outcome does not. One decision per
        // account at a time, on the counters as stored now: otherwise parallel guesses all read the same
        // counter before any of them writes it, and a burst gets far more than max_failed_attempts tries.
        // A guess decided after the block started is refused whether it was right or not.
        bool passwordOk = PasswordHasher.Verify(password, candidate.Password);
        using var _ = await _accountGates.EnterAsync(candidate.Id);
        var seenBefore = db.ChangeTracker.Entries<User>().Any(e => e.Entity.Id == candidate.Id);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == candidate.Id);
        if (user is null) return null;
        if (seenBefore) await db.Entry(user).ReloadAsync(); // the counters as stored now, not as this context saw them
        return await DecideAsync(db, user, passwordOk, clientIp);
    }

    private readonly KeyedGates _accountGates = new();

    private async Task<User?> DecideAsync(V6DbContext db, User user, bool passwordOk, string clientIp)
    {
        var now = DateTime.UtcNow;
        var (blocked, minutesLeft) = IsBlocked(user, now);
        if (passwordOk && !blocked)
        {
            if (user.FailedLoginAttempts is not (0 or null)) { user.FailedLoginAttempts = 0; await db.SaveChangesAsync(); }
            return user;
        }
        if (blocked)
        {
            var between = TimeSpan.FromMinutes(Policy.BetweenUserEmailsMinutes);
            if (mail.Enabled && !string.IsNullOrEmpty(user.Email) &&
                (user.LastEmailFailedLoginSent is null || now - user.LastEmailFailedLoginSent.Value >= between))
            {
                mail.Enqueue(MailTemplates.AccountBlocked(user.Email!, user.Firstname ?? user.Username ?? "", Policy.MaxFailedAttempts,
                    clientIp, now, minutesLeft, config.SupportEmail));
                user.LastEmailFailedLoginSent = now;
                await db.SaveChangesAsync();
            }
            logger.LogInformation("Refused login of a blocked account");
            return null;
        }
        var attempts = user.FailedLoginAttempts ?? 0;
        user.FailedLoginAttempts = attempts == 0 || attempts >= Policy.MaxFailedAttempts ? 1 : attempts + 1;
        user.LastLoginAttempt = now;
        await db.SaveChangesAsync();
        return null;
    }

    /// <summary>An async mutex per key, removed again when nobody holds or waits for it.</summary>
    private sealed class KeyedGates
    {
        private sealed class Gate
        {
            public readonly SemaphoreSlim Semaphore = new(1, 1);
            public int Holders; // holders and waiters; -1 once removed from the map
        }

        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Gate> _gates = new();

        public async Task<IDisposable> EnterAsync(int key)
        {
            Gate gate;
            while (true)
            {
                gate = _gates.GetOrAdd(key, _ => new Gate());
                lock (gate)
                {
                    if (gate.Holders < 0) continue; // raced with its removal: take the new one
                    gate.Holders++;
                    break;
                }
            }
            await gate.Semaphore.WaitAsync();
            return new Releaser(() =>
            {
                gate.Semaphore.Release();
                lock (gate)
                {
                    if (--gate.Holders > 0) return;
                    gate.Holders = -1;
                    _gates.TryRemove(new KeyValuePair<int, Gate>(key, gate));
                }
            });
        }

        private sealed class Releaser(Action release) : IDisposable
        {
            private Action? _release = release;
            public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
        }
    }

    private (bool Blocked, int MinutesLeft) IsBlocked(User user, DateTime now)
    {
        if ((user.FailedLoginAttempts ?? 0) < Policy.MaxFailedAttempts || user.LastLoginAttempt is null) return (false, 0);
        var remaining = TimeSpan.FromMinutes(Policy.InactivationMinutes) - (now - user.LastLoginAttempt.Value);
        return remaining > TimeSpan.Zero ? (true, (int)Math.Floor(remaining.TotalSeconds / 60) + 1) : (false, 0);
    }

    // A valid bcrypt hash of a random string, for when the database has no user at all.
    private static readonly string DecoyHash = PasswordHasher.Hash(Guid.NewGuid().ToString());

    public static string NewOtpSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    public static bool VerifyOtp(string secret, string code)
    {
        try
        {
            var totp = new Totp(Base32Encoding.ToBytes(secret));
            code = code.Trim();
            // A code sent as a JSON number (the Python client may) has lost its leading zeros.
            if (code.Length is > 0 and < 6 && code.All(char.IsAsciiDigit)) code = code.PadLeft(6, '0');
            return totp.VerifyTotp(code, out _, new VerificationWindow(previous: 1, future: 1));
        }
        catch (ArgumentException) { return false; }
    }

    /// <summary><c>otpauth://totp/vantage6%20%28name%29:user?secret=…&amp;issuer=…</c></summary>
    public string OtpUri(string username, string secret)
    {
        var issuer = Uri.EscapeDataString($"vantage6 ({config.ServerName})");
        var user = Uri.EscapeDataString(username).Replace("%2F", "/");
        return $"otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}";
    }

    /// <summary>Client address for mails: the last forwarded-for entry, else the peer.</summary>
    public static string ClientIp(HttpContext ctx)
    {
        var forwarded = ctx.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0) return forwarded.Split(',').Last().Trim();
        return ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
