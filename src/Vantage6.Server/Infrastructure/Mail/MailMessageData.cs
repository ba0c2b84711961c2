namespace Vantage6.Server.Infrastructure.Mail;

/// <summary>An email to send: one recipient, with a plain text and an HTML version of the body.</summary>
public sealed record MailMessageData(string To, string Subject, string TextBody, string HtmlBody);
