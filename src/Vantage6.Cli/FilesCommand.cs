using System.CommandLine;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary><c>vserver files</c>: where an instance's configuration, log and database are (cli-and-config §2.7).</summary>
internal static class FilesCommand
{
    public static Command Create()
    {
        var ctx = InstanceOptions.WithConfig();
        var command = new Command("files", "List the files that a server is using.");
        command.WithHelp(null,
            "vserver files --name demo",
            "vserver files --name demo --user",
            "vserver files --config examples/quickstart.yaml");
        ctx.AddTo(command);
        command.SetAction(result =>
        {
            var resolved = ctx.Resolve(result);
            var config = resolved.Load();
            var instance = resolved.Instance;
            var database = DatabaseUri.Parse(ServerInstance.DatabaseUriOf(config), instance.DataDirectory(config));
            Out.Info($"Configuration file = {resolved.File}");
            Out.Info($"Log file           = {instance.LogFile(config)}");
            Out.Info($"Database           = {database.Display}");
            Out.Info($"Data folder        = {instance.DataDirectory(config)}");
            return 0;
        });
        return command;
    }
}
