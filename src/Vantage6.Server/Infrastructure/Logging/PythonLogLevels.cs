namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>Translation between Python logging level names/numbers and <see cref="LogLevel"/>.</summary>
public static class PythonLogLevels
{
    /// <summary>The level for a Python level name (case-insensitive); null for unknown names and NOTSET.</summary>
    public static LogLevel? Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => null,
    };

    /// <summary>Python's name for a level; Trace has no Python equivalent and shows as DEBUG.</summary>
    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    /// <summary>Python's number for a level (<c>%(levelno)d</c>).</summary>
    public static int Number(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 10,
        LogLevel.Information => 20,
        LogLevel.Warning => 30,
        LogLevel.Error => 40,
        _ => 50,
    };
}
