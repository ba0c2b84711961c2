using System.Text.Json;

namespace Vantage6.Server.Infrastructure;

/// <summary>
/// Turns <see cref="ApiException"/> into its promised response and anything unexpected into the
/// reference's generic 500, logging the exception but never returning its details or a stack trace.
/// Also gives 404/405 the reference's shapes (HTML page; JSON <c>message</c> with <c>Allow</c>).
/// </summary>
public sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    private const string NotFoundHtml =
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
        "<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";

    public async Task InvokeAsync(HttpContext ctx)
    {
        // api-core §1.3: JSON responses say "application/json" without a charset parameter
        // (Results.Json adds "; charset=utf-8").
        ctx.Response.OnStarting(PlainJsonContentType, ctx.Response);
        if (HttpMethods.IsHead(ctx.Request.Method) && !ctx.Request.Path.StartsWithSegments("/socket.io"))
        {
            // api-core §1.1: HEAD is accepted wherever GET is; it is answered as a GET without a body.
            var body = ctx.Response.Body;
            ctx.Request.Method = HttpMethods.Get;
            ctx.Response.Body = Stream.Null;
            try { await HandleAsync(ctx); }
            finally
            {
                ctx.Response.Body = body;
                ctx.Request.Method = HttpMethods.Head;
            }
            return;
        }
        await HandleAsync(ctx);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            // The reference does not match paths with a trailing slash.
            if (ctx.Request.Path.HasValue && ctx.Request.Path.Value!.Length > 1 && ctx.Request.Path.Value.EndsWith('/')
                && !ctx.Request.Path.StartsWithSegments("/socket.io"))
            {
                await WriteNotFound(ctx);
                return;
            }
            await next(ctx);
            if (!ctx.Response.HasStarted && ctx.Response.ContentLength is null && string.IsNullOrEmpty(ctx.Response.ContentType))
            {
                if (ctx.Response.StatusCode == 404) await WriteNotFound(ctx);
                else if (ctx.Response.StatusCode == 405)
                    await WriteJson(ctx, 405, new { message = "The method is not allowed for the requested URL." });
            }
        }
        catch (ApiException e)
        {
            if (ctx.Response.HasStarted) throw;
            await WriteJson(ctx, e.Status, e.Body);
        }
        catch (BadHttpRequestException e) when (!ctx.Response.HasStarted && e.StatusCode == 413)
        {
            await WriteJson(ctx, 413, new { msg = RequestBody.TooLargeMessage });
        }
        catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
        {
            await WriteJson(ctx, e.StatusCode, new { message = "The browser (or proxy) sent a request that this server could not understand." });
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // the client went away; nothing to answer
        }
        catch (Exception e)
        {
            logger.LogError(e, "Unhandled error on {Method} {Path}", ctx.Request.Method, ctx.Request.Path.Value);
            if (ctx.Response.HasStarted) throw;
            await WriteJson(ctx, 500, new { msg = "An unexpected error occurred on the server!" });
        }
    }

    private static readonly Func<object, Task> PlainJsonContentType = state =>
    {
        var response = (HttpResponse)state;
        if (string.Equals(response.ContentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase))
            response.ContentType = "application/json";
        return Task.CompletedTask;
    };

    private static async Task WriteNotFound(HttpContext ctx)
    {
        ctx.Response.StatusCode = 404;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        await ctx.Response.WriteAsync(NotFoundHtml);
    }

    public static async Task WriteJson(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, body, body.GetType(), Json.Options);
    }
}
