using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vantage6.Server.Tests.Security;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Authentication;

/// <summary>
/// Password and 2FA recovery by e-mail and node api-key reset (api-core §2.11), with mail going to a real
/// test SMTP server; security.md "Username enumeration (recovery)", "Token separation", "Mail flooding",
/// "2FA downgrade". Every request comes from its own client address unless a test is about that address.
/// </summary>
public class RecoveryTests(AuthMailTestServer server) : IClassFixture<AuthMailTestServer>
{
    private const string LostAnswer = "If the username or email is in our database you will soon receive an email.";
    private const string NewPassword = "Recovered-pass9";

    private async Task<(int Id, string Username, string Password, string Email)> NewUserAsync(string role = "Viewer")
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, role);
        return (user.Id, user.Username, user.Password, $"{user.Username}@example.org");
    }

    private Task<Reply> LostAsync(object body, string? clientIp = null) =>
        server.PostFromAsync(clientIp ?? AuthTestExtensions.NewClientIp(), "/api/recover/lost", body);

    private async Task<string> ResetTokenForAsync(string username, string email)
    {
        var before = server.MailsTo(email).Count;
        (await LostAsync(new { username })).ExpectStatus(200);
        var mail = (await server.WaitForMailsToAsync(email, before + 1)).Skip(before).Single();
        Assert.Equal("Password reset vantage6", mail.Subject);
        var token = AuthMailTestServer.TokenIn(mail);
        Assert.NotEmpty(token);
        return token;
    }

    [Fact]
    public async Task UsernameEnumeration_RecoveryAnswersIdentical()
    {
        var user = await NewUserAsync();
        var replies = new[]
        {
            await LostAsync(new { username = user.Username }),
            await LostAsync(new { username = V6TestServer.Unique("nobody") }),
            await LostAsync(new { email = user.Email }),
            await LostAsync(new { email = $"{V6TestServer.Unique("nobody")}@example.org" }),
            await LostAsync(new { username = user.Username }), // again: rate-limited, still the same answer
        };
        foreach (var reply in replies)
        {
            Assert.Equal(200, reply.Status);
            Assert.Equal(replies[0].Text, reply.Text);
            Assert.Equal(replies[0].Headers.Keys.Order(), reply.Headers.Keys.Order());
        }
        Assert.Equal(LostAnswer, replies[0].Msg);
        Assert.Equal(["msg"], replies[0].Json!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Lost_NeedsUsernameOrEmail()
    {
        var reply = await LostAsync(new { });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Email or username is required", reply.Json!["errors"]!["_schema"]![0]!.GetValue<string>());
        var badEmail = await LostAsync(new { email = "not-an-email" });
        Assert.Equal(400, badEmail.Status);
        Assert.NotNull(badEmail.Json!["errors"]!["email"]);
    }

    [Fact]
    public async Task Lost_KnownUser_GetsResetTokenByMail_AndResetWorks()
    {
        var user = await NewUserAsync();
        // Lock the account first: the reset must unblock it.
        for (var i = 0; i < 3; i++) Assert.Equal(401, (await server.LoginReplyAsync(user.Username, "Wrong-password1")).Status);
        Assert.Equal(401, (await server.LoginReplyAsync(user.Username, user.Password)).Status);
        Assert.Equal("Failed login attempts on your vantage6 account", Assert.Single(await server.WaitForMailsToAsync(user.Email, 1)).Subject);

        var token = await ResetTokenForAsync(user.Username, user.Email);
        var claims = Jwt.Payload(token);
        Assert.Equal(3600, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.NotNull((await server.UserRowAsync(user.Id)).LastEmailRecoverPasswordSent);

        var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = token, password = NewPassword });
        reply.ExpectStatus(200);
        Assert.Equal("The password has successfully been reset!", reply.Msg);
        Assert.Equal(0, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
        (await server.LoginReplyAsync(user.Username, NewPassword)).ExpectStatus(200);
        Assert.Equal(401, (await server.LoginReplyAsync(user.Username, user.Password)).Status);
    }

    [Fact]
    public async Task Lost_ByEmail_AlsoMails()
    {
        var user = await NewUserAsync();
        (await LostAsync(new { email = user.Email })).ExpectStatus(200);
        var mail = Assert.Single(await server.WaitForMailsToAsync(user.Email, 1));
        Assert.Equal("Password reset vantage6", mail.Subject);
        Assert.NotEmpty(AuthMailTestServer.TokenIn(mail));
    }

    [Fact]
    public async Task Reset_WeakPassword_Is400()
    {
        var user = await NewUserAsync();
        var token = await ResetTokenForAsync(user.Username, user.Email);
        var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = token, password = "weak" });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Request body is incorrect", reply.Msg);
        Assert.Equal("Password too short: use at least 8 characters with mixed lowercase, uppercase, numbers and special characters",
            reply.Json!["errors"]!["password"]![0]!.GetValue<string>());
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
    }

    [Fact]
    public async Task Reset_InvalidToken_Is400()
    {
        foreach (var token in new[]
                 {
                     "not-a-token",
                     Jwt.Sign(Jwt.Claims("reset", "reset", new JsonObject { ["id"] = "1" }, 0, 3600), "some-other-secret-that-is-long-enough"),
                 })
        {
            var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = token, password = NewPassword });
            Assert.Equal(400, reply.Status);
            Assert.Equal("Invalid recovery token!", reply.Msg);
        }
        var reply2fa = await server.PostAsync("/api/recover/2fa/reset", null, new { reset_token = "not-a-token" });
        Assert.Equal(400, reply2fa.Status);
        Assert.Equal("Invalid recovery token!", reply2fa.Msg);
    }

    [Fact]
    public async Task Reset_WithAccessOrRefreshToken_Is400()
    {
        var user = await NewUserAsync();
        var login = (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        // Also a reference-style reset token (an access token whose sub is {"id": ...}) is not a reset token here.
        var referenceStyle = Jwt.Sign(Jwt.Claims("access", "container", new JsonObject { ["id"] = user.Id.ToString() }, 0, 3600),
            server.Config.JwtSecretKey);
        foreach (var token in new[] { login.Json!["access_token"]!.GetValue<string>(), login.Json["refresh_token"]!.GetValue<string>(), referenceStyle })
        {
            var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = token, password = NewPassword });
            Assert.Equal(400, reply.Status);
            Assert.Equal("Invalid recovery token!", reply.Msg);
            var twoFactor = await server.PostAsync("/api/recover/2fa/reset", null, new { reset_token = token });
            Assert.Equal(400, twoFactor.Status);
            Assert.Equal("Invalid recovery token!", twoFactor.Msg);
        }
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        Assert.Null((await server.UserRowAsync(user.Id)).OtpSecret);
    }

    [Fact]
    public async Task Reset_ExpiredToken_Is401()
    {
        var user = await NewUserAsync();
        var expired = Jwt.Sign(Jwt.Claims("reset", "reset", new JsonObject { ["id"] = user.Id.ToString() }, -7200, -1), server.Config.JwtSecretKey);
        var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = expired, password = NewPassword });
        Assert.Equal(401, reply.Status);
        Assert.Equal("Token has expired", reply.Msg);
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
    }

    [Fact]
    public async Task Reset_TokenOfDeletedUser_Is400()
    {
        var user = await NewUserAsync();
        var token = await ResetTokenForAsync(user.Username, user.Email);
        (await server.DeleteAsync($"/api/user/{user.Id}", await server.RootTokenAsync())).ExpectStatus(200);
        var reply = await server.PostAsync("/api/recover/reset", null, new { reset_token = token, password = NewPassword });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Invalid recovery token!", reply.Msg);
    }

    [Fact]
    public async Task TokenSeparation_ResetTokenNotABearer()
    {
        var user = await NewUserAsync("Organization Admin");
        var token = await ResetTokenForAsync(user.Username, user.Email);
        foreach (var reply in new[]
                 {
                     await server.GetAsync("/api/user", token),
                     await server.GetAsync($"/api/user/{user.Id}", token),
                     await server.PostAsync("/api/token/refresh", token, null),
                     await server.PostAsync("/api/token/user/validate", token, null),
                     await server.PatchAsync("/api/password/change", token, new { current_password = user.Password, new_password = NewPassword }),
                 })
        {
            Assert.Equal(422, reply.Status);
            Assert.Null(reply.Json!["data"]);
        }
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
    }

    [Fact]
    public async Task MailFlooding_OneRecoveryMailPerBetweenUserEmailsMinutes()
    {
        var user = await NewUserAsync();
        var first = await LostAsync(new { username = user.Username });
        var second = await LostAsync(new { username = user.Username });
        var third = await LostAsync(new { email = user.Email });
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Text, third.Text);
        Assert.Single(await server.WaitForMailsToAsync(user.Email, 1));
        await Task.Delay(1500);
        Assert.Single(server.MailsTo(user.Email));

        // Once the interval has passed, another mail may be sent.
        await server.UpdateUserRowAsync(user.Id, u => u.LastEmailRecoverPasswordSent = DateTime.UtcNow.AddMinutes(-61));
        (await LostAsync(new { username = user.Username })).ExpectStatus(200);
        Assert.Equal(2, (await server.WaitForMailsToAsync(user.Email, 2)).Count);
    }

    [Fact]
    public async Task MailFlooding_AtMostFiveMailsPerClientAddress()
    {
        var users = new List<(int Id, string Username, string Password, string Email)>();
        for (var i = 0; i < 7; i++) users.Add(await NewUserAsync());
        var clientIp = AuthTestExtensions.NewClientIp();
        foreach (var user in users)
        {
            var reply = await LostAsync(new { username = user.Username }, clientIp);
            Assert.Equal(200, reply.Status);
            Assert.Equal(LostAnswer, reply.Msg);
        }
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (users.Sum(u => server.MailsTo(u.Email).Count) < 5 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(1500);
        Assert.Equal(5, users.Sum(u => server.MailsTo(u.Email).Count));
        // Requests for the last two users were dropped silently: their accounts can still ask again from elsewhere.
        var last = users[^1];
        (await LostAsync(new { username = last.Username })).ExpectStatus(200);
        Assert.Single(await server.WaitForMailsToAsync(last.Email, 1));
    }

    [Fact]
    public async Task TwoFactorLost_MailsToken_AndResetGivesNewSecret()
    {
        var user = await NewUserAsync();
        var reply = await server.PostFromAsync(AuthTestExtensions.NewClientIp(), "/api/recover/2fa/lost",
            new { username = user.Username, password = user.Password });
        reply.ExpectStatus(200);
        Assert.Equal("You should have received an email that will allow you to reset your 2FA.", reply.Msg);
        var mail = Assert.Single(await server.WaitForMailsToAsync(user.Email, 1));
        Assert.Equal("Two-factor authentication reset vantage6", mail.Subject);
        var token = AuthMailTestServer.TokenIn(mail);

        var reset = await server.PostAsync("/api/recover/2fa/reset", null, new { reset_token = token });
        reset.ExpectStatus(200);
        var secret = reset.Json!["otp_secret"]!.GetValue<string>();
        Assert.Matches(new Regex("^[A-Z2-7]{32}$"), secret);
        Assert.Equal(
            $"otpauth://totp/vantage6%20%28cotopaxi%29:{user.Username}?secret={secret}&issuer=vantage6%20%28cotopaxi%29",
            reset.Json["qr_uri"]!.GetValue<string>());
        Assert.Equal("Two-factor authentication is obligatory on this server. Please visualize the QR code to set up authentication.", reset.Msg);
        Assert.Equal(secret, (await server.UserRowAsync(user.Id)).OtpSecret);

        var again = await server.PostAsync("/api/recover/2fa/reset", null, new { reset_token = token });
        if (again.Status == 200) Assert.NotEqual(secret, again.Json!["otp_secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task TwoFactorLost_WrongOrUnknownCredentials_AnswerIdenticalAndCountAsFailures()
    {
        var user = await NewUserAsync();
        var wrong = await server.PostFromAsync(AuthTestExtensions.NewClientIp(), "/api/recover/2fa/lost",
            new { username = user.Username, password = "Wrong-password1" });
        var unknown = await server.PostFromAsync(AuthTestExtensions.NewClientIp(), "/api/recover/2fa/lost",
            new { username = V6TestServer.Unique("nobody"), password = "Wrong-password1" });
        Assert.Equal(401, wrong.Status);
        Assert.Equal("Failed to login", wrong.Msg);
        Assert.Equal(wrong.Status, unknown.Status);
        Assert.Equal(wrong.Text, unknown.Text);
        Assert.Equal(1, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
        await Task.Delay(500);
        Assert.Empty(server.MailsTo(user.Email));
    }

    [Fact]
    public async Task TwoFactorDowngrade_NoTwoFactorResetByMailAfterPasswordResetMail()
    {
        var user = await NewUserAsync();
        var passwordToken = await ResetTokenForAsync(user.Username, user.Email);
        (await server.PostAsync("/api/recover/reset", null, new { reset_token = passwordToken, password = NewPassword })).ExpectStatus(200);

        // Whoever read the mailbox now knows the password; the same mailbox must not also reset 2FA.
        var reply = await server.PostFromAsync(AuthTestExtensions.NewClientIp(), "/api/recover/2fa/lost",
            new { username = user.Username, password = NewPassword });
        Assert.Equal(400, reply.Status);
        Assert.False(string.IsNullOrEmpty(reply.Msg));
        await Task.Delay(1000);
        Assert.DoesNotContain(server.MailsTo(user.Email), m => m.Subject == "Two-factor authentication reset vantage6");
        Assert.Null((await server.UserRowAsync(user.Id)).OtpSecret);
    }

    [Fact]
    public async Task RecoverNode_AsRoot_NewKeyWorks_OldKeyRefused()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey })).ExpectStatus(200);

        var reply = await server.PostAsync("/api/recover/node", root, new { id = node.NodeId });
        reply.ExpectStatus(200);
        Assert.Equal(["api_key"], reply.Json!.AsObject().Select(p => p.Key));
        var newKey = reply.Json["api_key"]!.GetValue<string>();
        Assert.True(Guid.TryParse(newKey, out _));
        Assert.NotEqual(node.ApiKey, newKey);

        var login = await server.PostAsync("/api/token/node", null, new { api_key = newKey });
        login.ExpectStatus(200);
        Assert.Equal($"/api/node/{node.NodeId}", login.Json!["node_url"]!.GetValue<string>());
        var old = await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey });
        Assert.Equal(401, old.Status);
        Assert.Equal("Api key is not recognized!", old.Msg);
    }

    [Fact]
    public async Task RecoverNode_ViewerOfAnotherOrganization_Is401_AndMissingNodeIs404()
    {
        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var viewer = await NewUserAsync();
        var token = await server.LoginAsync(viewer.Username, viewer.Password);
        var reply = await server.PostAsync("/api/recover/node", token, new { id = node.NodeId });
        Assert.Equal(401, reply.Status);
        Assert.Equal("You lack the permission to do that!", reply.Msg);
        (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey })).ExpectStatus(200);

        var missing = await server.PostAsync("/api/recover/node", root, new { id = 999999 });
        Assert.Equal(404, missing.Status);
        Assert.Equal("Node id=999999 is not found!", missing.Msg);
        Assert.Equal(401, (await server.PostAsync("/api/recover/node", null, new { id = node.NodeId })).Status);
    }
}

