namespace Vantage6.Server.Auth;

/// <summary>bcrypt in the reference's format: <c>$2b$</c>, cost 12, so hashes move both ways.</summary>
public static class PasswordHasher
{
    public const int DefaultWorkFactor = 12;

    /// <summary>Always 12 in the server; the test suite lowers it so that creating users is fast.</summary>
    public static int WorkFactor { get; internal set; } = DefaultWorkFactor;

    public static string Hash(string secret) =>
        BCrypt.Net.BCrypt.HashPassword(secret, BCrypt.Net.BCrypt.GenerateSalt(WorkFactor, 'b'));

    public static bool Verify(string secret, string? hash)
    {
        if (string.IsNullOrEmpty(hash)) return false;
        try { return BCrypt.Net.BCrypt.Verify(secret, hash); }
        catch (BCrypt.Net.SaltParseException) { return false; }
    }

    /// <summary>A pre-hashed initial root password must be a real <c>$2b$</c> hash that does not match "".</summary>
    public static bool IsAcceptablePreHash(string hash) =>
        hash.Length >= 60 && hash.StartsWith("$2b$", StringComparison.Ordinal) && IsParsable(hash) && !Verify("", hash);

    private static bool IsParsable(string hash)
    {
        try { BCrypt.Net.BCrypt.Verify("x", hash); return true; }
        catch (Exception) { return false; }
    }
}
