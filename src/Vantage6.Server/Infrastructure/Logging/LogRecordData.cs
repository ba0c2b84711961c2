namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>One log record, with what a Python <c>LogRecord</c> offers to a format string.</summary>
public sealed class LogRecordData
{
    /// <summary>When the record was made; formatted as given (the provider passes local time).</summary>
    public required DateTimeOffset Timestamp { get; init; }
    /// <summary>The full ILogger category, e.g. <c>Vantage6.Server.Api.TokenApi</c>.</summary>
    public required string Category { get; init; }
    public required LogLevel Level { get; init; }
    public required string Message { get; init; }
    public Exception? Exception { get; init; }
    public EventId EventId { get; init; }
    public int ThreadId { get; init; }
    public string? ThreadName { get; init; }
    public int ProcessId { get; init; } = Environment.ProcessId;
}
