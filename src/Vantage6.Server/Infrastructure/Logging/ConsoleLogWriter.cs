namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>Writes records to stdout, coloured by level when stdout is a terminal (as vantage6's ColorStreamHandler).</summary>
internal sealed class ConsoleLogWriter
{
    private const string Reset = "\x1b[39m";
    private readonly bool _colour = !Console.IsOutputRedirected;

    public void Write(string record, LogLevel level)
    {
        // One Write call per record so concurrent records do not interleave.
        Console.Out.Write(_colour ? Colour(level) + record + Reset + "\n" : record + "\n");
    }

    private static string Colour(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "\x1b[36m",
        LogLevel.Information => "\x1b[32m",
        LogLevel.Warning => "\x1b[33m",
        _ => "\x1b[31m",
    };
}
