using System.Text.Json;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Auth;

/// <summary>
/// Authenticates requests to endpoints that declare <see cref="EndpointAccess"/>, with the exact
/// answers of api-core §2.3, and makes the caller available as an <see cref="Actor"/> parameter.
/// </summary>
public sealed class AuthenticationMiddleware(RequestDelegate next, TokenService tokens, ActorCache actors, LastSeenTracker lastSeen)
{
    private const string BearerHint = "Expected 'Authorization: Bearer <JWT>'";

    public async Task InvokeAsync(HttpContext ctx)
    {
        var access = ctx.GetEndpoint()?.Metadata.GetMetadata<EndpointAccess>();
        if (access is null) { await next(ctx); return; }

        var header = ctx.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header)) throw ApiException.Unauthorized("Missing Authorization Header");
        var parts = header.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        var bearerAt = Array.IndexOf(parts, "Bearer");
        if (bearerAt < 0) throw ApiException.Unauthorized($"Missing 'Bearer' type in 'Authorization' header. {BearerHint}");
        if (parts.Length - bearerAt != 2) throw ApiException.Msg(422, $"Bad Authorization header. {BearerHint}");

        var (token, failure) = await tokens.VerifyAsync(parts[bearerAt + 1]);
        if (failure is not null) throw ApiException.Msg(failure.Status, failure.Message);
        if (token!.Type == TokenType.Reset) throw ApiException.Msg(422, "A recovery token cannot be used to authenticate");
        if (access.RefreshToken && token.Type != TokenType.Refresh) throw ApiException.Msg(422, "Only refresh tokens are allowed");
        if (!access.RefreshToken && token.Type == TokenType.Refresh) throw ApiException.Msg(422, "Only non-refresh tokens are allowed");

        var actor = await ResolveAsync(token);
        if ((access.Callers & actor.Kind) == 0)
            throw ApiException.Unauthorized($"This endpoint is not available with a {KindName(actor.Kind)} token");
        if (actor.Kind != Callers.Container && !access.RefreshToken)
            await lastSeen.TouchAsync(ctx.RequestServices.GetRequiredService<V6DbContext>(), actor.Id);

        ctx.Items[typeof(Actor)] = actor;
        ctx.Items[typeof(VerifiedToken)] = token;
        await next(ctx);
    }

    private async Task<Actor> ResolveAsync(VerifiedToken token)
    {
        switch (token.ClientType)
        {
            case "user":
            case "node":
                if (token.Sub.ValueKind != JsonValueKind.Number || !token.Sub.TryGetInt32(out var id))
                    throw ApiException.Msg(422, "Invalid token");
                var kind = token.ClientType == "user" ? Callers.User : Callers.Node;
                return await actors.GetAsync(kind, id) ?? throw ApiException.Unauthorized($"Error loading the user {id}");
            case "container":
                var identity = ParseContainer(token.Sub) ?? throw ApiException.Msg(422, "Invalid token");
                return (await actors.GetAsync(Callers.Container, identity.NodeId, identity))!;
            default:
                throw ApiException.Msg(422, "Invalid token");
        }
    }

    private static ContainerIdentity? ParseContainer(JsonElement sub)
    {
        if (sub.ValueKind != JsonValueKind.Object) return null;
        int? Int(string name) => sub.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        var node = Int("node_id");
        var org = Int("organization_id");
        var collab = Int("collaboration_id");
        var task = Int("task_id");
        if (node is null || org is null || collab is null || task is null) return null;
        var image = sub.TryGetProperty("image", out var img) && img.ValueKind == JsonValueKind.String ? img.GetString()! : "";
        var databases = sub.TryGetProperty("databases", out var dbs) ? dbs.Clone() : default;
        return new ContainerIdentity(node.Value, org.Value, collab.Value, Int("study_id"), Int("store_id"), task.Value, image, databases);
    }

    private static string KindName(Callers kind) => kind switch
    {
        Callers.User => "user", Callers.Node => "node", _ => "container",
    };
}
