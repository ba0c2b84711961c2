using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Vantage6.Common.Configuration;

namespace Vantage6.Common.Cli;

/// <summary>
/// Runs the command line: help with per-command examples, usage errors as exit code 2 (cli-and-config §0.1), and
/// every failure as one <c>[error]</c> line with exit code 1 (§0.3).
/// </summary>
public static class CliHost
{
    private static readonly Dictionary<Command, (string? Details, string[] Examples)> HelpTexts = new();

    /// <summary>Adds text shown by <c>--help</c> below the options: details, then examples.</summary>
    public static Command WithHelp(this Command command, string? details, params string[] examples)
    {
        HelpTexts[command] = (details, examples);
        return command;
    }

    public static async Task<int> RunAsync(RootCommand root, string[] args, string program = "vserver")
    {
        foreach (var help in root.Options.OfType<HelpOption>())
            if (help.Action is HelpAction standard) help.Action = new HelpWithExamples(standard);
        // The reference has no --version on the group; '<program> version' is the command for it.
        foreach (var version in root.Options.OfType<VersionOption>().ToList()) root.Options.Remove(version);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var path = string.Join(' ', parse.CommandResult.Command == root ? [] : CommandPath(parse.CommandResult.Command));
            Console.Error.WriteLine($"Usage: {program} {(path.Length > 0 ? path + " " : "")}[OPTIONS]");
            Console.Error.WriteLine($"Try '{program} {(path.Length > 0 ? path + " " : "")}--help' for help.");
            Console.Error.WriteLine();
            foreach (var error in parse.Errors) Console.Error.WriteLine($"Error: {error.Message}");
            return 2;
        }
        using var interrupt = new InterruptHandler();
        try
        {
            // Our own Ctrl+C handling (below) replaces the library's: it is registered before any output, so a Ctrl+C
            // right after the first line is never lost, and SIGTERM keeps the runtime's default (hosts stop cleanly).
            return await parse.InvokeAsync(
                new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                interrupt.Token);
        }
        catch (Exception e) when (e is CliException or ConfigurationException or PromptAbortedException)
        {
            Out.Error(e.Message);
            return 1;
        }
        catch (Exception e)
        {
            // Never a stack trace for the user: one line saying what failed.
            Out.Error($"{e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Ctrl+C cancels the command's token; a command that does not end within the grace period, or a second Ctrl+C,
    /// ends the process with the shell's Ctrl+C exit code.
    /// </summary>
    private sealed class InterruptHandler : IDisposable
    {
        private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);
        private const int InterruptedExitCode = 130;
        private readonly CancellationTokenSource _source = new();
        private readonly PosixSignalRegistration _registration;

        public InterruptHandler() => _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnInterrupt);

        public CancellationToken Token => _source.Token;

        private void OnInterrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            if (_source.IsCancellationRequested) Environment.Exit(InterruptedExitCode);
            _source.Cancel();
            _ = Task.Delay(GracePeriod).ContinueWith(_ => Environment.Exit(InterruptedExitCode), TaskScheduler.Default);
        }

        public void Dispose()
        {
            _registration.Dispose();
            _source.Dispose();
        }
    }

    private static IEnumerable<string> CommandPath(Command command)
    {
        var names = new Stack<string>();
        for (Symbol? s = command; s is Command c && s is not RootCommand; s = c.Parents.FirstOrDefault()) names.Push(c.Name);
        return names;
    }

    private sealed class HelpWithExamples(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            if (!HelpTexts.TryGetValue(parseResult.CommandResult.Command, out var help)) return code;
            if (help.Details is { } details) Console.Out.WriteLine(details.TrimEnd() + Environment.NewLine);
            if (help.Examples.Length > 0)
            {
                Console.Out.WriteLine("Examples:");
                foreach (var example in help.Examples) Console.Out.WriteLine($"  {example}");
                Console.Out.WriteLine();
            }
            return code;
        }
    }
}
