using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Infrastructure.Mail;

/// <summary>
/// Sends email through the configured SMTP server. Messages are queued and sent in the
/// background so a slow or failing mail server never delays (or fails) an API request;
/// delivery errors are only logged, as in the Python server.
/// </summary>
public sealed class MailService : BackgroundService
{
    private const int QueueCapacity = 1000;
    private static readonly TimeSpan SmtpTimeout = TimeSpan.FromSeconds(30);

    private readonly SmtpConfig? _smtp;
    private readonly ILogger<MailService> _logger;
    private readonly Channel<MailMessageData> _queue = Channel.CreateBounded<MailMessageData>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public MailService(ServerConfig config, ILogger<MailService> logger)
    {
        _smtp = config.Smtp;
        _logger = logger;
    }

    /// <summary>Whether SMTP settings are configured, i.e. whether email can be sent at all.</summary>
    public bool Enabled => _smtp is not null;

    /// <summary>Queues a message for sending; false when mail is not configured or the queue is full.</summary>
    public bool Enqueue(MailMessageData message)
    {
        if (!Enabled)
        {
            _logger.LogWarning("No SMTP settings found in config - cannot send email!");
            return false;
        }
        if (_queue.Writer.TryWrite(message)) return true;
        _logger.LogError("Mail queue is full - email '{Subject}' not sent", message.Subject);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_smtp is null) return;
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(stoppingToken))
                await SendAsync(_smtp, message, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Server shutting down: unsent mail is dropped, like the Python server's mail thread.
        }
    }

    private async Task SendAsync(SmtpConfig smtp, MailMessageData message, CancellationToken cancel)
    {
        try
        {
            var mime = ToMime(smtp, message);
            using var client = new SmtpClient { Timeout = (int)SmtpTimeout.TotalMilliseconds };
            await client.ConnectAsync(smtp.Server, smtp.Port, SocketOptions(smtp), cancel);
            // Servers for local testing often offer no AUTH; logging in there would fail.
            if (!string.IsNullOrEmpty(smtp.Username) && !string.IsNullOrEmpty(smtp.Password) &&
                client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                await client.AuthenticateAsync(smtp.Username, smtp.Password, cancel);
            await client.SendAsync(mime, cancel);
            await client.DisconnectAsync(quit: true, cancel);
            _logger.LogDebug("Sent email '{Subject}'", message.Subject);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _logger.LogError("Mailserver error! {Error}", e.Message);
        }
    }

    internal static SecureSocketOptions SocketOptions(SmtpConfig smtp) =>
        smtp.UseSsl ? SecureSocketOptions.SslOnConnect
        : smtp.UseTls ? SecureSocketOptions.StartTlsWhenAvailable
        : SecureSocketOptions.None;

    internal static MimeMessage ToMime(SmtpConfig smtp, MailMessageData message)
    {
        var mime = new MimeMessage { Subject = message.Subject };
        mime.From.Add(MailboxAddress.Parse(smtp.EmailFrom));
        mime.To.Add(MailboxAddress.Parse(message.To));
        // BodyBuilder makes multipart/alternative with the text part first, as mail clients expect.
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }
}
