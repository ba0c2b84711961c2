using System.Globalization;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>Python's printf-style conversion of one value (flags, width, precision, conversion).</summary>
internal static class PercentFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The formatted value, or null when the conversion does not fit the value (then the caller keeps it literally).</summary>
    public static string? Render(object value, Segment spec)
    {
        bool left = spec.Flags.Contains('-');
        int width = spec.Width ?? 0;
        switch (spec.Conversion)
        {
            case 's' or 'r' or 'a':
                var text = AsString(value);
                if (spec.Conversion != 's' && value is string) text = "'" + text + "'";
                if (spec.Precision is int max && text.Length > max) text = text[..max];
                return left ? text.PadRight(width) : text.PadLeft(width);
            case 'c':
                var ch = value switch { string s when s.Length == 1 => s, int i and >= 0 and <= 0x10FFFF => char.ConvertFromUtf32(i), _ => null };
                return ch is null ? null : left ? ch.PadRight(width) : ch.PadLeft(width);
            case 'd' or 'i' or 'u' or 'x' or 'X' or 'o':
                if (!TryInteger(value, out long n)) return null;
                return Number(n < 0, IntegerDigits(Math.Abs((decimal)n), spec), IntegerPrefix(spec), spec);
            default: // e E f F g G
                if (!TryDouble(value, out double d)) return null;
                return Number(d < 0 || double.IsNegative(d) && d == 0, FloatDigits(Math.Abs(d), spec), "", spec);
        }
    }

    private static string AsString(object value) => value switch
    {
        string s => s,
        double d => PythonFloat(d),
        IFormattable f => f.ToString(null, Inv),
        _ => value.ToString() ?? "",
    };

    // str(float) in Python: shortest round-trip, always with a decimal point.
    private static string PythonFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var s = d.ToString("R", Inv);
        return s.Contains('.') || s.Contains('E') ? s.Replace("E", "e") : s + ".0";
    }

    private static bool TryInteger(object value, out long n)
    {
        switch (value)
        {
            case int i: n = i; return true;
            case long l: n = l; return true;
            case double d when double.IsFinite(d): n = (long)Math.Truncate(d); return true;
            default: n = 0; return false;
        }
    }

    private static bool TryDouble(object value, out double d)
    {
        switch (value)
        {
            case int i: d = i; return true;
            case long l: d = l; return true;
            case double x: d = x; return true;
            default: d = 0; return false;
        }
    }

    private static string IntegerDigits(decimal abs, Segment spec)
    {
        var n = (ulong)abs;
        var digits = spec.Conversion switch
        {
            'x' => n.ToString("x", Inv),
            'X' => n.ToString("X", Inv),
            'o' => Convert.ToString((long)n, 8),
            _ => n.ToString(Inv),
        };
        return spec.Precision is int min ? digits.PadLeft(min, '0') : digits;
    }

    private static string IntegerPrefix(Segment spec) => !spec.Flags.Contains('#') ? "" : spec.Conversion switch
    {
        'x' => "0x",
        'X' => "0X",
        'o' => "0o",
        _ => "",
    };

    private static string FloatDigits(double abs, Segment spec)
    {
        if (double.IsNaN(abs)) return char.IsUpper(spec.Conversion) ? "NAN" : "nan";
        if (double.IsInfinity(abs)) return char.IsUpper(spec.Conversion) ? "INF" : "inf";
        int precision = spec.Precision ?? 6;
        var text = spec.Conversion switch
        {
            'f' or 'F' => abs.ToString("F" + precision, Inv),
            'e' or 'E' => abs.ToString(precision == 0 ? "0e+00" : "0." + new string('0', precision) + "e+00", Inv),
            _ => abs.ToString("G" + Math.Max(precision, 1), Inv), // g/G: close to Python, exact formatting rarely matters in logs
        };
        return char.IsUpper(spec.Conversion) ? text.ToUpperInvariant() : text.ToLowerInvariant();
    }

    /// <summary>Sign, prefix and digits padded to the width: zeros go between sign and digits.</summary>
    private static string Number(bool negative, string digits, string prefix, Segment spec)
    {
        var sign = negative ? "-" : spec.Flags.Contains('+') ? "+" : spec.Flags.Contains(' ') ? " " : "";
        int width = spec.Width ?? 0;
        if (spec.Flags.Contains('-')) return (sign + prefix + digits).PadRight(width);
        if (spec.Flags.Contains('0')) return sign + prefix + digits.PadLeft(Math.Max(0, width - sign.Length - prefix.Length), '0');
        return (sign + prefix + digits).PadLeft(width);
    }
}
