using System.CommandLine;

namespace Vantage6.Cli;

/// <summary><c>vserver attach</c>: shows the end of a running server's log and follows it (cli-and-config §2.5).</summary>
internal static class AttachCommand
{
    private const int ReplayLines = 100;

    public static Command Create()
    {
        var ctx = InstanceOptions.NameOnly();
        var command = new Command("attach", $"Show a running server's log in this console (the last {ReplayLines} lines, then new ones).");
        command.WithHelp("Ctrl+C stops showing the log; the server keeps running.",
            "vserver attach --name demo",
            "vserver attach --name demo --user");
        ctx.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            RunningServer server;
            if (ctx.GivenInstance(result) is { } named)
            {
                if (RunningServer.Find(named) is not { } found)
                {
                    Out.Error($"{named.Key} was not running!?");
                    return 0;
                }
                server = found;
            }
            else
            {
                var running = RunningServer.All();
                if (running.Count == 0)
                {
                    Out.Warn("No servers are currently running.");
                    return 0;
                }
                var key = Prompt.Select("Select the server you wish to attach:", running.Select(r => r.Instance.Key).ToList());
                server = running.First(r => r.Instance.Key == key);
            }
            if (await LogFollower.FollowAsync(server.LogFile, LogFollower.TailOffset(server.LogFile, ReplayLines), server, ct))
                LogFollower.PrintDetachNote();
            else
                Out.Warn($"Server {server.Instance.Name} has stopped");
            return 0;
        });
        return command;
    }
}
