using System.Text;

namespace Vantage6.Admin.Shell;

/// <summary>
/// <c>vserver shell</c> without the command line: the two warnings, then a read-evaluate-print loop over
/// the input (a terminal, piped text or a script file) until <c>exit</c> or the end of the input.
/// </summary>
public static class ShellRunner
{
    public static async Task RunAsync(ShellContext context, TextReader input, TextWriter output, IMessages messages, bool interactive,
        CancellationToken ct = default)
    {
        messages.Warn("Using the shell is not recommended! There are no checks on the validity of the data you are entering.");
        messages.Warn("Please use the User interface, Python client, or API.");
        await using var session = new ShellSession(AdminDatabase.Open(context.GetDatabaseUri(), context.DataDir), output);
        ShellSession.Current = session;
        var evaluator = new ScriptEvaluator(new ShellGlobals(new ShellDb(session), context), output, messages);
        if (interactive) output.WriteLine("C# shell: db.Organization.Help() shows what a table offers; exit or Ctrl+D leaves.");

        var editor = interactive ? new LineEditor(output) : null;
        // In the terminal Ctrl+C clears the line being typed instead of stopping the process.
        bool treatControlC = interactive && Console.TreatControlCAsInput;
        if (interactive) Console.TreatControlCAsInput = true;
        try
        {
            await LoopAsync(input, evaluator, editor, ct);
        }
        finally
        {
            if (interactive) Console.TreatControlCAsInput = treatControlC;
        }
        if (interactive) output.WriteLine();
    }

    private static async Task LoopAsync(TextReader input, ScriptEvaluator evaluator, LineEditor? editor, CancellationToken ct)
    {
        var buffer = new StringBuilder();
        while (!ct.IsCancellationRequested)
        {
            string? line;
            try { line = editor is not null ? editor.ReadLine(buffer.Length == 0 ? ">>> " : "... ") : await input.ReadLineAsync(ct); }
            catch (OperationCanceledException) { break; }
            if (line is null) break;
            if (buffer.Length == 0 && line.Trim() is "exit" or "quit" or "exit()" or "quit()") break;
            if (buffer.Length == 0 && string.IsNullOrWhiteSpace(line)) continue;
            buffer.AppendLine(line);
            var code = buffer.ToString();
            if (!ScriptEvaluator.IsComplete(code)) continue;
            buffer.Clear();
            await evaluator.EvaluateAsync(code, ct);
        }
        // An unfinished statement at the end of the input still gets its error message.
        if (buffer.Length > 0 && !ct.IsCancellationRequested) await evaluator.EvaluateAsync(buffer.ToString(), ct);
    }
}
