namespace Vantage6.Common.Cli;

/// <summary>Console messages in the reference's <c>[info ] - text</c> style, coloured only on a terminal.</summary>
public static class Out
{
    private static readonly bool Colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    public static void Info(string text) => Write("info ", "\u001b[32m", text);
    public static void Warn(string text) => Write("warn ", "\u001b[33m", text);
    public static void Error(string text) => Write("error", "\u001b[31m", text);

    public static string Green(string text) => Paint("\u001b[32m", text);
    public static string Red(string text) => Paint("\u001b[31m", text);

    private static string Paint(string colour, string text) => Colour ? $"{colour}{text}\u001b[0m" : text;

    private static void Write(string tag, string colour, string text) =>
        Console.Out.WriteLine($"[{Paint(colour, tag)}] - {text}");
}
