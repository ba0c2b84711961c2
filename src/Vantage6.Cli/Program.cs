using System.CommandLine;
using Vantage6.Cli;
using Vantage6.Common;
using Vantage6.Common.Configuration;

var root = new RootCommand("Manage your vantage6 server instances.");
root.Subcommands.Add(StartCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(ShellCommand.Create());
var version = new Command("version", "Show the version of this command and of the vantage6 API it serves");
version.SetAction(_ => Console.WriteLine($"vserver {typeof(Out).Assembly.GetName().Version?.ToString(3)} (vantage6 {ServerVersion.Compatible})"));
root.Subcommands.Add(version);

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is CliException or ConfigurationException)
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
