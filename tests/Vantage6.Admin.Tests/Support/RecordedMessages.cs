namespace Vantage6.Admin.Tests.Support;

/// <summary>Keeps the console messages of an import or shell run, in the console's format.</summary>
public sealed class RecordedMessages : IMessages
{
    private readonly List<string> _lines = [];
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

    public void Info(string text) => Add($"[info ] - {text}");
    public void Warn(string text) => Add($"[warn ] - {text}");
    public void Error(string text) => Add($"[error] - {text}");
    public void Debug(string text) => Add($"[debug] - {text}");

    private void Add(string line) { lock (_lines) _lines.Add(line); }
}
