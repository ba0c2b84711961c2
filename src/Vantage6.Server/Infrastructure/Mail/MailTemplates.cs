using System.Globalization;
using System.Net;

namespace Vantage6.Server.Infrastructure.Mail;

/// <summary>The emails the server sends, worded as the Python server's templates.</summary>
public static class MailTemplates
{
    public static MailMessageData AccountBlocked(string to, string greetingName, int maxAttempts, string ip,
        DateTime attemptUtc, int minutesRemaining, string supportEmail)
    {
        var time = attemptUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var text =
            $"""
            Dear {greetingName},

            After {maxAttempts} failed login attempts your user account
            has been blocked.

            Source IP: {ip}
            Last attempt at: {time} (UTC)

            Your account will be unlocked in {minutesRemaining} minutes. Please wait or
            reactivate your account via email.

            If you have questions, contact {supportEmail}.

            Sincerely
            vantage6 Support Team
            """;
        var html =
            $"""
            <p>Dear <strong>{Html(greetingName)}</strong>,</p>
            <p>After {maxAttempts} failed login attempts your user account has been blocked.</p>
            <ul>
                <li>Source IP: {Html(ip)}</li>
                <li>Last attempt at: {time} (UTC)</li>
            </ul>
            <p>Your account will be unlocked in {minutesRemaining} minutes. Please wait or reactivate your account via email.</p>
            """;
        return new MailMessageData(to, "Failed login attempts on your vantage6 account", text, Page(html, supportEmail));
    }

    public static MailMessageData PasswordReset(string to, string greetingName, string token, string supportEmail) =>
        ResetToken(to, "Password reset vantage6", greetingName, "password", token, supportEmail,
            "If you have not requested a password reset simply ignore this message.");

    public static MailMessageData TwoFactorReset(string to, string greetingName, string token, string supportEmail) =>
        ResetToken(to, "Two-factor authentication reset vantage6", greetingName, "two-factor authentication code", token, supportEmail,
            // Requesting a 2FA reset takes the password, so an unexpected request means someone else has it.
            "If you have not requested a two-factor authentication code reset, your password may have been " +
            "compromised: please reset your password.");

    private static MailMessageData ResetToken(string to, string subject, string greetingName, string resetType,
        string token, string supportEmail, string advice)
    {
        var text =
            $"""
            Dear {greetingName},

            To reset your {resetType} use the following token:

            {token}

            {advice}

            If you have questions, contact {supportEmail}.

            Sincerely
            vantage6 Support Team
            """;
        var html =
            $"""
            <p>Dear <strong>{Html(greetingName)}</strong>,</p>
            <p>To reset your {resetType} use the following token:</p>
            <p style="font-family: 'Courier New', Courier, monospace; font-size: 12px; overflow-wrap: break-word; padding: 10px; color: white; background-color: #0f497b;">{Html(token)}</p>
            <p>{advice}</p>
            """;
        return new MailMessageData(to, subject, text, Page(html, supportEmail));
    }

    /// <summary>The shared HTML frame: content, signature and a support contact.</summary>
    private static string Page(string content, string supportEmail) =>
        $"""
        <!DOCTYPE html>
        <html>
        <head><meta charset="UTF-8"><title>vantage6</title></head>
        <body style="font-family: 'Segoe UI', Tahoma, Geneva, Verdana, sans-serif; color: #0f497b;">
        <div style="max-width: 750px; margin: 0 auto; padding: 40px; background-color: #f9f9f9;">
        {content}
        <p>If you have questions, contact <a href="mailto:{Html(supportEmail)}">{Html(supportEmail)}</a>.</p>
        <p>Sincerely, <br/>vantage6 Support Team</p>
        </div>
        </body>
        </html>
        """;

    private static string Html(string value) => WebUtility.HtmlEncode(value);
}
