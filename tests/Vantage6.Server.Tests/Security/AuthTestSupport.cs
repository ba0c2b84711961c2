using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using OtpNet;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Tests.Mail;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Security;

/// <summary>Reading and forging JWTs for the authentication tests (HS256 written out, as the server does).</summary>
public static class Jwt
{
    public static JsonObject Header(string token) => Part(token, 0);
    public static JsonObject Payload(string token) => Part(token, 1);

    private static JsonObject Part(string token, int index) =>
        JsonNode.Parse(FromBase64Url(token.Split('.')[index]))!.AsObject();

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A token signed with <paramref name="secret"/> (HS256) carrying exactly <paramref name="payload"/>.</summary>
    public static string Sign(JsonObject payload, string secret, string alg = "HS256")
    {
        var signingInput = Base64Url(Encoding.UTF8.GetBytes($"{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}")) + "."
                           + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>An unsigned token (<c>alg: none</c>, empty signature).</summary>
    public static string Unsigned(JsonObject payload) =>
        Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString())) + ".";

    /// <summary>The claims the server puts in a user/node token, with the given lifetime relative to now.</summary>
    public static JsonObject Claims(string type, string clientType, JsonNode sub, long iatOffset, long? expOffset)
    {
        var now = Now;
        var payload = new JsonObject
        {
            ["fresh"] = false, ["iat"] = now + iatOffset, ["jti"] = Guid.NewGuid().ToString(), ["type"] = type,
            ["sub"] = sub, ["nbf"] = now + iatOffset, ["client_type"] = clientType, ["roles"] = new JsonArray(),
        };
        if (expOffset is { } e) payload["exp"] = now + e;
        return payload;
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

public static class AuthTestExtensions
{
    /// <summary>POST with an <c>X-Forwarded-For</c> header, so per-client-address limits can be exercised in isolation.</summary>
    public static async Task<Reply> PostFromAsync(this V6TestServer server, string clientIp, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", clientIp);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0) json = JsonNode.Parse(text);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        return new Reply((int)response.StatusCode, json, text, headers);
    }

    /// <summary>A fresh, unique client address (TEST-NET-2 range plus a random part).</summary>
    public static string NewClientIp() => $"198.51.{RandomNumberGenerator.GetInt32(0, 256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    /// <summary>The user row as stored now.</summary>
    public static async Task<User> UserRowAsync(this V6TestServer server, int id)
    {
        await using var scope = server.Scope(out var db);
        return await db.Users.AsNoTracking().FirstAsync(u => u.Id == id);
    }

    public static async Task UpdateUserRowAsync(this V6TestServer server, int id, Action<User> change)
    {
        await using var scope = server.Scope(out var db);
        var user = await db.Users.FirstAsync(u => u.Id == id);
        change(user);
        await db.SaveChangesAsync();
    }

    public static Task<Reply> LoginReplyAsync(this V6TestServer server, string username, string password, object? mfaCode = null) =>
        mfaCode is null
            ? server.PostAsync("/api/token/user", null, new { username, password })
            : server.PostAsync("/api/token/user", null, new { username, password, mfa_code = mfaCode });

    /// <summary>A collaboration with the organization in it and a registered node; returns (node id, api key).</summary>
    public static async Task<(int NodeId, string ApiKey, int Org, int Collab)> CreateNodeAsync(this V6TestServer server, string rootToken)
    {
        var org = await server.CreateOrganizationAsync(rootToken);
        var collab = await server.PostAsync("/api/collaboration", rootToken,
            new { name = V6TestServer.Unique("col"), organization_ids = new[] { org }, encrypted = false });
        var collabId = collab.ExpectStatus(200).Json!["id"]!.GetValue<int>();
        var node = await server.PostAsync("/api/node", rootToken, new { collaboration_id = collabId, organization_id = org });
        node.ExpectStatus(201);
        return (node.Json!["id"]!.GetValue<int>(), node.Json["api_key"]!.GetValue<string>(), org, collabId);
    }
}

/// <summary>Lockout with small limits, and mail through a real (test) SMTP server.</summary>
public class AuthMailTestServer : V6TestServer, IAsyncLifetime
{
    public TestSmtpServer Smtp { get; } = new();

    protected override string ExtraYaml =>
        "smtp:\n" +
        "  server: 127.0.0.1\n" +
        $"  port: {Smtp.Port}\n" +
        "  MAIL_USE_TLS: false\n" +
        "  username: \"\"\n" +
        "  password: \"\"\n" +
        "password_policy:\n" +
        "  max_failed_attempts: 3\n" +
        "  inactivation_minutes: 1\n";

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Smtp.DisposeAsync();
    }

    /// <summary>Every message received so far addressed to <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> MailsTo(string address) =>
        Smtp.Messages.Select(TestSmtpServer.Parse)
            .Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    /// <summary>Waits until at least <paramref name="count"/> messages to the address have arrived (or the timeout passes).</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMailsToAsync(string address, int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var mails = MailsTo(address);
            if (mails.Count >= count || DateTime.UtcNow > until) return mails;
            await Task.Delay(50);
        }
    }

    /// <summary>The JWT in a reset e-mail's text body.</summary>
    public static string TokenIn(MimeMessage mail) =>
        System.Text.RegularExpressions.Regex.Match(mail.TextBody ?? "", @"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+").Value;
}

/// <summary>Mandatory two-factor authentication; root logs in with a TOTP secret set up on first use.</summary>
public class TwoFactorTestServer : V6TestServer
{
    private string? _rootSecret;

    protected override string ExtraYaml => "two_factor_auth: true\n";

    public static string Code(string secret, int stepOffset = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepOffset));

    /// <summary>A six-digit code that is not valid in any window near now.</summary>
    public static string WrongCode(string secret)
    {
        var near = Enumerable.Range(-3, 7).Select(o => Code(secret, o)).ToHashSet();
        return new[] { "000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777", "888888" }.First(c => !near.Contains(c));
    }

    /// <summary>Logs a user in through setup (if needed) and code; returns (access token, secret).</summary>
    public async Task<(string Token, string Secret)> LoginWithTotpAsync(string username, string password, string? secret = null)
    {
        if (secret is null)
        {
            var setup = await this.LoginReplyAsync(username, password);
            setup.ExpectStatus(200);
            secret = setup.Json!["otp_secret"]!.GetValue<string>();
        }
        var reply = await this.LoginReplyAsync(username, password, Code(secret));
        reply.ExpectStatus(200);
        return (reply.Json!["access_token"]!.GetValue<string>(), secret);
    }

    public async Task<string> RootToken2faAsync()
    {
        var (token, secret) = await LoginWithTotpAsync("root", RootPassword, _rootSecret);
        _rootSecret = secret;
        return token;
    }
}

/// <summary>Minimal complete server YAML for configuration-level checks.</summary>
public static class ConfigYaml
{
    public static string With(string extra) =>
        "description: test\n" +
        "ip: 127.0.0.1\n" +
        "port: 7601\n" +
        "api_path: /api\n" +
        "uri: sqlite:///test.sqlite\n" +
        "allow_drop_all: false\n" +
        "logging:\n" +
        "  level: WARNING\n" +
        "  file: test.log\n" +
        "  use_console: false\n" +
        "  backup_count: 1\n" +
        "  max_size: 1024\n" +
        "  format: \"%(message)s\"\n" +
        "  datefmt: \"\"\n" +
        extra;
}
