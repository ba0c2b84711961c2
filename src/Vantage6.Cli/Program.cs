using System.CommandLine;
using Vantage6.Cli;
using Vantage6.Common.Configuration;

var root = new RootCommand("Manage your vantage6 server instances.");
root.Subcommands.Add(NewCommand.Create());
root.Subcommands.Add(StartCommand.Create());
root.Subcommands.Add(StopCommand.Create());
root.Subcommands.Add(AttachCommand.Create());
root.Subcommands.Add(FilesCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(RemoveCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(ShellCommand.Create());

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
