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
        var instance = InstanceOptions.WithConfig();
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
        instance.AddTo(command);
        command.Options.Add(script);
        command.SetAction(async (result, ct) =>
        {
            var resolved = instance.Resolve(result);
            var serverConfig = resolved.Load();
            // The reference needs the server's container; natively the shell opens the database itself.
            if (RunningServer.Find(resolved.Instance) is null)
                Out.Warn($"Server {resolved.Instance.Name} is not running; the shell works on its database directly.");
            var context = new ShellContext(serverConfig, resolved.File, resolved.Instance.Name, resolved.Instance.Scope,
                resolved.Instance.DataDirectory(serverConfig), resolved.Instance.LogDirectory(serverConfig));
            var file = result.GetValue(script);
            using var input = file is null ? Console.In : file.OpenText();
            bool interactive = file is null && !Console.IsInputRedirected;
            await ShellRunner.RunAsync(context, input, Console.Out, ConsoleMessages.Standard(), interactive, ct);
            return 0;
        });
        return command;
    }
}
