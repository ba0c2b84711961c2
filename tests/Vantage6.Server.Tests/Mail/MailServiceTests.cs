using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Vantage6.Common.Configuration;
using Vantage6.Server.Infrastructure.Mail;

namespace Vantage6.Server.Tests.Mail;

public sealed class MailServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static ServerConfig ConfigFor(int port, string username = "", string password = "") => new()
    {
        Smtp = new SmtpConfig { Server = "127.0.0.1", Port = port, UseTls = false, Username = username, Password = password },
    };

    [Fact]
    public async Task Delivers_a_queued_message_with_text_and_html_parts()
    {
        await using var smtp = new TestSmtpServer();
        var service = new MailService(ConfigFor(smtp.Port), NullLogger<MailService>.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(service.Enabled);
            Assert.True(service.Enqueue(MailTemplates.PasswordReset("alice@example.org", "Alice", "reset-token-123.abc_XYZ", "help@example.org")));

            var raw = await smtp.WaitForMessageAsync(Timeout);
            Assert.Contains("reset-token-123.abc_XYZ", raw);
            var message = TestSmtpServer.Parse(raw);
            Assert.Equal("Password reset vantage6", message.Subject);
            Assert.Equal("noreply@vantage6.ai", message.From.Mailboxes.Single().Address);
            Assert.Equal("alice@example.org", message.To.Mailboxes.Single().Address);
            Assert.Equal("multipart/alternative", message.Body?.ContentType.MimeType);
            Assert.Contains("reset-token-123.abc_XYZ", message.TextBody);
            Assert.Contains("reset-token-123.abc_XYZ", message.HtmlBody);
            Assert.Single(smtp.Messages);
        }
        finally { await service.StopAsync(CancellationToken.None); }
    }

    [Fact]
    public async Task Skips_login_when_the_server_offers_no_auth()
    {
        await using var smtp = new TestSmtpServer();
        var service = new MailService(ConfigFor(smtp.Port, "user", "secret"), NullLogger<MailService>.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            service.Enqueue(MailTemplates.TwoFactorReset("bob@example.org", "Bob", "tok", "help@example.org"));
            var message = await smtp.WaitForParsedMessageAsync(Timeout);
            Assert.Equal("Two-factor authentication reset vantage6", message.Subject);
        }
        finally { await service.StopAsync(CancellationToken.None); }
    }

    [Fact]
    public void Disabled_service_refuses_and_logs()
    {
        var logger = new CapturingLogger<MailService>();
        var service = new MailService(new ServerConfig(), logger);

        Assert.False(service.Enabled);
        Assert.False(service.Enqueue(new MailMessageData("a@example.org", "s", "t", "<p>h</p>")));
        Assert.Contains(logger.Entries, e => e.Message == "No SMTP settings found in config - cannot send email!");
    }

    [Fact]
    public async Task Unreachable_server_is_logged_not_thrown()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var logger = new CapturingLogger<MailService>();
        var service = new MailService(ConfigFor(closedPort), logger);
        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(service.Enqueue(new MailMessageData("a@example.org", "s", "t", "<p>h</p>")));
            var deadline = DateTime.UtcNow + Timeout;
            while (!logger.Entries.Any(e => e.Message.StartsWith("Mailserver error!")) && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.StartsWith("Mailserver error!"));
        }
        finally { await service.StopAsync(CancellationToken.None); }
    }

    [Fact]
    public async Task Second_message_arrives_as_the_next_unread_one()
    {
        await using var smtp = new TestSmtpServer();
        var service = new MailService(ConfigFor(smtp.Port), NullLogger<MailService>.Instance);
        await service.StartAsync(CancellationToken.None);
        try
        {
            service.Enqueue(MailTemplates.PasswordReset("a@example.org", "A", "first-token", "s@example.org"));
            service.Enqueue(MailTemplates.PasswordReset("a@example.org", "A", "second-token", "s@example.org"));
            Assert.Contains("first-token", (await smtp.WaitForParsedMessageAsync(Timeout)).TextBody);
            Assert.Contains("second-token", (await smtp.WaitForParsedMessageAsync(Timeout)).TextBody);
            await Assert.ThrowsAsync<TimeoutException>(() => smtp.WaitForMessageAsync(TimeSpan.FromMilliseconds(200)));
        }
        finally { await service.StopAsync(CancellationToken.None); }
    }

    [Fact]
    public void Mime_message_uses_configured_sender()
    {
        var smtp = new SmtpConfig { EmailFrom = "server@example.org" };
        MimeMessage mime = MailService.ToMime(smtp, new MailMessageData("to@example.org", "Subject", "text", "<p>html</p>"));
        Assert.Equal("server@example.org", mime.From.Mailboxes.Single().Address);
        Assert.Equal("text", mime.TextBody?.TrimEnd());
    }
}
