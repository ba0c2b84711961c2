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

        var buffer = new StringBuilder();
        while (!ct.IsCancellationRequested)
        {
            if (interactive) output.Write(buffer.Length == 0 ? ">>> " : "... ");
            string? line;
            try { line = await input.ReadLineAsync(ct); }
            catch (OperationCanceledException) { break; } // Ctrl+C leaves the shell like Ctrl+D
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
        if (interactive) output.WriteLine();
    }
}
