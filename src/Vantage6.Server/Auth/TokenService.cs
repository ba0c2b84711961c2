using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Security.Cryptography;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Auth;

/// <summary>Kinds of token this server signs. Reset tokens are marked so they never work as bearer tokens.</summary>
public enum TokenType { Access, Refresh, Reset }

/// <summary>A verified token: its claims as JSON (so <c>sub</c> can be an integer or an object).</summary>
/// <param name="Expires">the <c>exp</c> claim in Unix seconds, 0 when absent</param>
public sealed record VerifiedToken(TokenType Type, string ClientType, JsonElement Sub, long Expires);

/// <summary>Why a token was refused, with the status and message of api-core §2.3.</summary>
public sealed record TokenFailure(int Status, string Message);

/// <summary>
/// Issues and verifies the HS256 JWTs in exactly the layout the Python client and node decode.
/// Written out rather than taken from a JWT library because container tokens carry an object as
/// <c>sub</c>, which the .NET JWT readers refuse, and because every failure needs the reference's text.
/// </summary>
public sealed class TokenService(ServerConfig config)
{
    private static readonly string Header = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
    private readonly byte[] _key = Encoding.UTF8.GetBytes(config.JwtSecretKey);

    // Verified tokens by their exact text: a token seen before skips the HMAC and JSON work. An entry keeps
    // only what requests need (not the parsed claims): thousands of node sockets each hold one.
    // Entries expire with the token (checked on every hit), and the map is bounded.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (VerifiedToken Token, long Exp)> _verified = new();
    private const int MaxCachedTokens = 20_000;

    public int AccessSeconds => config.AccessTokenSeconds;

    public string CreateUserOrNodeToken(TokenType type, string clientType, int id, IReadOnlyList<string> roles)
    {
        var payload = BasePayload(type == TokenType.Refresh ? "refresh" : "access");
        payload["sub"] = id;
        payload["exp"] = (long)payload["iat"]! + (type == TokenType.Refresh ? config.RefreshTokenSeconds : config.AccessTokenSeconds);
        payload["client_type"] = clientType;
        payload["roles"] = new JsonArray(roles.Select(r => (JsonNode)r!).ToArray());
        return Sign(payload);
    }

    /// <summary>Container tokens: <c>sub</c> is an object and there is no <c>exp</c>.</summary>
    public string CreateContainerToken(JsonObject identity)
    {
        var payload = BasePayload("access");
        payload["sub"] = identity;
        payload["client_type"] = "container";
        payload["roles"] = new JsonArray();
        return Sign(payload);
    }

    public string CreateResetToken(int userId, TimeSpan validity)
    {
        var payload = BasePayload("reset");
        payload["sub"] = new JsonObject { ["id"] = userId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        payload["exp"] = (long)payload["iat"]! + (long)validity.TotalSeconds;
        payload["client_type"] = "reset";
        payload["roles"] = new JsonArray();
        return Sign(payload);
    }

    private static JsonObject BasePayload(string type)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["fresh"] = false, ["iat"] = now, ["jti"] = Guid.NewGuid().ToString(), ["type"] = type, ["nbf"] = now,
        };
    }

    private string Sign(JsonObject payload)
    {
        var signingInput = Header + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return signingInput + "." + Base64Url(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput)));
    }

    public Task<(VerifiedToken? Token, TokenFailure? Failure)> VerifyAsync(string token)
    {
        if (_verified.TryGetValue(token, out var hit))
        {
            if (hit.Exp == 0 || DateTimeOffset.UtcNow.ToUnixTimeSeconds() < hit.Exp) return Task.FromResult<(VerifiedToken?, TokenFailure?)>((hit.Token, null));
            _verified.TryRemove(token, out _);
        }
        var result = Verify(token);
        if (result.Token is { } verified)
        {
            if (_verified.Count >= MaxCachedTokens) _verified.Clear();
            _verified[token] = (verified, verified.Expires);
        }
        return Task.FromResult(result);
    }

    /// <summary>
    /// Checks a token without keeping it in the cache: for one-time checks such as a socket connect,
    /// where thousands of connected nodes would otherwise each keep a cached copy of their token.
    /// </summary>
    public (VerifiedToken? Token, TokenFailure? Failure) VerifyOnce(string token) => Verify(token);

    private (VerifiedToken? Token, TokenFailure? Failure) Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return (null, new TokenFailure(422, "Not enough segments"));
        byte[] headerBytes, payloadBytes, signature;
        try
        {
            headerBytes = FromBase64Url(parts[0]);
            payloadBytes = FromBase64Url(parts[1]);
            signature = FromBase64Url(parts[2]);
        }
        catch (FormatException) { return (null, new TokenFailure(422, "Invalid header padding")); }
        JsonObject header, payload;
        try
        {
            header = JsonNode.Parse(headerBytes)!.AsObject();
            payload = JsonNode.Parse(payloadBytes)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            return (null, new TokenFailure(422, "Invalid token"));
        }
        if (header["alg"]?.ToString() != "HS256") return (null, new TokenFailure(422, "The specified alg value is not allowed"));
        var expected = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature)) return (null, new TokenFailure(422, "Signature verification failed"));

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long? expiry = payload["exp"] is JsonValue exp && exp.TryGetValue<long>(out var expClaim) ? expClaim : null;
        if (expiry is not null && now >= expiry) return (null, new TokenFailure(401, "Token has expired"));
        if (payload["nbf"] is JsonValue nbf && nbf.TryGetValue<long>(out var notBefore) && now < notBefore)
            return (null, new TokenFailure(422, "The token is not yet valid (nbf)"));
        var type = (payload["type"] as JsonValue)?.TryGetValue<string>(out var t) == true ? t switch
        {
            "access" => TokenType.Access,
            "refresh" => TokenType.Refresh,
            "reset" => TokenType.Reset,
            _ => (TokenType?)null,
        } : null;
        var clientType = (payload["client_type"] as JsonValue)?.TryGetValue<string>(out var c) == true ? c : null;
        if (type is null || clientType is null || payload["sub"] is null) return (null, new TokenFailure(422, "Invalid token"));
        return (new VerifiedToken(type.Value, clientType, JsonSerializer.SerializeToElement(payload["sub"]), expiry ?? 0), null);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
