namespace Vantage6.Server.Auth;

/// <summary>The fixed password rules (api-core §2.13), checked in order; the first failure is reported.</summary>
public static class PasswordPolicy
{
    public static string? Check(string password)
    {
        if (password.Length < 8)
            return "Password too short: use at least 8 characters with mixed lowercase, uppercase, numbers and special characters";
        if (password.Length > 128) return "Password too long: use at most 128 characters";
        if (!password.Any(c => c is >= '0' and <= '9')) return "Password should contain at least one number";
        if (!password.Any(c => c is >= 'A' and <= 'Z')) return "Password should contain at least one uppercase letter";
        if (!password.Any(c => c is >= 'a' and <= 'z')) return "Password should contain at least one lowercase letter";
        if (password.All(char.IsLetterOrDigit)) return "Password should contain at least one special character";
        return null;
    }

    /// <summary>As a body-schema check.</summary>
    public static string? CheckValue(object value) => Check((string)value);
}
