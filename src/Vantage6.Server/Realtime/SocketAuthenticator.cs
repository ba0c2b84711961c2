using System.Text.Json;
using Vantage6.Server.Auth;

namespace Vantage6.Server.Realtime;

/// <summary>What the token of a connecting socket says (node-protocol §1.5).</summary>
public enum SocketAuthResult { Identified, Expired, Invalid, Refused }

/// <summary>The outcome of checking a socket's token: for <see cref="SocketAuthResult.Identified"/> the client type and id.</summary>
public readonly record struct SocketAuthOutcome(SocketAuthResult Result, SocketClientKind Kind = default, int Id = 0, string? Reason = null);

/// <summary>
/// Checks the access JWT of a connecting socket with the REST token rules (<see cref="TokenService"/>):
/// taken from the <c>Authorization</c> header of the Engine.IO handshake, or else from a
/// <c>{"token": …}</c> CONNECT payload.
/// </summary>
public sealed class SocketAuthenticator(TokenService tokens)
{
    public SocketAuthOutcome Authenticate(IReadOnlyDictionary<string, string> headers, JsonElement? auth)
    {
        var jwt = BearerToken(headers.GetValueOrDefault("Authorization"))
                  ?? (auth is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String
                      ? t.GetString() : null);
        if (string.IsNullOrEmpty(jwt)) return new(SocketAuthResult.Refused, Reason: "no token");

        var (token, failure) = tokens.VerifyOnce(jwt);
        if (failure is not null)
        {
            // The signature is checked before the expiry, so an expired token is otherwise valid.
            if (failure.Status == 401) return new(SocketAuthResult.Expired, Reason: failure.Message);
            if (failure.Message == "Signature verification failed") return new(SocketAuthResult.Invalid, Reason: failure.Message);
            return new(SocketAuthResult.Refused, Reason: failure.Message);
        }
        if (token!.Type != TokenType.Access) return new(SocketAuthResult.Refused, Reason: "not an access token");
        SocketClientKind? kind = token.ClientType switch { "user" => SocketClientKind.User, "node" => SocketClientKind.Node, _ => null };
        if (kind is null) return new(SocketAuthResult.Refused, Reason: $"{token.ClientType} tokens cannot use the socket");
        if (token.Sub.ValueKind != JsonValueKind.Number || !token.Sub.TryGetInt32(out var id))
            return new(SocketAuthResult.Refused, Reason: "invalid subject");
        return new(SocketAuthResult.Identified, kind.Value, id);
    }

    private static string? BearerToken(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var parts = header.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(parts, "Bearer");
        return at >= 0 && parts.Length - at == 2 ? parts[at + 1] : null;
    }
}
