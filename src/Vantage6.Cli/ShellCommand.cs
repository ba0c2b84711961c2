using System.CommandLine;
using Vantage6.Admin;
using Vantage6.Admin.Shell;
using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary><c>vserver shell</c>: a C# shell on the server's database (cli-and-config §2.9, §5).</summary>
internal static class ShellCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name", "-n") { Description = "Configuration name (file stem in the configuration folder)" };
        var config = new Option<string?>("--config", "-c") { Description = "Path to a configuration file; overrides --name" };
        var environment = new Option<string?>("--environment", "-e") { Description = "Environment of a legacy configuration file" };
        var system = new Option<bool>("--system") { Description = "Use the system folders (default)" };
        var user = new Option<bool>("--user") { Description = "Use the user folders" };
        var script = new Option<FileInfo>("--script") { Description = "Run the C# statements of this file instead of reading the console" };
        script.AcceptExistingOnly();

        var command = new Command("shell", """
            Open a C# shell on the server's database (db.Organization.Get(), db.User.GetByUsername("root"), ...).
            There is no validation and no permission check: prefer the API.

            Examples:
              vserver shell --config server.yaml
              vserver shell --config server.yaml --script setup.csx
              vserver shell --config server.yaml < setup.csx
            """);
        foreach (var o in new Option[] { name, config, environment, system, user, script }) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            var scope = result.GetValue(user) && !result.GetValue(system) ? InstanceScope.User : InstanceScope.System;
            var resolved = ConfigResolver.Resolve(result.GetValue(config), result.GetValue(name), scope);
            var serverConfig = ServerConfigLoader.Load(resolved.File, result.GetValue(environment));
            var context = new ShellContext(serverConfig, resolved.File, resolved.Name, resolved.Scope,
                serverConfig.DataDirectory ?? resolved.Locations.DataDirectory, serverConfig.LogDirectory ?? resolved.Locations.LogDirectory);
            var file = result.GetValue(script);
            using var input = file is null ? Console.In : file.OpenText();
            bool interactive = file is null && !Console.IsInputRedirected;
            await ShellRunner.RunAsync(context, input, Console.Out, ConsoleMessages.Standard(), interactive, ct);
            return 0;
        });
        return command;
    }
}
