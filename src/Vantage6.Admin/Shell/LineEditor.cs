using System.Text;

namespace Vantage6.Admin.Shell;

/// <summary>
/// Terminal input for the interactive shell: typing, Backspace, Up/Down through this session's
/// history, Ctrl+C drops the current line, Ctrl+D on an empty line leaves.
/// </summary>
internal sealed class LineEditor(TextWriter output)
{
    private readonly List<string> _history = [];

    /// <summary>The entered line, or null at Ctrl+D.</summary>
    public string? ReadLine(string prompt)
    {
        output.Write(prompt);
        var line = new StringBuilder();
        int position = _history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            bool control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    output.WriteLine();
                    var text = line.ToString();
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text)) _history.Add(text);
                    return text;
                case ConsoleKey.D when control || key.KeyChar == '\u0004':
                    if (line.Length > 0) continue;
                    output.WriteLine();
                    return null;
                case ConsoleKey.C when control || key.KeyChar == '\u0003':
                    output.WriteLine("^C");
                    line.Clear();
                    position = _history.Count;
                    output.Write(prompt);
                    continue;
                case ConsoleKey.Backspace:
                    if (line.Length == 0) continue;
                    line.Length--;
                    output.Write("\b \b");
                    continue;
                case ConsoleKey.UpArrow or ConsoleKey.DownArrow:
                    var next = key.Key == ConsoleKey.UpArrow ? position - 1 : position + 1;
                    if (next < 0 || next > _history.Count) continue;
                    position = next;
                    Replace(line, position == _history.Count ? "" : _history[position]);
                    continue;
                case ConsoleKey.Tab:
                    line.Append("    ");
                    output.Write("    ");
                    continue;
                default:
                    if (char.IsControl(key.KeyChar)) continue;
                    line.Append(key.KeyChar);
                    output.Write(key.KeyChar);
                    continue;
            }
        }
    }

    private void Replace(StringBuilder line, string text)
    {
        var length = line.Length;
        output.Write(new string('\b', length) + new string(' ', length) + new string('\b', length) + text);
        line.Clear().Append(text);
    }
}
