using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Auth;

/// <summary>Kinds of token this server signs. Reset tokens are marked so they never work as bearer tokens.</summary>
public enum TokenType { Access, Refresh, Reset }

/// <summary>A verified token: its claims as JSON (so <c>sub</c> can be an integer or an object).</summary>
public sealed record VerifiedToken(TokenType Type, string ClientType, JsonElement Sub, JsonObject Payload);

/// <summary>Why a token was refused, with the status and message of api-core §2.3.</summary>
public sealed record TokenFailure(int Status, string Message);

/// <summary>Issues and verifies the HS256 JWTs in exactly the layout the Python client and node decode.</summary>
public sealed class TokenService
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;
    private readonly ServerConfig _config;

    public TokenService(ServerConfig config)
    {
        _config = config;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(PadKey(config.JwtSecretKey))) { KeyId = null };
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = false, // container tokens never expire
            ClockSkew = TimeSpan.Zero,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            TryAllIssuerSigningKeys = true,
        };
    }

    // HS256 keys shorter than 128 bits are refused by the library; the reference accepts any secret.
    // Padding keeps short configured secrets usable; tokens are only ever verified by this server.
    private static string PadKey(string secret) => secret.Length >= 32 ? secret : secret.PadRight(32, '\0');

    public int AccessSeconds => _config.AccessTokenSeconds;

    public string CreateUserOrNodeToken(TokenType type, string clientType, int id, IReadOnlyList<string> roles)
    {
        var payload = BasePayload(type == TokenType.Refresh ? "refresh" : "access");
        payload["sub"] = id;
        payload["exp"] = (long)payload["iat"]! + (type == TokenType.Refresh ? _config.RefreshTokenSeconds : _config.AccessTokenSeconds);
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

    private string Sign(JsonObject payload) => _handler.CreateToken(payload.ToJsonString(), _credentials);

    // Verified tokens by their exact text: a token seen before skips the HMAC and JSON work.
    // Entries expire with the token (checked on every hit), and the map is bounded.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (VerifiedToken Token, long Exp)> _verified = new();
    private const int MaxCachedTokens = 20_000;

    public async Task<(VerifiedToken? Token, TokenFailure? Failure)> VerifyAsync(string token)
    {
        if (_verified.TryGetValue(token, out var hit))
        {
            if (hit.Exp == 0 || DateTimeOffset.UtcNow.ToUnixTimeSeconds() < hit.Exp) return (hit.Token, null);
            _verified.TryRemove(token, out _);
        }
        var result = await VerifyUncachedAsync(token);
        if (result.Token is { } verified)
        {
            if (_verified.Count >= MaxCachedTokens) _verified.Clear();
            _verified[token] = (verified, verified.Payload["exp"]?.GetValue<long>() ?? 0);
        }
        return result;
    }

    private async Task<(VerifiedToken? Token, TokenFailure? Failure)> VerifyUncachedAsync(string token)
    {
        if (token.Split('.').Length != 3) return (null, new TokenFailure(422, "Not enough segments"));
        TokenValidationResult result;
        try { result = await _handler.ValidateTokenAsync(token, _validation); }
        catch (Exception) { return (null, new TokenFailure(422, "Invalid token")); }
        if (!result.IsValid)
            return (null, result.Exception switch
            {
                SecurityTokenExpiredException => new TokenFailure(401, "Token has expired"),
                SecurityTokenNotYetValidException => new TokenFailure(422, "The token is not yet valid (nbf)"),
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException
                    => new TokenFailure(422, "Signature verification failed"),
                _ => new TokenFailure(422, "Invalid token"),
            });
        var jwt = (JsonWebToken)result.SecurityToken;
        JsonObject payload;
        try
        {
            var json = Base64UrlEncoder.Decode(jwt.EncodedPayload);
            payload = JsonNode.Parse(json)!.AsObject();
        }
        catch (Exception) { return (null, new TokenFailure(422, "Invalid token")); }
        var type = payload["type"]?.GetValue<string>() switch
        {
            "access" => TokenType.Access,
            "refresh" => TokenType.Refresh,
            "reset" => TokenType.Reset,
            _ => (TokenType?)null,
        };
        var clientType = payload["client_type"]?.GetValue<string>();
        if (type is null || clientType is null || payload["sub"] is null)
            return (null, new TokenFailure(422, "Invalid token"));
        var sub = JsonSerializer.SerializeToElement(payload["sub"]);
        return (new VerifiedToken(type.Value, clientType, sub, payload), null);
    }
}
