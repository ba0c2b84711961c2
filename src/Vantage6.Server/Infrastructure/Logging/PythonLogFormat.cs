using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>
/// A Python <c>logging.Formatter</c>: renders records with a %-style format string such as
/// <c>%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s</c> and a strftime <c>datefmt</c>,
/// so log files look exactly like those of the Python server. The format is parsed once.
/// </summary>
public sealed partial class PythonLogFormat
{
    private static readonly HashSet<string> KnownFields =
    [
        "asctime", "name", "levelname", "levelno", "message", "module", "funcName", "lineno",
        "process", "processName", "thread", "threadName", "created", "msecs", "relativeCreated",
    ];

    // Python's "relativeCreated" counts from when logging was loaded; this class load is our equivalent.
    private static readonly DateTimeOffset LoadedAt = DateTimeOffset.Now;

    private readonly IReadOnlyList<Segment> _segments;
    private readonly string _dateFormat;

    public PythonLogFormat(string format, string? dateFormat)
    {
        _segments = Parse(format);
        _dateFormat = dateFormat ?? "";
    }

    /// <summary>The record as one text; an exception follows on the next lines, as in Python.</summary>
    public string Format(LogRecordData record)
    {
        var text = new StringBuilder();
        foreach (var segment in _segments)
        {
            if (segment.Field is null) { text.Append(segment.Raw); continue; }
            var value = FieldValue(segment.Field, record);
            text.Append(PercentFormat.Render(value, segment) ?? segment.Raw);
        }
        if (record.Exception is not null) text.Append('\n').Append(record.Exception.ToString().TrimEnd('\n', '\r'));
        return text.ToString();
    }

    /// <summary>The time as <c>%(asctime)s</c> shows it: Python's default when no datefmt is set.</summary>
    public string FormatTime(DateTimeOffset time) => _dateFormat.Length == 0
        ? time.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)
        : Strftime.Format(time, _dateFormat);

    /// <summary>vantage6's logger name: the last part of the category, shortened to fit 14 columns.</summary>
    public static string ShortName(string category)
    {
        var last = LastComponent(category);
        return last.Length > 14 ? last[..11] + ".." : last;
    }

    private static string LastComponent(string category)
    {
        int generic = category.IndexOf('<'); // ILogger<Foo<Bar>>: ignore the type arguments
        var plain = generic >= 0 ? category[..generic] : category;
        return plain[(plain.LastIndexOf('.') + 1)..];
    }

    private object FieldValue(string field, LogRecordData r) => field switch
    {
        "asctime" => FormatTime(r.Timestamp),
        "name" => ShortName(r.Category),
        "levelname" => PythonLogLevels.Name(r.Level),
        "levelno" => PythonLogLevels.Number(r.Level),
        "message" => r.Message,
        "module" => LastComponent(r.Category),
        // .NET has no caller function/line in log records; the event id is the closest identifier.
        "funcName" => r.EventId.Name ?? "",
        "lineno" => r.EventId.Id,
        "process" => r.ProcessId,
        "processName" => "MainProcess",
        "thread" => r.ThreadId,
        "threadName" => r.ThreadName ?? "Thread-" + r.ThreadId.ToString(CultureInfo.InvariantCulture),
        "created" => (r.Timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerSecond,
        "msecs" => (r.Timestamp.UtcTicks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerMillisecond,
        "relativeCreated" => (r.Timestamp - LoadedAt).TotalMilliseconds,
        _ => throw new InvalidOperationException($"Unhandled field {field}"),
    };

    private static List<Segment> Parse(string format)
    {
        var segments = new List<Segment>();
        int at = 0;
        foreach (Match m in Placeholder().Matches(format))
        {
            if (m.Index > at) segments.Add(Segment.Literal(format[at..m.Index]));
            at = m.Index + m.Length;
            if (m.Value == "%%") { segments.Add(Segment.Literal("%")); continue; }
            var name = m.Groups["name"].Value;
            if (!KnownFields.Contains(name)) { segments.Add(Segment.Literal(m.Value)); continue; }
            segments.Add(new Segment(m.Value, name, m.Groups["flags"].Value,
                m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) : null,
                m.Groups["precision"].Success ? int.Parse(m.Groups["precision"].Value, CultureInfo.InvariantCulture) : null,
                m.Groups["conversion"].Value[0]));
        }
        if (at < format.Length) segments.Add(Segment.Literal(format[at..]));
        return segments;
    }

    [GeneratedRegex(@"%%|%\((?<name>[^)]*)\)(?<flags>[-#0 +]*)(?<width>\d+)?(?:\.(?<precision>\d+))?[hlL]?(?<conversion>[diouxXeEfFgGcrsa])")]
    private static partial Regex Placeholder();
}

/// <summary>A piece of a parsed format: literal text, or a <c>%(field)</c> placeholder with its spec.</summary>
internal sealed record Segment(string Raw, string? Field, string Flags, int? Width, int? Precision, char Conversion)
{
    public static Segment Literal(string text) => new(text, null, "", null, null, 's');
}
