using Vantage6.Common.Configuration;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>
/// Sets up logging as the Python server does from its <c>logging</c> configuration section:
/// same record format, rotating log file, optional coloured console and level rules.
/// </summary>
public static class LoggingSetup
{
    public static void Configure(ILoggingBuilder builder, LoggingConfig config, string? logFile)
    {
        var minimum = PythonLogLevels.Parse(config.Level) ?? LogLevel.Information;
        builder.SetMinimumLevel(minimum);
        foreach (var (category, level) in CategoryLevels(config, minimum))
            builder.AddFilter(category, level);

        var format = new PythonLogFormat(config.Format, config.DateFormat);
        // Registered as a factory so the container disposes the provider (closing the file).
        builder.Services.AddSingleton<ILoggerProvider>(_ => new PythonStyleLoggerProvider(
            format,
            logFile is null ? null : new RotatingFileWriter(logFile, 1024L * config.MaxSizeKb, config.BackupCount),
            config.UseConsole ? new ConsoleLogWriter() : null));
    }

    /// <summary>
    /// Level per category prefix. The framework is kept at Warning (it is chatty at Information);
    /// configured loggers can only be quieter than the overall level, as handler levels cap them in Python.
    /// </summary>
    internal static IReadOnlyDictionary<string, LogLevel> CategoryLevels(LoggingConfig config, LogLevel minimum)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase)
        {
            ["Microsoft"] = Max(LogLevel.Warning, minimum),
            // Its only records are per-request lines at Information, but while any of its levels is on it
            // creates an Activity for every request (and keeps it for a websocket's whole life).
            ["Microsoft.AspNetCore.Hosting.Diagnostics"] = LogLevel.None,
        };
        var configured = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, levelName) in config.Loggers)
        {
            if (PythonLogLevels.Parse(levelName) is not LogLevel level) continue;
            foreach (var category in LoggerNameMap.CategoriesFor(name))
                // Several Python names can share a category (engineio/socketio): the quietest wins.
                configured[category] = configured.TryGetValue(category, out var other) ? Max(other, level) : level;
        }
        foreach (var (category, level) in configured)
            levels[category] = Max(level, minimum);
        return levels;
    }

    private static LogLevel Max(LogLevel a, LogLevel b) => a > b ? a : b;
}
