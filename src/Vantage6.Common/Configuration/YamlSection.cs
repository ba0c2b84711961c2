using System.Globalization;

namespace Vantage6.Common.Configuration;

/// <summary>
/// Typed, validating access to one YAML mapping. Every failure names the file and the dotted key,
/// so a user sees exactly what to fix.
/// </summary>
public sealed class YamlSection
{
    private readonly IReadOnlyDictionary<string, object?> _values;
    public string File { get; }
    public string Prefix { get; }

    public YamlSection(string file, string prefix, IReadOnlyDictionary<string, object?> values)
    {
        File = file;
        Prefix = prefix;
        _values = values;
    }

    public IEnumerable<string> Keys => _values.Keys;
    public bool Has(string key) => _values.TryGetValue(key, out var v) && v is not null;
    public object? Raw(string key) => _values.TryGetValue(key, out var v) ? v : null;
    private string Path(string key) => Prefix.Length == 0 ? key : $"{Prefix}.{key}";

    private ConfigurationException Error(string key, string expected) =>
        ConfigurationException.ForKey(File, Path(key), expected);

    /// <param name="expected">what the value must be, e.g. <c>an integer</c>; part of the message</param>
    public void Require(string key, string? expected = null)
    {
        if (!_values.ContainsKey(key))
            throw Error(key, expected is null ? "is missing (required)" : $"is missing (required, expected {expected})");
    }

    /// <summary>An error about a key of this section, named with its full dotted path.</summary>
    public ConfigurationException Invalid(string key, string expected) => Error(key, expected);

    public string? String(string key, bool required = false, string? @default = null)
    {
        if (!_values.TryGetValue(key, out var v) || v is null)
        {
            if (required && !_values.ContainsKey(key)) throw Error(key, "is missing (required, expected a string)");
            return @default;
        }
        if (v is string s) return s;
        throw Error(key, "must be a string");
    }

    public int? Int(string key, bool required = false, int? @default = null, int? min = null)
    {
        if (!_values.TryGetValue(key, out var v) || v is null || (v is string e && e.Length == 0))
        {
            if (required) throw Error(key, "is missing (required, expected an integer)");
            return @default;
        }
        if (v is string s && int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            if (min is not null && i < min) throw Error(key, $"must be an integer >= {min}, got {i}");
            return i;
        }
        throw Error(key, $"must be an integer, got '{Describe(v)}'");
    }

    public double? Number(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v is null) return null;
        if (v is string s && double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        return double.NaN; // present but not numeric: callers decide (token lifetimes log and fall back)
    }

    public bool? Bool(string key, bool required = false, bool? @default = null)
    {
        if (!_values.TryGetValue(key, out var v) || v is null)
        {
            if (required) throw Error(key, "is missing (required, expected true or false)");
            return @default;
        }
        if (v is string s)
        {
            switch (s.Trim().ToLowerInvariant())
            {
                case "true": case "yes": case "1": case "on": return true;
                case "false": case "no": case "0": case "off": case "": return false;
            }
        }
        throw Error(key, $"must be true or false, got '{Describe(v)}'");
    }

    public YamlSection? Section(string key, bool required = false)
    {
        if (!_values.TryGetValue(key, out var v) || v is null)
        {
            if (required) throw Error(key, "is missing (required section)");
            return null;
        }
        if (v is IReadOnlyDictionary<string, object?> map) return new YamlSection(File, Path(key), map);
        throw Error(key, "must be a mapping (a section with keys)");
    }

    /// <summary>A string or a list of strings, as <c>cors_allowed_origins</c> allows.</summary>
    public IReadOnlyList<string>? StringOrList(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v is null) return null;
        if (v is string s) return [s];
        if (v is IReadOnlyList<object?> list && list.All(x => x is string)) return list.Cast<string>().ToList();
        throw Error(key, "must be a string or a list of strings");
    }

    public IReadOnlyList<object?>? List(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v is null) return null;
        if (v is IReadOnlyList<object?> list) return list;
        throw Error(key, "must be a list");
    }

    private static string Describe(object v) => v switch
    {
        string s => s,
        IReadOnlyDictionary<string, object?> => "a mapping",
        IReadOnlyList<object?> => "a list",
        _ => v.ToString() ?? "",
    };
}
