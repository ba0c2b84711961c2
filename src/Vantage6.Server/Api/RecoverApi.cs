using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Infrastructure.Mail;

namespace Vantage6.Server.Api;

/// <summary>Password and 2FA recovery, password change and node api-key reset (api-core §2.11).</summary>
public static class RecoverApi
{
    private static readonly BodySchema Lost = new BodySchema()
        .String("username", checks: BodySchema.MaxLength(128)).Email("email");
    private static readonly BodySchema Reset = new BodySchema()
        .String("reset_token", required: true, checks: BodySchema.MaxLength(1024))
        .String("password", required: true, checks: PasswordPolicy.CheckValue);
    private static readonly BodySchema TwoFactorLost = new BodySchema()
        .String("username", required: true, checks: BodySchema.Length(1, 128))
        .String("password", required: true, checks: BodySchema.Length(1, 128))
        .Email("email", nullIsAbsent: true); // the Python client sends it; ignored
    private static readonly BodySchema TwoFactorReset = new BodySchema()
        .String("reset_token", required: true, checks: BodySchema.MaxLength(1024));
    private static readonly BodySchema Change = new BodySchema()
        .String("current_password", required: true, checks: BodySchema.MaxLength(128))
        .String("new_password", required: true, checks: PasswordPolicy.CheckValue);

    public static RouteGroupBuilder MapRecoverApi(this RouteGroupBuilder api)
    {
        api.MapPost("/recover/lost", RequestPasswordReset);
        api.MapPost("/recover/reset", ResetPassword);
        api.MapPost("/recover/2fa/lost", RequestTwoFactorReset);
        api.MapPost("/recover/2fa/reset", ResetTwoFactor);
        api.MapPost("/recover/node", ResetNodeKey).For(Callers.User);
        api.MapMethods("/password/change", ["PATCH"], ChangePassword).For(Callers.User);
        return api;
    }

    private static async Task<IResult> RequestPasswordReset(HttpContext ctx, V6DbContext db, ServerConfig config, MailService mail,
        TokenService tokens, RecoveryThrottle throttle)
    {
        var json = await RequestBody.ReadJsonAsync(ctx);
        var body = Lost.Validate(json);
        if (!body.Has("username") && !body.Has("email"))
            throw ApiException.Validation(new JsonObject { ["_schema"] = new JsonArray("Email or username is required") });

        var username = body.String("username");
        var email = body.String("email");
        var user = username is not null
            ? await db.Users.FirstOrDefaultAsync(u => u.Username == username)
            : await db.Users.FirstOrDefaultAsync(u => u.Email == email);
        // The answer never depends on whether the account exists.
        if (user is not null && mail.Enabled && !string.IsNullOrEmpty(user.Email))
        {
            var now = DateTime.UtcNow;
            var between = TimeSpan.FromMinutes(config.PasswordPolicy.BetweenUserEmailsMinutes);
            if ((user.LastEmailRecoverPasswordSent is null || now - user.LastEmailRecoverPasswordSent.Value >= between)
                && throttle.TryAcquire(LoginService.ClientIp(ctx)))
            {
                var token = tokens.CreateResetToken(user.Id, TimeSpan.FromMinutes(config.EmailTokenValidityMinutes));
                mail.Enqueue(MailTemplates.PasswordReset(user.Email!, user.Firstname ?? user.Username ?? "", token, config.SupportEmail));
                user.LastEmailRecoverPasswordSent = now;
                await db.SaveChangesAsync();
            }
        }
        return Results.Json(new { msg = "If the username or email is in our database you will soon receive an email." });
    }

    /// <summary>The user a reset token names; api-core §2.11 answers for bad and expired tokens.</summary>
    private static async Task<User> UserFromResetTokenAsync(V6DbContext db, TokenService tokens, string token)
    {
        var (verified, failure) = await tokens.VerifyAsync(token);
        if (failure is { Status: 401 }) throw ApiException.Unauthorized("Token has expired");
        if (verified is null || verified.Type != TokenType.Reset
            || verified.Sub.ValueKind != System.Text.Json.JsonValueKind.Object
            || !verified.Sub.TryGetProperty("id", out var idElement)
            || !int.TryParse(idElement.ToString(), out var id))
            throw ApiException.BadRequest("Invalid recovery token!");
        return await db.Users.FirstOrDefaultAsync(u => u.Id == id) ?? throw ApiException.BadRequest("Invalid recovery token!");
    }

