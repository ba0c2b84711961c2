using System.Collections.Concurrent;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>Formats records like the Python server and sends them to the log file and/or the console.</summary>
internal sealed class PythonStyleLoggerProvider(PythonLogFormat format, RotatingFileWriter? file, ConsoleLogWriter? console) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, PythonStyleLogger> _loggers = new();

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new PythonStyleLogger(name, this));

    internal void Write(LogRecordData record)
    {
        var text = format.Format(record);
        file?.Write(text);
        console?.Write(text, record.Level);
    }

    public void Dispose() => file?.Dispose();
}
