namespace Vantage6.Admin;

/// <summary>Where the admin tools report progress: the console in the CLI, a buffer in tests.</summary>
public interface IMessages
{
    void Info(string text);
    void Warn(string text);
    void Error(string text);
    void Debug(string text);
}

/// <summary>Console messages in the CLI's <c>[info ] - text</c> style (cli-and-config §0.2), coloured only on a terminal.</summary>
public sealed class ConsoleMessages(TextWriter writer, bool colour) : IMessages
{
    public static ConsoleMessages Standard() =>
        new(Console.Out, !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);

    public void Info(string text) => Write("info ", "\u001b[32m", text);
    public void Warn(string text) => Write("warn ", "\u001b[33m", text);
    public void Error(string text) => Write("error", "\u001b[31m", text);
    public void Debug(string text) => Write("debug", "\u001b[36m", text);

    private void Write(string tag, string colourCode, string text) =>
        writer.WriteLine(colour ? $"[{colourCode}{tag}\u001b[0m] - {text}" : $"[{tag}] - {text}");
}
