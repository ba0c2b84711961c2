using System.CommandLine;
using Vantage6.Cli;

var root = new RootCommand("Manage your vantage6 server instances.");
root.Subcommands.Add(DemoCommand.Create());
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

return await CliHost.RunAsync(root, args);