    private static async Task<IResult> ResetPassword(HttpContext ctx, V6DbContext db, TokenService tokens, ActorCache actors)
    {
        var body = Reset.Validate(await RequestBody.ReadJsonAsync(ctx));
        var user = await UserFromResetTokenAsync(db, tokens, body.String("reset_token")!);
        user.FailedLoginAttempts = 0;
        user.Password = PasswordHasher.Hash(body.String("password")!);
        await db.SaveChangesAsync();
        actors.InvalidateAll();
        return Results.Json(new { msg = "The password has successfully been reset!" });
    }

    /// <summary>
    /// After a password was reset by e-mail, the 2FA cannot be reset by e-mail too for this long: otherwise
    /// access to the mailbox alone would be enough to take over the account. An administrator can still help.
    /// </summary>
    public static readonly TimeSpan TwoFactorResetLockAfterPasswordMail = TimeSpan.FromDays(7);

    private static async Task<IResult> RequestTwoFactorReset(HttpContext ctx, V6DbContext db, LoginService login, ServerConfig config,
        MailService mail, TokenService tokens, RecoveryThrottle throttle)
    {
        var body = TwoFactorLost.Validate(await RequestBody.ReadJsonAsync(ctx));
        var user = await login.CheckPasswordAsync(db, body.String("username")!, body.String("password")!, LoginService.ClientIp(ctx))
                   ?? throw ApiException.Unauthorized("Failed to login");
        if (!mail.Enabled)
            throw ApiException.BadRequest("No mailserver settings found in server configuration - cannot send you an email to reset your 2FA! Contact your administrator.");
        if (user.LastEmailRecoverPasswordSent is { } sent && DateTime.UtcNow - sent < TwoFactorResetLockAfterPasswordMail)
            throw ApiException.BadRequest(
                "Your password was recently reset by e-mail, so your two-factor authentication cannot be reset by e-mail as well. Contact your administrator.");
        var token = tokens.CreateResetToken(user.Id, TimeSpan.FromMinutes(config.EmailTokenValidityMinutes));
        if (!string.IsNullOrEmpty(user.Email) && throttle.TryAcquire(LoginService.ClientIp(ctx)))
            mail.Enqueue(MailTemplates.TwoFactorReset(user.Email!, user.Firstname ?? user.Username ?? "", token, config.SupportEmail));
        return Results.Json(new { msg = "You should have received an email that will allow you to reset your 2FA." });
    }

    private static async Task<IResult> ResetTwoFactor(HttpContext ctx, V6DbContext db, TokenService tokens, LoginService login)
    {
        var body = TwoFactorReset.Validate(await RequestBody.ReadJsonAsync(ctx));
        var user = await UserFromResetTokenAsync(db, tokens, body.String("reset_token")!);
        user.OtpSecret = LoginService.NewOtpSecret();
        await db.SaveChangesAsync();
        return Results.Json(TokenApi.SetupReply(login, user.Username ?? "", user.OtpSecret));
    }

    private static async Task<IResult> ChangePassword(HttpContext ctx, Actor actor, V6DbContext db, LoginService login)
    {
        var body = Change.Validate(await RequestBody.ReadJsonAsync(ctx));
        var username = await db.Users.AsNoTracking().Where(u => u.Id == actor.Id).Select(u => u.Username).FirstAsync();
        var current = body.String("current_password")!;
        var user = await login.CheckPasswordAsync(db, username ?? "", current, LoginService.ClientIp(ctx))
                   ?? throw ApiException.Unauthorized("Failed to login");
        var next = body.String("new_password")!;
        if (next == current) throw ApiException.BadRequest("New password is the same as current password!");
        user.Password = PasswordHasher.Hash(next);
        await db.SaveChangesAsync();
        return Results.Json(new { msg = "The password has been changed successfully!" });
    }

    private static async Task<IResult> ResetNodeKey(HttpContext ctx, Actor actor, V6DbContext db)
    {
        var body = BodySchema.IdOnly.Validate(await RequestBody.ReadJsonAsync(ctx));
        var id = body.Int("id")!.Value;
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == id) ?? throw ApiException.NotFound($"Node id={id} is not found!");
        if (!actor.On("node").AllowedForOrg(Operation.EDIT, node.OrganizationId))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        var key = Guid.NewGuid().ToString();
        node.ApiKey = PasswordHasher.Hash(key);
        await db.SaveChangesAsync();
        return Results.Json(new { api_key = key });
    }
}
