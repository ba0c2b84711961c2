namespace Vantage6.Common.Cli;

/// <summary>End of input or Ctrl+C at a question; the command turns it into its own "aborted" message.</summary>
public sealed class PromptAbortedException() : Exception("Aborted by user!");

/// <summary>
/// Questions on the console (cli-and-config §0.4). Works line by line, so the same prompts can be answered from a
/// terminal or from redirected input: text (empty = default), password (masked on a terminal), confirm (y/n,
/// empty = default) and select (the value or its number, empty = the default). A wrong answer asks again;
/// end of input aborts.
/// </summary>
public static class Prompt
{
    /// <summary>Printed when Ctrl+C interrupts a question; commands set their own text (e.g. the wizard's).</summary>
    public static string AbortMessage { get; set; } = "Aborted by user!";

    private static bool _cancelHandlerInstalled;

    public static string Text(string question, string? defaultValue = null, Func<string, string?>? validate = null, bool allowEmpty = false)
    {
        while (true)
        {
            var answer = Ask(defaultValue is null ? $"? {question} " : $"? {question} ({defaultValue}) ");
            if (answer.Length == 0 && defaultValue is not null) answer = defaultValue;
            if (answer.Length == 0 && !allowEmpty)
            {
                Console.Out.WriteLine("  An answer is required.");
                continue;
            }
            if (validate?.Invoke(answer) is { } problem)
            {
                Console.Out.WriteLine($"  {problem}");
                continue;
            }
            return answer;
        }
    }

    public static string Password(string question)
    {
        if (Console.IsInputRedirected) return Text(question);
        InstallCancelHandler();
        Console.Out.Write($"? {question} ");
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) { text.Length--; Console.Out.Write("\b \b"); } continue; }
            if (char.IsControl(key.KeyChar)) continue;
            text.Append(key.KeyChar);
            Console.Out.Write('*');
        }
        Console.Out.WriteLine();
        return text.ToString();
    }

    public static bool Confirm(string question, bool defaultValue = true)
    {
        while (true)
        {
            var answer = Ask($"? {question} ({(defaultValue ? "Y/n" : "y/N")}) ").ToLowerInvariant();
            switch (answer)
            {
                case "": return defaultValue;
                case "y" or "yes" or "true": return true;
                case "n" or "no" or "false": return false;
                default: Console.Out.WriteLine("  Please answer y or n."); break;
            }
        }
    }

    /// <summary>Returns one of <paramref name="choices"/>; the default is the first unless given.</summary>
    public static string Select(string question, IReadOnlyList<string> choices, string? defaultValue = null)
    {
        defaultValue ??= choices[0];
        Console.Out.WriteLine($"? {question}");
        for (var i = 0; i < choices.Count; i++) Console.Out.WriteLine($"  {i + 1}) {choices[i]}");
        while (true)
        {
            var answer = Ask($"  Answer ({defaultValue}): ");
            if (answer.Length == 0) return defaultValue;
            if (int.TryParse(answer, out var number) && number >= 1 && number <= choices.Count) return choices[number - 1];
            if (choices.FirstOrDefault(c => string.Equals(c, answer, StringComparison.OrdinalIgnoreCase)) is { } match) return match;
            Console.Out.WriteLine($"  Choose one of: {string.Join(", ", choices)} (or its number).");
        }
    }

    private static string Ask(string prompt)
    {
        InstallCancelHandler();
        Console.Out.Write(prompt);
        Console.Out.Flush();
        var line = Console.In.ReadLine();
        // Redirected input is not echoed: end the prompt's line so the transcript stays readable.
        if (Console.IsInputRedirected) Console.Out.WriteLine(line ?? "");
        return line?.Trim() ?? throw new PromptAbortedException();
    }

    private static void InstallCancelHandler()
    {
        if (_cancelHandlerInstalled) return;
        _cancelHandlerInstalled = true;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.Out.WriteLine();
            Out.Error(AbortMessage);
            Environment.Exit(1);
        };
    }
}
