using System.Globalization;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Import;

/// <summary>
/// The user columns an import file may set verbatim (cli-and-config §4.1: "any other user column
/// name is accepted"). Password and organization are handled by the import itself.
/// </summary>
internal static class UserColumns
{
    private static readonly Dictionary<string, Action<User, string?>> Setters = new()
    {
        ["username"] = (u, v) => u.Username = v,
        ["firstname"] = (u, v) => u.Firstname = v,
        ["lastname"] = (u, v) => u.Lastname = v,
        ["email"] = (u, v) => u.Email = v,
        ["ip"] = (u, v) => u.Ip = v,
        ["status"] = (u, v) => u.Status = v,
        ["otp_secret"] = (u, v) => u.OtpSecret = v,
        ["failed_login_attempts"] = (u, v) => u.FailedLoginAttempts = v is null ? null : int.Parse(v, CultureInfo.InvariantCulture),
        ["last_seen"] = (u, v) => u.LastSeen = Date(v),
        ["last_login_attempt"] = (u, v) => u.LastLoginAttempt = Date(v),
        ["last_email_failed_login_sent"] = (u, v) => u.LastEmailFailedLoginSent = Date(v),
        ["last_email_recover_password_sent"] = (u, v) => u.LastEmailRecoverPasswordSent = Date(v),
    };

    public const string Password = "password";

    public static bool IsKnown(string column) => column == Password || Setters.ContainsKey(column);

    /// <summary>Sets one column; throws <see cref="FormatException"/> when the value does not fit it.</summary>
    public static void Apply(User user, string column, string? value) => Setters[column](user, value);

    private static DateTime? Date(string? v) => v is null
        ? null
        : DateTime.SpecifyKind(DateTime.Parse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
}
