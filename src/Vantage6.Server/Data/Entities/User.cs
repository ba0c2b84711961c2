namespace Vantage6.Server.Data.Entities;

public class User : Authenticatable
{
    public User() => Type = "user";
    public string? Username { get; set; }
    /// <summary>bcrypt hash (<c>$2b$12$…</c>); never returned by the API.</summary>
    public string? Password { get; set; }
    public string? Firstname { get; set; }
    public string? Lastname { get; set; }
    public string? Email { get; set; }
    public int? OrganizationId { get; set; }
    public int? FailedLoginAttempts { get; set; }
    public DateTime? LastLoginAttempt { get; set; }
    public string? OtpSecret { get; set; }
    public DateTime? LastEmailFailedLoginSent { get; set; }
    public DateTime? LastEmailRecoverPasswordSent { get; set; }
}
