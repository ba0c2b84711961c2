using System.Globalization;
using System.Text;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>
/// C <c>strftime</c> as Python's logging uses it for <c>datefmt</c>. Unsupported directives are
/// copied literally so a configuration never breaks logging.
/// </summary>
public static class Strftime
{
    private static readonly DateTimeFormatInfo Names = CultureInfo.InvariantCulture.DateTimeFormat;

    public static string Format(DateTimeOffset time, string format)
    {
        var result = new StringBuilder(format.Length + 16);
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length) { result.Append(format[i]); continue; }
            char directive = format[++i];
            string? part = Directive(time, directive);
            if (part is null) result.Append('%').Append(directive);
            else result.Append(part);
        }
        return result.ToString();
    }

    private static string? Directive(DateTimeOffset t, char directive) => directive switch
    {
        'Y' => Number(t.Year, 4),
        'y' => Number(t.Year % 100, 2),
        'm' => Number(t.Month, 2),
        'd' => Number(t.Day, 2),
        'H' => Number(t.Hour, 2),
        'I' => Number((t.Hour + 11) % 12 + 1, 2),
        'M' => Number(t.Minute, 2),
        'S' => Number(t.Second, 2),
        'j' => Number(t.DayOfYear, 3),
        'p' => t.Hour < 12 ? "AM" : "PM",
        'b' => Names.AbbreviatedMonthNames[t.Month - 1],
        'B' => Names.MonthNames[t.Month - 1],
        'a' => Names.AbbreviatedDayNames[(int)t.DayOfWeek],
        'A' => Names.DayNames[(int)t.DayOfWeek],
        'z' => Offset(t.Offset),
        'Z' => ZoneName(t),
        '%' => "%",
        _ => null,
    };

    private static string Number(int value, int digits) => value.ToString("D" + digits, CultureInfo.InvariantCulture);

    private static string Offset(TimeSpan offset)
    {
        var abs = offset.Duration();
        return (offset < TimeSpan.Zero ? "-" : "+") + Number(abs.Hours, 2) + Number(abs.Minutes, 2);
    }

    private static string ZoneName(DateTimeOffset t)
    {
        if (t.Offset == TimeSpan.Zero) return "UTC";
        var local = TimeZoneInfo.Local;
        if (local.GetUtcOffset(t) != t.Offset) return Offset(t.Offset); // not local time: the offset is all we know
        return local.IsDaylightSavingTime(t) ? local.DaylightName : local.StandardName;
    }
}
