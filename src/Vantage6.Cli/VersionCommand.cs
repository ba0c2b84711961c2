using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Vantage6.Common;

namespace Vantage6.Cli;

/// <summary><c>vserver version</c>: this command's version and that of a running server (cli-and-config §2.10).</summary>
internal static class VersionCommand
{
    public static string CliVersion => ServerVersion.Compatible;

    public static Command Create()
    {
        var ctx = InstanceOptions.NameOnly();
        var command = new Command("version", "Show the version of a running server (asked through its API) and of this command.");
        command.WithHelp(null,
            "vserver version --name demo",
            "vserver version --name demo --user",
            "vserver version");
        ctx.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            RunningServer server;
            if (ctx.GivenInstance(result) is { } named)
            {
                if (RunningServer.Find(named) is not { } found)
                {
                    Out.Error($"Server {named.Key} is not running! Cannot provide version...");
                    Out.Info($"vserver {CliVersion}");
                    return 0;
                }
                server = found;
            }
            else
            {
                var running = RunningServer.All();
                if (running.Count == 0)
                {
                    Out.Info($"vserver {CliVersion}");
                    throw new CliException("No servers are running! You can only check the version for servers that are running");
                }
                var key = Prompt.Select("Select the server you wish to inspect:", running.Select(r => r.Instance.Key).ToList());
                server = running.First(r => r.Instance.Key == key);
            }
            var serverVersion = await AskVersionAsync(server, ct);
            Console.Out.WriteLine($"{{'server': '{serverVersion}\\n', 'cli': '{CliVersion}'}}");
            return 0;
        });
        return command;
    }

    private static async Task<string> AskVersionAsync(RunningServer server, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var body = await http.GetFromJsonAsync<JsonElement>(server.ApiUrl + "/version", ct);
            return body.GetProperty("version").GetString() ?? "unknown";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            throw new CliException($"Server {server.Instance.Name} does not answer at {server.ApiUrl}/version: {e.Message}");
        }
    }
}
