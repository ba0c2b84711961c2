namespace Vantage6.Node;

/// <summary>
/// The node's log: one line per record (<c>time - logger - LEVEL - message</c>) to the console and, when given, a
/// file. Never pass secrets (private key, tokens, api key) to it.
/// </summary>
public sealed class NodeLog(string? file = null, bool console = true, string level = "INFO")
{
    private static readonly string[] Levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
    private readonly object _lock = new();
    private readonly int _minimum = Math.Max(0, Array.IndexOf(Levels, level.ToUpperInvariant()));

    /// <summary>Every line written, for tests and <c>attach</c>-less inspection.</summary>
    public event Action<string>? Written;

    public void Debug(string message) => Write("DEBUG", message);
    public void Info(string message) => Write("INFO", message);
    public void Warn(string message) => Write("WARNING", message);
    public void Error(string message) => Write("ERROR", message);
    public void Critical(string message) => Write("CRITICAL", message);

    private void Write(string level, string message)
    {
        if (Array.IndexOf(Levels, level) < _minimum) return;
        var line = $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} - node - {level} - {message}";
        lock (_lock)
        {
            if (console) Console.Out.WriteLine(line);
            if (file is not null)
            {
                try { File.AppendAllText(file, line + Environment.NewLine); }
                catch (IOException) { }
            }
        }
        Written?.Invoke(line);
    }
}
