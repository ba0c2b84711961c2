using Microsoft.Extensions.Logging;
using Vantage6.Server.Infrastructure.Logging;

namespace Vantage6.Server.Tests.Logging;

public sealed class PythonLogFormatTests
{
    private const string DefaultFormat = "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s";
    private static readonly DateTimeOffset Time = new(2024, 5, 1, 12, 0, 3, 45, TimeSpan.FromHours(2));

    private static LogRecordData Record(string message, LogLevel level = LogLevel.Information,
        string category = "vantage6.server", Exception? exception = null, EventId eventId = default) => new()
    {
        Timestamp = Time, Category = category, Level = level, Message = message, Exception = exception, EventId = eventId,
        ThreadId = 7, ThreadName = "MainThread",
    };

    [Fact]
    public void Default_vantage6_format()
    {
        var format = new PythonLogFormat(DefaultFormat, "%Y-%m-%d %H:%M:%S");
        Assert.Equal("2024-05-01 12:00:03 - server         - INFO     - Initialization done",
            format.Format(Record("Initialization done")));
    }

    [Theory]
    [InlineData(LogLevel.Debug, "DEBUG 10")]
    [InlineData(LogLevel.Information, "INFO 20")]
    [InlineData(LogLevel.Warning, "WARNING 30")]
    [InlineData(LogLevel.Error, "ERROR 40")]
    [InlineData(LogLevel.Critical, "CRITICAL 50")]
    public void Level_names_and_numbers(LogLevel level, string expected) =>
        Assert.Equal(expected, new PythonLogFormat("%(levelname)s %(levelno)d", "").Format(Record("m", level)));

    [Theory]
    [InlineData("Vantage6.Server.Api.TokenApi", "TokenApi")]
    [InlineData("Short", "Short")]
    [InlineData("A.ExactlyFifteen!", "ExactlyFift..")]
    [InlineData("A.Fourteen_chars", "Fourteen_chars")]
    [InlineData("Ns.Generic<Other.Thing>", "Generic")]
    public void Name_is_last_component_shortened_past_14(string category, string expected) =>
        Assert.Equal(expected, PythonLogFormat.ShortName(category));

    [Fact]
    public void Width_alignment_and_precision()
    {
        var format = new PythonLogFormat("[%(levelname)8s][%(levelname)-8s][%(message).3s][%(lineno)05d][%(lineno)-4d|]", "");
        Assert.Equal("[    INFO][INFO    ][abc][00042][42  |]", format.Format(Record("abcdef", eventId: new EventId(42))));
    }

    [Fact]
    public void Unknown_fields_and_percent_escapes()
    {
        var format = new PythonLogFormat("%(pathname)s:%(foo)-5s 100%% %(message)s %", "");
        Assert.Equal("%(pathname)s:%(foo)-5s 100% hi %", format.Format(Record("hi")));
    }

    [Fact]
    public void Other_record_fields()
    {
        var format = new PythonLogFormat("%(module)s|%(funcName)s|%(threadName)s|%(thread)d|%(process)d|%(msecs)03d|%(created).1f", "");
        var expectedCreated = (Time.ToUnixTimeMilliseconds() / 1000.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"VeryLongModuleName|Startup|MainThread|7|{Environment.ProcessId}|045|{expectedCreated}",
            format.Format(Record("m", category: "X.VeryLongModuleName", eventId: new EventId(1, "Startup"))));
    }

    [Fact]
    public void Empty_datefmt_uses_python_default_with_milliseconds()
    {
        Assert.Equal("2024-05-01 12:00:03,045", new PythonLogFormat("%(asctime)s", "").Format(Record("m")));
    }

    [Fact]
    public void Strftime_directives()
    {
        var text = Strftime.Format(new DateTimeOffset(2024, 2, 3, 15, 4, 5, TimeSpan.FromHours(-5.5)),
            "%y|%b|%B|%a|%A|%p|%I|%j|%z|%%|%Q");
        Assert.Equal("24|Feb|February|Sat|Saturday|PM|03|034|-0530|%|%Q", text);
    }

    [Fact]
    public void Exception_follows_on_next_lines()
    {
        Exception exception;
        try { throw new InvalidOperationException("boom"); }
        catch (InvalidOperationException e) { exception = e; }

        var lines = new PythonLogFormat("%(levelname)s - %(message)s", "")
            .Format(Record("failed", LogLevel.Error, exception: exception)).Split('\n');

        Assert.Equal("ERROR - failed", lines[0]);
        Assert.Equal("System.InvalidOperationException: boom", lines[1]);
        Assert.Contains(lines, l => l.Contains(nameof(Exception_follows_on_next_lines)));
    }
}
