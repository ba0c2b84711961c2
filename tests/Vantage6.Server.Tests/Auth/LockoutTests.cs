using Vantage6.Server.Tests.Security;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Authentication;

/// <summary>
/// Failed-login lockout (api-core §2.6) with max_failed_attempts 3 and inactivation 1 minute, and the
/// password change that shares its check (§2.11); security.md "Username enumeration (login)" and "Brute force".
/// </summary>
public class LockoutTests(AuthMailTestServer server) : IClassFixture<AuthMailTestServer>
{
    private const string Wrong = "Wrong-password1";

    private async Task<(int Id, string Username, string Password)> NewUserAsync()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        return await server.CreateUserAsync(root, org, "Viewer");
    }

    private async Task FailAsync(string username, string password, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            var reply = await server.LoginReplyAsync(username, password);
            Assert.Equal(401, reply.Status);
            Assert.Equal("Failed to login", reply.Msg);
        }
    }

    [Fact]
    public async Task ThreeWrongPasswords_BlockEvenTheCorrectOne()
    {
        var user = await NewUserAsync();
        await FailAsync(user.Username, Wrong, 2);
        Assert.Equal(2, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
        await FailAsync(user.Username, Wrong);
        Assert.Equal(3, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
        await FailAsync(user.Username, user.Password);
    }

    [Fact]
    public async Task Counter_ResetsAfterSuccess()
    {
        var user = await NewUserAsync();
        await FailAsync(user.Username, Wrong, 2);
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        Assert.Equal(0, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
        await FailAsync(user.Username, Wrong, 2);
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
    }

    [Fact]
    public async Task BlockedAttempts_DoNotExtendTheBlock()
    {
        var user = await NewUserAsync();
        await FailAsync(user.Username, Wrong, 3);
        var blockedAt = (await server.UserRowAsync(user.Id)).LastLoginAttempt;
        Assert.NotNull(blockedAt);
        await Task.Delay(20);
        await FailAsync(user.Username, Wrong);
        await FailAsync(user.Username, user.Password);
        var row = await server.UserRowAsync(user.Id);
        Assert.Equal(3, row.FailedLoginAttempts);
        Assert.Equal(blockedAt, row.LastLoginAttempt);
    }

    [Fact]
    public async Task Block_EndsAfterInactivationMinutes()
    {
        var user = await NewUserAsync();
        await FailAsync(user.Username, Wrong, 3);
        await FailAsync(user.Username, user.Password);

        // One minute of inactivation: pretend the last failure was two minutes ago.
        await server.UpdateUserRowAsync(user.Id, u => u.LastLoginAttempt = DateTime.UtcNow.AddMinutes(-2));
        await FailAsync(user.Username, Wrong);
        Assert.Equal(1, (await server.UserRowAsync(user.Id)).FailedLoginAttempts); // an expired block starts again at 1

        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
        Assert.Equal(0, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
    }

    [Fact]
    public async Task UsernameEnumeration_LoginAnswersIdentical()
    {
        var user = await NewUserAsync();
        var wrongPassword = await server.LoginReplyAsync(user.Username, Wrong);
        var unknown = await server.LoginReplyAsync(V6TestServer.Unique("nobody"), Wrong);
        await FailAsync(user.Username, Wrong, 2);
        var blockedWithRightPassword = await server.LoginReplyAsync(user.Username, user.Password);
        var blockedWithWrongPassword = await server.LoginReplyAsync(user.Username, Wrong);

        foreach (var reply in new[] { unknown, blockedWithRightPassword, blockedWithWrongPassword })
        {
            Assert.Equal(wrongPassword.Status, reply.Status);
            Assert.Equal(wrongPassword.Text, reply.Text);
            Assert.Equal(wrongPassword.Headers["content-type"], reply.Headers["content-type"]);
            Assert.Equal(wrongPassword.Headers.Keys.Order(), reply.Headers.Keys.Order());
        }
        Assert.Equal(401, wrongPassword.Status);
        Assert.Equal("Failed to login", wrongPassword.Msg);
    }

    [Fact]
    public async Task BlockedAccount_MailsTheOwnerOncePerInterval()
    {
        var user = await NewUserAsync();
        var email = $"{user.Username}@example.org";
        await FailAsync(user.Username, Wrong, 3);
        Assert.Empty(server.MailsTo(email)); // failures before the block send nothing

        await FailAsync(user.Username, user.Password);
        var mails = await server.WaitForMailsToAsync(email, 1);
        var mail = Assert.Single(mails);
        Assert.Equal("Failed login attempts on your vantage6 account", mail.Subject);
        Assert.DoesNotContain(user.Password, mail.TextBody);
        Assert.NotNull((await server.UserRowAsync(user.Id)).LastEmailFailedLoginSent);

        await FailAsync(user.Username, user.Password);
        await FailAsync(user.Username, Wrong);
        await Task.Delay(1000);
        Assert.Single(server.MailsTo(email)); // between_user_emails_minutes (60) has not passed
    }

    [Fact]
    public async Task BruteForce_ChangePasswordCountsTowardLockout()
    {
        var user = await NewUserAsync();
        var token = await server.LoginAsync(user.Username, user.Password);
        for (var i = 0; i < 3; i++)
        {
            var reply = await server.PatchAsync("/api/password/change", token, new { current_password = Wrong, new_password = "Another-pass1" });
            Assert.Equal(401, reply.Status);
            Assert.Equal("Failed to login", reply.Msg);
        }
        Assert.Equal(3, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);

        // Now blocked: neither login nor a change with the right current password works.
        await FailAsync(user.Username, user.Password);
        var change = await server.PatchAsync("/api/password/change", token, new { current_password = user.Password, new_password = "Another-pass1" });
        Assert.Equal(401, change.Status);
        Assert.Equal("Failed to login", change.Msg);
        await FailAsync(user.Username, "Another-pass1");
    }

    [Fact]
    public async Task ChangePassword_Success_NewPasswordLogsIn()
    {
        var user = await NewUserAsync();
        var token = await server.LoginAsync(user.Username, user.Password);
        var reply = await server.PatchAsync("/api/password/change", token, new { current_password = user.Password, new_password = "Brand-new-pass2" });
        reply.ExpectStatus(200);
        Assert.Equal("The password has been changed successfully!", reply.Msg);
        (await server.LoginReplyAsync(user.Username, "Brand-new-pass2")).ExpectStatus(200);
        await FailAsync(user.Username, user.Password);
        Assert.StartsWith("$2b$", (await server.UserRowAsync(user.Id)).Password);
    }

    [Fact]
    public async Task ChangePassword_SamePassword_Is400()
    {
        var user = await NewUserAsync();
        var token = await server.LoginAsync(user.Username, user.Password);
        var reply = await server.PatchAsync("/api/password/change", token, new { current_password = user.Password, new_password = user.Password });
        Assert.Equal(400, reply.Status);
        Assert.Equal("New password is the same as current password!", reply.Msg);
    }

    [Theory]
    [InlineData("Sh0rt!", "Password too short: use at least 8 characters with mixed lowercase, uppercase, numbers and special characters")]
    [InlineData("NoNumbers-here", "Password should contain at least one number")]
    [InlineData("lowercase-only1", "Password should contain at least one uppercase letter")]
    [InlineData("UPPERCASE-ONLY1", "Password should contain at least one lowercase letter")]
    [InlineData("Password123", "Password should contain at least one special character")]
    [InlineData("Password 123", null)]
    public async Task ChangePassword_WeakNewPassword_Is400(string next, string? message)
    {
        var user = await NewUserAsync();
        var token = await server.LoginAsync(user.Username, user.Password);
        var reply = await server.PatchAsync("/api/password/change", token, new { current_password = user.Password, new_password = next });
        if (message is null)
        {
            reply.ExpectStatus(200);
            return;
        }
        Assert.Equal(400, reply.Status);
        Assert.Equal("Request body is incorrect", reply.Msg);
        Assert.Equal([message], reply.Json!["errors"]!["new_password"]!.AsArray().Select(e => e!.GetValue<string>()));
        (await server.LoginReplyAsync(user.Username, user.Password)).ExpectStatus(200);
    }

    [Fact]
    public async Task ChangePassword_TooLongNewPassword_Is400()
    {
        var user = await NewUserAsync();
        var token = await server.LoginAsync(user.Username, user.Password);
        var reply = await server.PatchAsync("/api/password/change", token,
            new { current_password = user.Password, new_password = "Aa1!" + new string('x', 125) });
        Assert.Equal(400, reply.Status);
        Assert.Equal("Password too long: use at most 128 characters", reply.Json!["errors"]!["new_password"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task ChangePassword_NeedsAUserToken()
    {
        var anonymous = await server.PatchAsync("/api/password/change", null, new { current_password = "x", new_password = "Another-pass1" });
        Assert.Equal(401, anonymous.Status);
        Assert.Equal("Missing Authorization Header", anonymous.Msg);

        var root = await server.RootTokenAsync();
        var node = await server.CreateNodeAsync(root);
        var nodeToken = (await server.PostAsync("/api/token/node", null, new { api_key = node.ApiKey }))
            .ExpectStatus(200).Json!["access_token"]!.GetValue<string>();
        var asNode = await server.PatchAsync("/api/password/change", nodeToken, new { current_password = "x", new_password = "Another-pass1" });
        Assert.Equal(401, asNode.Status);
    }
}

public class LockoutConcurrencyTests(AuthMailTestServer server) : IClassFixture<AuthMailTestServer>
{
    [Fact]
    public async Task BruteForce_ParallelGuessesCannotOutrunTheLockout()
    {
        var root = await server.RootTokenAsync();
        var org = await server.CreateOrganizationAsync(root);
        for (var round = 0; round < 3; round++)
        {
            var user = await server.CreateUserAsync(root, org, "Viewer");
            // A realistic bcrypt cost makes the window between reading and writing the counter as wide as in production.
            var slow = BCrypt.Net.BCrypt.HashPassword(user.Password, BCrypt.Net.BCrypt.GenerateSalt(10, 'b'));
            await server.UpdateUserRowAsync(user.Id, u => u.Password = slow);

            // max_failed_attempts (3) wrong guesses at once must block the account exactly as three in a row do:
            // if they all read the counter before any of them writes it, a burst of requests gets unlimited tries.
            var replies = await Task.WhenAll(Enumerable.Range(0, 3)
                .Select(i => Task.Run(() => server.LoginReplyAsync(user.Username, $"Wrong-password{i}"))));
            Assert.All(replies, r => Assert.Equal(401, r.Status));
            Assert.Equal(3, (await server.UserRowAsync(user.Id)).FailedLoginAttempts);
            Assert.Equal(401, (await server.LoginReplyAsync(user.Username, user.Password)).Status);
        }
    }
}
