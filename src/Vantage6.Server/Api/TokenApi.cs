using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common.Configuration;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;

namespace Vantage6.Server.Api;

/// <summary>Login of users and nodes, token refresh and validation (api-core §2.5–2.10).</summary>
public static class TokenApi
{
    private static readonly BodySchema UserLogin = new BodySchema()
        .String("username", required: true, checks: BodySchema.Length(1, 128))
        .String("password", required: true, checks: BodySchema.Length(1, 128))
        .Add(new FieldSpec("mfa_code", FieldType.String, false, true, [BodySchema.MaxLength(10)]) { NumberAsString = true });

    private static readonly BodySchema NodeLogin = new BodySchema().String("api_key", required: true);

    private static readonly BodySchema ContainerRequest = new BodySchema()
        .Integer("task_id", required: true, checks: BodySchema.AtLeast(1))
        .String("image", required: true, checks: v => ((string)v).Length < 1 ? "Shorter than minimum length 1." : null);

    public static RouteGroupBuilder MapTokenApi(this RouteGroupBuilder api)
    {
        api.MapPost("/token/user", LoginUser);
        api.MapPost("/token/node", LoginNode);
        api.MapPost("/token/refresh", Refresh).ForRefreshToken();
        api.MapPost("/token/user/validate", (Actor actor, V6DbContext db) => Validate(actor, db)).For(Callers.User);
        api.MapPost("/token/container", ContainerToken).For(Callers.Node);
        return api;
    }

    private static async Task<IResult> LoginUser(HttpContext ctx, V6DbContext db, LoginService login, ServerConfig config,
        TokenService tokens, ApiPaths paths)
    {
        var body = UserLogin.Validate(await RequestBody.ReadJsonAsync(ctx));
        var user = await login.CheckPasswordAsync(db, body.String("username")!, body.String("password")!, LoginService.ClientIp(ctx))
                   ?? throw ApiException.Unauthorized("Failed to login");

        if (config.TwoFactorAuth)
        {
            if (string.IsNullOrEmpty(user.OtpSecret))
            {
                user.OtpSecret = LoginService.NewOtpSecret();
                await db.SaveChangesAsync();
                return Results.Json(SetupReply(login, user.Username!, user.OtpSecret));
            }
            var code = body.String("mfa_code");
            if (string.IsNullOrEmpty(code))
                return Results.Json(new { msg = "Please include your two-factor authentication code" });
            if (!LoginService.VerifyOtp(user.OtpSecret, code))
                throw ApiException.Unauthorized("Your two-factor authentication code is incorrect!");
        }
        var roles = await db.Roles.AsNoTracking()
            .Where(r => db.UserRoles.Any(p => p.UserId == user.Id && p.RoleId == r.Id)).OrderBy(r => r.Id).Select(r => r.Name ?? "").ToListAsync();
        return TokenReply(ctx, tokens, paths, "user", user.Id, roles);
    }

    internal static object SetupReply(LoginService login, string username, string secret) => new
    {
        qr_uri = login.OtpUri(username, secret),
        otp_secret = secret,
        msg = "Two-factor authentication is obligatory on this server. Please visualize the QR code to set up authentication.",
    };

    private static async Task<IResult> LoginNode(HttpContext ctx, V6DbContext db, NodeKeyIndex keys, TokenService tokens, ApiPaths paths)
    {
        var body = NodeLogin.Validate(await RequestBody.ReadJsonAsync(ctx));
        var key = body.String("api_key")!;
        if (!Guid.TryParse(key, out _))
            throw ApiException.Validation(new JsonObject { ["api_key"] = new JsonArray("API key is not a valid UUID") });
        var nodeId = await keys.FindNodeAsync(db, key) ?? throw ApiException.Unauthorized("Api key is not recognized!");
        return TokenReply(ctx, tokens, paths, "node", nodeId, []);
    }

    private static async Task<IResult> Refresh(HttpContext ctx, Actor actor, V6DbContext db, TokenService tokens, ApiPaths paths)
    {
        var kind = actor.IsUser ? "user" : "node";
        IReadOnlyList<string> roles = actor.IsUser
            ? await db.Roles.AsNoTracking().Where(r => actor.RoleIds.Contains(r.Id)).OrderBy(r => r.Id).Select(r => r.Name ?? "").ToListAsync()
            : [];
        return TokenReply(ctx, tokens, paths, kind, actor.Id, roles);
    }

    private static IResult TokenReply(HttpContext ctx, TokenService tokens, ApiPaths paths, string kind, int id, IReadOnlyList<string> roles)
    {
        var access = tokens.CreateUserOrNodeToken(TokenType.Access, kind, id, roles);
        var refresh = tokens.CreateUserOrNodeToken(TokenType.Refresh, kind, id, roles);
        ctx.Response.Headers["jwt-token"] = access;
        var reply = new Dictionary<string, object>
        {
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["refresh_url"] = paths.Path("token/refresh"),
            [kind == "user" ? "user_url" : "node_url"] = paths.Path($"{kind}/{id}"),
        };
        return Results.Json(reply);
    }

    /// <summary>A token for the algorithm container of a run: rights to create subtasks of this job and read its results.</summary>
    private static async Task<IResult> ContainerToken(HttpContext ctx, Actor actor, V6DbContext db, TokenService tokens)
    {
        var body = ContainerRequest.Validate(await RequestBody.ReadJsonAsync(ctx));
        var taskId = body.Int("task_id")!.Value;
        var image = body.String("image")!;
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId) ?? throw ApiException.BadRequest("Parent task does not exist!");
        if (task.Image != image) throw ApiException.Unauthorized("Image and task do no match");
        var node = await db.Nodes.AsNoTracking().FirstAsync(n => n.Id == actor.Id);
        if (node.CollaborationId != task.CollaborationId) throw ApiException.Unauthorized("You are not within the collaboration");
        var statuses = await db.Runs.AsNoTracking().Where(r => r.TaskId == taskId).Select(r => r.Status).ToListAsync();
        if (Vantage6.Common.RunStatus.IsFinished(TaskViews.Status(statuses))) throw ApiException.BadRequest("Task is already finished!");
        var databases = new JsonArray();
        foreach (var d in await db.TaskDatabases.AsNoTracking().Where(d => d.TaskId == taskId).OrderBy(d => d.Id).ToListAsync())
        {
            var entry = (d.Parameters is { Length: > 0 } p ? JsonNode.Parse(p) as JsonObject : null) ?? new JsonObject();
            entry["label"] = d.Database;
            databases.Add(entry);
        }
        var identity = new JsonObject
        {
            ["client_type"] = "container", ["node_id"] = node.Id, ["organization_id"] = node.OrganizationId,
            ["collaboration_id"] = node.CollaborationId, ["study_id"] = task.StudyId, ["store_id"] = task.AlgorithmStoreId,
            ["task_id"] = taskId, ["image"] = image, ["databases"] = databases,
        };
        return Results.Json(new { container_token = tokens.CreateContainerToken(identity) });
    }

    private static async Task<IResult> Validate(Actor actor, V6DbContext db)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == actor.Id)
            .Select(u => new { u.Username, u.Email, u.OrganizationId }).FirstAsync();
        return Results.Json(new
        {
            msg = "Token is valid", user_id = actor.Id, username = user.Username, email = user.Email, organization_id = user.OrganizationId,
        });
    }
}
