using System.CommandLine;
using Vantage6.Common.Cli;
using Vantage6.NodeCli;

var root = new RootCommand("Manage your vantage6 nodes.");
root.Subcommands.Add(ConfigCommands.New());
root.Subcommands.Add(StartStopCommands.Start());
root.Subcommands.Add(StartStopCommands.Stop());
root.Subcommands.Add(StartStopCommands.Attach());
root.Subcommands.Add(ConfigCommands.List());
root.Subcommands.Add(ConfigCommands.Files());
root.Subcommands.Add(KeyCommand.Create());
root.Subcommands.Add(ConfigCommands.SetApiKey());
root.Subcommands.Add(ConfigCommands.Remove());
root.Subcommands.Add(ConfigCommands.Version());
root.Subcommands.Add(RunCommand.Create());

return await CliHost.RunAsync(root, args, "vnode");
