using System.CommandLine;
using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary><c>vserver list</c>: every configuration of both scopes and whether its server runs (cli-and-config §2.6).</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the available server instances and whether each one is running.");
        command.WithHelp("The configurations in the system and user folders; servers started with --config from another folder are listed while they run.",
            "vserver list");
        command.SetAction(_ =>
        {
            var running = RunningServer.All();
            var listed = new HashSet<string>();
            var failed = 0;
            Console.Out.WriteLine();
            Console.Out.WriteLine($"{"Name",-25}{"Status",-16}System/User");
            Console.Out.WriteLine(new string('-', 53));
            foreach (var scope in new[] { InstanceScope.System, InstanceScope.User })
                foreach (var (name, file) in ConfigFolders.Configurations(scope))
                {
                    try { ServerConfigLoader.Load(file); }
                    catch (ConfigurationException) { failed++; continue; }
                    var instance = new ServerInstance(name, scope);
                    listed.Add(instance.Key);
                    Row(instance, running.Any(r => r.Instance == instance));
                }
            foreach (var other in running.Where(r => !listed.Contains(r.Instance.Key)))
                Row(other.Instance, true);
            Console.Out.WriteLine(new string('-', 85));
            if (failed > 0) Out.Warn($"Failed imports: {failed}");
            return 0;
        });
        return command;
    }

    // The reference pads the status including invisible colour codes; the visible layout is reproduced here.
    private static void Row(ServerInstance instance, bool isRunning)
    {
        var status = isRunning ? Out.Green("Running") + new string(' ', 9) : Out.Red("Not running") + new string(' ', 5);
        var scope = instance.Scope == InstanceScope.System ? "System " : "User   ";
        Console.Out.WriteLine($"{instance.Name,-25}{status} {scope}");
    }
}
