namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>An ILogger that turns each entry into a <see cref="LogRecordData"/> for its provider.</summary>
internal sealed class PythonStyleLogger(string category, PythonStyleLoggerProvider provider) : ILogger
{
    // Scopes have no place in the Python record format.
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    // Level filtering is done by the logger factory's rules (see LoggingSetup).
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var thread = Thread.CurrentThread;
        provider.Write(new LogRecordData
        {
            Timestamp = DateTimeOffset.Now,
            Category = category,
            Level = logLevel,
            Message = formatter(state, exception),
            Exception = exception,
            EventId = eventId,
            ThreadId = thread.ManagedThreadId,
            ThreadName = thread.Name,
        });
    }
}
