using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Vantage6.Common.Configuration;
using Vantage6.Server;

namespace Vantage6.Cli;

/// <summary>
/// <c>vserver run</c> (hidden): the background server process that <c>vserver start</c> launches. It hosts the
/// server in process until SIGTERM (<c>vserver stop</c>); its console output goes to the instance's console file.
/// The instance key on its command line is what <c>stop</c> checks before signalling a pid.
/// </summary>
internal static class RunCommand
{
    public const string Name = "run";

    public static Command Create()
    {
        var instance = new Option<string>("--instance") { Required = true };
        var config = new Option<string>("--config") { Required = true };
        var environment = new Option<string?>("--environment");
        var ip = new Option<string>("--ip") { Required = true };
        var port = new Option<int>("--port") { Required = true };
        var command = new Command(Name, "Run a server in this process (used by 'vserver start')") { Hidden = true };
        foreach (var o in new Option[] { instance, config, environment, ip, port }) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            var server = ServerInstance.FromKey(result.GetValue(instance)!) ?? throw new CliException("Invalid --instance");
            NativeProcess.Detach();
            await using var console = new StreamWriter(new FileStream(server.ConsoleFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            Console.SetOut(console);
            Console.SetError(console);
            try
            {
                return await RunAsync(server, result.GetValue(config)!, result.GetValue(environment), result.GetValue(ip)!, result.GetValue(port));
            }
            catch (Exception e)
            {
                // start shows the last error line of this file when the server ends during start-up.
                var text = e is CliException or ConfigurationException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                console.WriteLine($"[error] - {text.ReplaceLineEndings(" ")}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ServerInstance server, string file, string? environment, string ip, int port)
    {
        var config = ServerConfigLoader.Load(file, environment);
        config = config with { Uri = ServerInstance.DatabaseUriOf(config), Logging = WithoutConsole(config.Logging) };
        var dataDir = server.DataDirectory(config);
        Directory.CreateDirectory(dataDir);
        Directory.CreateDirectory(server.LogDirectory(config));
        var app = ServerHost.Build(config, new ServerRunOptions
        {
            DataDirectory = dataDir,
            LogFile = server.LogFile(config),
            Urls = $"http://{(ip.Contains(':') ? $"[{ip}]" : ip)}:{port}",
        });
        try { await ServerHost.InitializeAsync(app); }
        catch (Exception e) when (e is not ConfigurationException)
        {
            var database = DatabaseUri.Parse(config.Uri, dataDir).Display;
            throw new CliException($"Cannot open the database {database}: {Innermost(e)}");
        }
        await app.StartAsync();
        Console.WriteLine($"Server {server.Name} is running (pid {Environment.ProcessId})");
        await app.WaitForShutdownAsync();
        RunningServer.Find(server)?.Forget();
        return 0;
    }

    /// <summary>The most specific reasons, e.g. "Failed to connect to 127.0.0.1:5432: Connection refused".</summary>
    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException) messages.Add(x.Message);
        return string.Join(": ", messages.Distinct().TakeLast(2));
    }

    /// <summary>The log file already holds every record; a copy in the console file would grow without rotation.</summary>
    private static LoggingConfig WithoutConsole(LoggingConfig l) => new()
    {
        Level = l.Level, File = l.File, UseConsole = false, BackupCount = l.BackupCount, MaxSizeKb = l.MaxSizeKb,
        Format = l.Format, DateFormat = l.DateFormat, Loggers = l.Loggers,
    };
}
