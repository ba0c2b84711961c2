using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Client;

/// <summary>
/// The server answered with an error status. Carries the status code and the server's <c>msg</c>
/// (or framework <c>message</c>); the subclasses name the common codes.
/// </summary>
public class V6ApiException : Exception
{
    /// <summary>HTTP status code of the answer.</summary>
    public int StatusCode { get; }

    /// <summary>The server's <c>msg</c> text (for an object-valued <c>msg</c>, its JSON), or <c>message</c>; null when the body has neither.</summary>
    public string? ServerMessage { get; }

    /// <summary>The parsed JSON body, when the answer was JSON.</summary>
    public JsonNode? Body { get; }

    /// <summary>Field validation errors (<c>errors</c>, or an object-valued <c>msg</c>): field name → messages.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; }

    /// <summary>Creates the exception for a status, the server's message and the body.</summary>
    public V6ApiException(int statusCode, string? serverMessage, JsonNode? body)
        : base(Describe(statusCode, serverMessage, body))
    {
        StatusCode = statusCode;
        ServerMessage = serverMessage;
        Body = body;
        Errors = ReadErrors(body);
    }

    /// <summary>Builds the typed exception for an error answer.</summary>
    public static V6ApiException FromResponse(int statusCode, string bodyText)
    {
        JsonNode? body = null;
        try { body = bodyText.Length > 0 ? JsonNode.Parse(bodyText) : null; }
        catch (JsonException) { }
        string? message = body is JsonObject o
            ? (o["msg"] ?? o["message"]) switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                JsonNode n => n.ToJsonString(),
                null => null,
            }
            : null;
        return statusCode switch
        {
            400 => new V6BadRequestException(message, body),
            401 => new V6UnauthorizedException(message, body),
            403 => new V6ForbiddenException(message, body),
            404 => new V6NotFoundException(message, body),
            _ => new V6ApiException(statusCode, message, body),
        };
    }

    private static string Describe(int status, string? message, JsonNode? body)
    {
        var text = $"The server answered {status}: {message ?? "(no message)"}";
        var errors = ReadErrors(body);
        if (errors.Count > 0) text += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        return text;
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadErrors(JsonNode? body)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>();
        var errors = body?["errors"] as JsonObject ?? body?["msg"] as JsonObject;
        if (errors is null) return result;
        foreach (var (field, value) in errors)
            result[field] = value switch
            {
                JsonArray a => a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : x?.ToJsonString() ?? "").ToList(),
                JsonValue v when v.TryGetValue<string>(out var s) => [s],
                _ => [value?.ToJsonString() ?? ""],
            };
        return result;
    }
}

/// <summary>400: validation failure or business-rule violation.</summary>
public sealed class V6BadRequestException(string? serverMessage, JsonNode? body) : V6ApiException(400, serverMessage, body);

/// <summary>401: missing or expired token, failed login, or (as vantage6 reports it) missing permission.</summary>
public sealed class V6UnauthorizedException(string? serverMessage, JsonNode? body) : V6ApiException(401, serverMessage, body);

/// <summary>403: the few refusals vantage6 reports as forbidden (e.g. an algorithm store outside the collaboration).</summary>
public sealed class V6ForbiddenException(string? serverMessage, JsonNode? body) : V6ApiException(403, serverMessage, body);

/// <summary>404: the resource does not exist.</summary>
public sealed class V6NotFoundException(string? serverMessage, JsonNode? body) : V6ApiException(404, serverMessage, body);

/// <summary>
/// Login succeeded with the password, but two-factor authentication must be set up first: add
/// <see cref="OtpSecret"/> (or scan <see cref="QrUri"/>) in an authenticator app and log in again with a code.
/// </summary>
public sealed class V6TwoFactorSetupRequiredException(string message, string otpSecret, string qrUri) : Exception(message)
{
    /// <summary>The base32 TOTP secret the server stored for the user.</summary>
    public string OtpSecret { get; } = otpSecret;

    /// <summary>The <c>otpauth://</c> URI to show as QR code.</summary>
    public string QrUri { get; } = qrUri;
}

/// <summary>The server requires a two-factor authentication code and none was given.</summary>
public sealed class V6TwoFactorCodeRequiredException(string message) : Exception(message);

/// <summary>A payload could not be encrypted or decrypted (no key loaded, wrong key, no public key, malformed data).</summary>
public sealed class V6EncryptionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A waited-for task finished with a failure status; <see cref="Results"/> holds whatever results exist.</summary>
public sealed class V6TaskFailedException(int taskId, string status, IReadOnlyList<TaskResult> results)
    : Exception($"Task {taskId} finished with status '{status}'.")
{
    /// <summary>The task id.</summary>
    public int TaskId { get; } = taskId;

    /// <summary>The task's final (failure) status.</summary>
    public string Status { get; } = status;

    /// <summary>The decrypted results of the task's runs (failed runs usually have an empty result).</summary>
    public IReadOnlyList<TaskResult> Results { get; } = results;
}
