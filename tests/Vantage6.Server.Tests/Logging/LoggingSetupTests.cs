using Microsoft.Extensions.Logging;
using Vantage6.Common.Configuration;
using Vantage6.Server.Infrastructure.Logging;

namespace Vantage6.Server.Tests.Logging;

public sealed class LoggingSetupTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "v6-logging-" + Guid.NewGuid().ToString("N"));
    private string LogFile => Path.Combine(_dir, "nested", "server.log");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static LoggingConfig Config(string level = "INFO", int maxSizeKb = 1024, int backupCount = 5,
        Dictionary<string, string>? loggers = null) => new()
    {
        Level = level,
        UseConsole = false,
        MaxSizeKb = maxSizeKb,
        BackupCount = backupCount,
        Format = "%(levelname)s|%(name)s|%(message)s",
        DateFormat = "%Y-%m-%d %H:%M:%S",
        Loggers = loggers ?? [],
    };

    /// <summary>Logs through a factory configured like the server, and returns the log file's lines.</summary>
    private string[] LogAndRead(LoggingConfig config, Action<ILoggerFactory> log)
    {
        using (var factory = LoggerFactory.Create(b => LoggingSetup.Configure(b, config, LogFile)))
            log(factory);
        return File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];
    }

    [Fact]
    public void Writes_formatted_records_to_a_new_directory()
    {
        var lines = LogAndRead(Config(), f => f.CreateLogger("Vantage6.Server.ServerHost").LogInformation("Starting {What}", "server"));
        Assert.Equal(["INFO|ServerHost|Starting server"], lines);
    }

    [Fact]
    public void Records_below_the_level_are_dropped()
    {
        var lines = LogAndRead(Config("WARNING"), f =>
        {
            var logger = f.CreateLogger("Vantage6.Test");
            logger.LogDebug("debug");
            logger.LogInformation("info");
            logger.LogWarning("warning");
            logger.LogError("error");
            logger.LogCritical("critical");
        });
        Assert.Equal(["WARNING|Test|warning", "ERROR|Test|error", "CRITICAL|Test|critical"], lines);
    }

    [Fact]
    public void Configured_loggers_can_only_be_quieter()
    {
        var config = Config("INFO", loggers: new() { ["vantage6.noisy"] = "ERROR", ["vantage6.chatty"] = "DEBUG" });
        var lines = LogAndRead(config, f =>
        {
            f.CreateLogger("Vantage6.Noisy.Part").LogWarning("hidden");
            f.CreateLogger("Vantage6.Noisy.Part").LogError("shown");
            f.CreateLogger("Vantage6.Chatty").LogDebug("still hidden");
            f.CreateLogger("Vantage6.Chatty").LogInformation("chatty info");
            f.CreateLogger("Vantage6.Other").LogInformation("other info");
        });
        Assert.Equal(["ERROR|Part|shown", "INFO|Chatty|chatty info", "INFO|Other|other info"], lines);
    }

    [Fact]
    public void Framework_stays_at_warning_unless_a_mapped_logger_says_otherwise()
    {
        var config = Config("DEBUG", loggers: new() { ["sqlalchemy.engine"] = "INFO", ["urllib3"] = "DEBUG" });
        var lines = LogAndRead(config, f =>
        {
            f.CreateLogger("Microsoft.AspNetCore.Routing").LogInformation("routing info");
            f.CreateLogger("Microsoft.AspNetCore.Routing").LogWarning("routing warning");
            f.CreateLogger("Microsoft.EntityFrameworkCore.Database.Command").LogDebug("sql debug");
            f.CreateLogger("Microsoft.EntityFrameworkCore.Database.Command").LogInformation("sql info");
            f.CreateLogger("Vantage6.Server").LogDebug("own debug");
        });
        Assert.Equal(["WARNING|Routing|routing warning", "INFO|Command|sql info", "DEBUG|Server|own debug"], lines);
    }

    [Fact]
    public void Rotates_and_keeps_backup_count_files()
    {
        const int records = 1000;
        var config = Config(maxSizeKb: 17, backupCount: 2);
        var padding = new string('x', 100);
        LogAndRead(config, f =>
        {
            var logger = f.CreateLogger("Vantage6.Rotation");
            for (int i = 0; i < records; i++) logger.LogInformation("record {Number:D4} {Padding}", i, padding);
        });

        Assert.True(File.Exists(LogFile + ".1"));
        Assert.True(File.Exists(LogFile + ".2"));
        Assert.False(File.Exists(LogFile + ".3"));
        foreach (var file in new[] { LogFile, LogFile + ".1", LogFile + ".2" })
            Assert.True(new FileInfo(file).Length <= 17 * 1024, $"{file} is larger than the limit");

        // Oldest backup, newer backup, current file: one unbroken run of records ending with the last.
        var numbers = new[] { LogFile + ".2", LogFile + ".1", LogFile }
            .SelectMany(File.ReadAllLines)
            .Select(l => int.Parse(l.Split(' ')[1]))
            .ToList();
        Assert.Equal(records - 1, numbers[^1]);
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.True(numbers[0] > 0, "the oldest records should have been dropped");
    }

    [Fact]
    public void Concurrent_records_are_written_whole()
    {
        var lines = LogAndRead(Config(maxSizeKb: 17, backupCount: 50), f =>
        {
            var logger = f.CreateLogger("Vantage6.Parallel");
            Parallel.For(0, 400, i => logger.LogInformation("parallel {Number}", i));
        });
        var all = Enumerable.Range(1, 50).Select(i => LogFile + "." + i).Where(File.Exists).Append(LogFile)
            .SelectMany(File.ReadAllLines).ToList();
        Assert.Equal(400, all.Count);
        Assert.All(all, l => Assert.Matches(@"^INFO\|Parallel\|parallel \d+$", l));
    }

    [Fact]
    public void No_file_when_log_file_is_null()
    {
        using var factory = LoggerFactory.Create(b => LoggingSetup.Configure(b, Config(), null));
        factory.CreateLogger("Vantage6.Test").LogInformation("nowhere");
        Assert.False(Directory.Exists(_dir));
    }
}