/// <summary>Recovery on a server without an <c>smtp</c> section.</summary>
public class RecoveryWithoutSmtpTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    [Fact]
    public async Task TwoFactorLost_WithoutSmtp_Is400()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var reply = await server.PostAsync("/api/recover/2fa/lost", null, new { username = user.Username, password = user.Password });
        Assert.Equal(400, reply.Status);
        Assert.Equal(
            "No mailserver settings found in server configuration - cannot send you an email to reset your 2FA! Contact your administrator.",
            reply.Msg);
        // Credentials are checked first.
        var wrong = await server.PostAsync("/api/recover/2fa/lost", null, new { username = user.Username, password = "Wrong-password1" });
        Assert.Equal(401, wrong.Status);
        Assert.Equal("Failed to login", wrong.Msg);
    }

    [Fact]
    public async Task Lost_WithoutSmtp_StillAnswersTheSame()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        var user = await server.CreateUserAsync(root, org, "Viewer");
        var known = await server.PostAsync("/api/recover/lost", null, new { username = user.Username });
        var unknown = await server.PostAsync("/api/recover/lost", null, new { username = V6TestServer.Unique("nobody") });
        known.ExpectStatus(200);
        Assert.Equal("If the username or email is in our database you will soon receive an email.", known.Msg);
        Assert.Equal(known.Text, unknown.Text);
        Assert.Null((await server.UserRowAsync(user.Id)).LastEmailRecoverPasswordSent);
    }
}
