using System.Text.RegularExpressions;

namespace Vantage6.Server.Infrastructure;

/// <summary>
/// CORS as the reference answers it (api-core §1.8): the allowed origin is echoed, entries with
/// regex characters match as case-insensitive prefixes, preflights list the methods and echo the
/// requested headers. A disallowed origin simply gets no CORS headers.
/// </summary>
public sealed class CorsMiddleware
{
    private const string AllowMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
    private static readonly char[] RegexChars = ['*', '\\', ']', '?', '$', '^', '[', '(', ')'];
    private readonly RequestDelegate _next;
    private readonly List<(string Literal, Regex? Pattern)> _origins;
    private readonly bool _vary;
    private readonly string _noOriginValue;

    public CorsMiddleware(RequestDelegate next, IReadOnlyList<string> allowedOrigins)
    {
        _next = next;
        _origins = allowedOrigins.Select(o => (o, o.IndexOfAny(RegexChars) >= 0
            ? new Regex("^(?:" + (o == "*" ? ".*" : o) + ")", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50))
            : null)).ToList();
        _vary = allowedOrigins.Count > 1 || _origins.Any(o => o.Pattern is not null);
        _noOriginValue = allowedOrigins.Contains("*") ? "*"
            : allowedOrigins.Where(o => o.IndexOfAny(RegexChars) < 0).Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
    }

    public static bool IsRegexLike(string origin) => origin.IndexOfAny(RegexChars) >= 0;

    public bool IsAllowed(string origin) =>
        _origins.Any(o => o.Pattern?.IsMatch(origin) ?? string.Equals(o.Literal, origin, StringComparison.OrdinalIgnoreCase));

    public Task InvokeAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.StartsWithSegments("/socket.io")) return _next(ctx); // Engine.IO answers its own CORS
        var origin = ctx.Request.Headers.Origin.ToString();
        var headers = ctx.Response.Headers;
        bool allowed;
        if (origin.Length == 0)
        {
            allowed = _noOriginValue.Length > 0;
            if (allowed) headers.AccessControlAllowOrigin = _noOriginValue;
        }
        else
        {
            allowed = IsAllowed(origin);
            if (allowed)
            {
                headers.AccessControlAllowOrigin = origin;
                if (_vary) headers.Vary = "Origin";
            }
        }
        if (HttpMethods.IsOptions(ctx.Request.Method))
        {
            if (allowed && ctx.Request.Headers.ContainsKey("Access-Control-Request-Method"))
            {
                var requested = ctx.Request.Headers.AccessControlRequestMethod.ToString().ToUpperInvariant();
                if (requested.Length > 0 && AllowMethods.Split(", ").Contains(requested))
                {
                    headers.AccessControlAllowMethods = AllowMethods;
                    var wanted = ctx.Request.Headers.AccessControlRequestHeaders.ToString()
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Order(StringComparer.Ordinal);
                    var list = string.Join(", ", wanted);
                    if (list.Length > 0) headers.AccessControlAllowHeaders = list;
                }
            }
            return AnswerOptionsAsync(ctx);
        }
        return _next(ctx);
    }

    /// <summary>
    /// Every route answers OPTIONS itself (api-core §1.1): an empty 200 with an <c>Allow</c> header, preflight
    /// or not. No endpoint takes OPTIONS, so routing picks its 405 endpoint for a known path (which knows the
    /// methods) and nothing for an unknown one (404, as in the reference).
    /// </summary>
    private async Task AnswerOptionsAsync(HttpContext ctx)
    {
        await _next(ctx);
        var response = ctx.Response;
        if (response.HasStarted || response.StatusCode != StatusCodes.Status405MethodNotAllowed) return;
        var methods = response.Headers.Allow.ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (methods.Contains(HttpMethods.Get)) methods.Add(HttpMethods.Head);
        methods.Add(HttpMethods.Options);
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.Allow = string.Join(", ", methods.Order(StringComparer.Ordinal));
        response.ContentLength = 0;
    }
}
