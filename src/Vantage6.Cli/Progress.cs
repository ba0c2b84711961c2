namespace Vantage6.Cli;

/// <summary>Shows that a wait is going on: a spinner on a terminal, dots (one per second) otherwise.</summary>
internal sealed class Progress : IDisposable
{
    private static readonly char[] Spinner = ['|', '/', '-', '\\'];
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly string _text;
    private readonly DateTime _started = DateTime.UtcNow;
    private int _ticks;
    private int _dots;

    public Progress(string text)
    {
        _text = text;
        Console.Out.Write($"{text} ");
        Console.Out.Flush();
    }

    public void Tick()
    {
        if (_terminal)
            Console.Out.Write($"\r{_text} {Spinner[_ticks++ % Spinner.Length]} {(DateTime.UtcNow - _started).TotalSeconds:0}s");
        else if ((DateTime.UtcNow - _started).TotalSeconds >= _dots + 1)
        {
            _dots++;
            Console.Out.Write('.');
        }
        Console.Out.Flush();
    }

    public void Dispose()
    {
        Console.Out.WriteLine(_terminal ? $"\r{_text} ({(DateTime.UtcNow - _started).TotalSeconds:0}s)" : "");
    }
}
