using System.Text.Json;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Infrastructure;

/// <summary>Reads a JSON request body with the framework answers the reference gives (415, 400).</summary>
public static class RequestBody
{
    public const string TooLargeMessage = "The request body is too large; upload large data through /blobstream";

    public static async Task<JsonElement> ReadJsonAsync(HttpContext ctx)
    {
        var type = ctx.Request.ContentType;
        if (!IsJson(type))
            throw ApiException.Framework(415,
                "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.");
        // Kestrel enforces the limit itself; checking the declared length here keeps it in force on any host.
        if (ctx.Request.ContentLength is { } length && ctx.RequestServices.GetService<ServerConfig>() is { } config
            && length > config.MaxBodyBytes)
            throw ApiException.Msg(413, TooLargeMessage);
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body,
                new JsonDocumentOptions { MaxDepth = 64 }, ctx.RequestAborted);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw ApiException.Framework(400, "The browser (or proxy) sent a request that this server could not understand.");
        }
    }

    /// <summary>Like <see cref="ReadJsonAsync"/> but an empty body is allowed (some POSTs take none).</summary>
    public static async Task<JsonElement?> ReadOptionalJsonAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is 0 || (ctx.Request.ContentLength is null && !ctx.Request.Headers.ContainsKey("Transfer-Encoding")))
            return null;
        return await ReadJsonAsync(ctx);
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var media = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return media == "application/json" || (media.StartsWith("application/") && media.EndsWith("+json"));
    }
}
