using System.Globalization;

namespace Vantage6.Server.Infrastructure;

/// <summary>Reads query-string filters the way the API specifies them.</summary>
public static class QueryParams
{
    public static string? Str(this HttpRequest r, string key) => r.Query[key].FirstOrDefault();

    public static IReadOnlyList<string> All(this HttpRequest r, string key) =>
        r.Query[key].Where(v => v is not null).Select(v => v!).ToList();

    /// <summary>An integer filter; anything else is a 400 naming the parameter.</summary>
    public static int? Int(this HttpRequest r, string key)
    {
        var v = r.Query[key].FirstOrDefault();
        if (v is null) return null;
        return ParseInt(key, v);
    }

    public static IReadOnlyList<int> Ints(this HttpRequest r, string key) =>
        r.Query[key].Where(v => v is not null).Select(v => ParseInt(key, v!)).ToList();

    private static int ParseInt(string key, string v) =>
        int.TryParse(v.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)
            ? i : throw ApiException.BadRequest($"{key} must be an integer, got '{v}'");

    /// <summary>
    /// A flag such as <c>delete_dependents</c>: <c>false</c>, <c>0</c>, <c>no</c> and empty are false (the
    /// reference counts any non-empty value as true, which deletes dependents when a client says False).
    /// </summary>
    public static bool Flag(this HttpRequest r, string key)
    {
        var v = r.Query[key].FirstOrDefault();
        if (string.IsNullOrEmpty(v)) return false;
        return v.Trim().ToLowerInvariant() is not ("false" or "0" or "no" or "off");
    }

    /// <summary>A date or datetime filter value (<c>2024-05-01</c> or ISO 8601), as UTC.</summary>
    public static DateTime? DateTimeValue(this HttpRequest r, string key)
    {
        var v = r.Query[key].FirstOrDefault();
        if (v is null) return null;
        if (DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
            return DateTime.SpecifyKind(d, DateTimeKind.Utc);
        throw ApiException.BadRequest($"Invalid date '{v}' for '{key}': use YYYY-MM-DD or an ISO 8601 datetime");
    }
}
