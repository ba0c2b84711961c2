using System.CommandLine;

namespace Vantage6.Cli;

/// <summary><c>vserver stop</c>: graceful shutdown of background servers (cli-and-config §2.4, native rule).</summary>
internal static class StopCommand
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var ctx = InstanceOptions.NameOnly();
        var all = new Option<bool>("--all") { Description = "Stop every running server (system and user)" };
        var command = new Command("stop", "Stop a running server (it finishes open requests first).");
        command.WithHelp(null,
            "vserver stop --name demo",
            "vserver stop --name demo --user",
            "vserver stop --all");
        ctx.AddTo(command);
        command.Options.Add(all);
        command.SetAction(async (result, _) =>
        {
            if (ctx.GivenInstance(result) is { } named)
            {
                var server = RunningServer.Find(named) ?? throw new CliException($"{named.Name} is not running!");
                await StopAsync(server);
                return 0;
            }
            var running = RunningServer.All();
            if (running.Count == 0)
            {
                Out.Warn("No servers are currently running.");
                return 0;
            }
            if (result.GetValue(all))
            {
                foreach (var server in running) await StopAsync(server);
                return 0;
            }
            var key = Prompt.Select("Select the server you wish to stop:", running.Select(r => r.Instance.Key).ToList());
            await StopAsync(running.First(r => r.Instance.Key == key));
            return 0;
        });
        return command;
    }

    private static async Task StopAsync(RunningServer server)
    {
        using (var progress = new Progress($"Stopping {server.Instance.Key}"))
            await server.StopAsync(Grace, _ => progress.Tick());
        Out.Info($"Stopped the {server.Instance.Key} server.");
    }
}
