using Vantage6.Server.Infrastructure.Mail;

namespace Vantage6.Server.Tests.Mail;

public sealed class MailTemplatesTests
{
    [Fact]
    public void Account_blocked_states_attempts_ip_time_and_remaining_minutes()
    {
        var mail = MailTemplates.AccountBlocked("u@example.org", "Alice", 5, "10.1.2.3",
            new DateTime(2024, 5, 1, 12, 0, 3, DateTimeKind.Utc), 7, "help@example.org");

        Assert.Equal("u@example.org", mail.To);
        Assert.Equal("Failed login attempts on your vantage6 account", mail.Subject);
        foreach (var body in new[] { mail.TextBody, mail.HtmlBody })
        {
            Assert.Contains("Alice", body);
            Assert.Contains("5 failed login attempts", body);
            Assert.Contains("10.1.2.3", body);
            Assert.Contains("2024-05-01 12:00:03 (UTC)", body);
            Assert.Contains("unlocked in 7 minutes", body);
            Assert.Contains("help@example.org", body);
        }
        Assert.StartsWith("Dear Alice,", mail.TextBody);
    }

    [Fact]
    public void Password_reset_contains_token_and_advice()
    {
        var mail = MailTemplates.PasswordReset("u@example.org", "Alice", "abc.def-ghi", "help@example.org");

        Assert.Equal("Password reset vantage6", mail.Subject);
        Assert.Contains("To reset your password use the following token:", mail.TextBody);
        Assert.Contains("\nabc.def-ghi\n", mail.TextBody.ReplaceLineEndings("\n"));
        Assert.Contains("abc.def-ghi", mail.HtmlBody);
        Assert.Contains("If you have not requested a password reset simply ignore this message.", mail.TextBody);
    }

    [Fact]
    public void Two_factor_reset_advises_changing_the_password()
    {
        var mail = MailTemplates.TwoFactorReset("u@example.org", "Alice", "tok123", "help@example.org");

        Assert.Equal("Two-factor authentication reset vantage6", mail.Subject);
        Assert.Contains("To reset your two-factor authentication code use the following token:", mail.TextBody);
        Assert.Contains("tok123", mail.TextBody);
        Assert.Contains("compromised", mail.TextBody);
        Assert.Contains("reset your password", mail.HtmlBody);
    }

    [Fact]
    public void Html_part_encodes_user_values()
    {
        var mail = MailTemplates.PasswordReset("u@example.org", "<script>x</script>", "t", "help@example.org");

        Assert.DoesNotContain("<script>", mail.HtmlBody);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", mail.HtmlBody);
        Assert.Contains("Dear <script>x</script>,", mail.TextBody);
    }
}
