using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server;

namespace Vantage6.Cli;

/// <summary><c>vserver start</c>: runs the server from a configuration file.</summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name", "-n") { Description = "Configuration name (file stem in the configuration folder)" };
        var config = new Option<string?>("--config", "-c") { Description = "Path to a configuration file; overrides --name" };
        var environment = new Option<string?>("--environment", "-e")
        {
            Description = "Environment of a file with 'application'/'environments' sections: application, dev, test, acc or prod",
        };
        var system = new Option<bool>("--system") { Description = "Use the system folders (default)" };
        var user = new Option<bool>("--user") { Description = "Use the user folders" };
        var ip = new Option<string?>("--ip") { Description = "Address to listen on (default: the configuration's ip)" };
        var port = new Option<int?>("--port", "-p") { Description = "Port to listen on (default: the configuration's port)" };
        var attach = new Option<bool>("--attach") { Description = "Run in this console and show the log (Ctrl+C stops the server)" };

        var command = new Command("start", """
            Start a server.

            Examples:
              vserver start --config examples/quickstart.yaml --attach
              vserver start --name demo --user --attach
              vserver start --config server.yaml --environment prod --attach
            """);
        foreach (var o in new Option[] { name, config, environment, system, user, ip, port, attach }) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            var scope = result.GetValue(user) && !result.GetValue(system) ? InstanceScope.User : InstanceScope.System;
            var resolved = ConfigResolver.Resolve(result.GetValue(config), result.GetValue(name), scope);
            if (!result.GetValue(attach))
                throw new CliException("Running in the background is not available yet: add --attach to run the server in this console");
            return await RunAttachedAsync(resolved, result.GetValue(environment), result.GetValue(ip), result.GetValue(port), ct);
        });
        return command;
    }

    private static async Task<int> RunAttachedAsync(ConfigResolver.Resolved resolved, string? environment, string? ip, int? port,
        CancellationToken ct)
    {
        var config = ServerConfigLoader.Load(resolved.File, environment);
        var dataDir = config.DataDirectory ?? resolved.Locations.DataDirectory;
        var logDir = config.LogDirectory ?? resolved.Locations.LogDirectory;
        try
        {
            Directory.CreateDirectory(dataDir);
            Directory.CreateDirectory(logDir);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException($"Cannot create the instance folders ({e.Message}); use --user to keep them in your home folder");
        }
        var uri = Environment.GetEnvironmentVariable("VANTAGE6_DB_URI") is { Length: > 0 } envUri ? envUri : config.Uri;
        config = config with { Uri = uri };
        var host = ip ?? config.Ip;
        var listenPort = port ?? config.Port;
        var logFile = Path.Combine(logDir, $"server_{resolved.Scope.ToString().ToLowerInvariant()}.log");

        Out.Info($"Starting server '{resolved.Name}' from {resolved.File}");
        var app = ServerHost.Build(config, new ServerRunOptions
        {
            DataDirectory = dataDir,
            LogFile = logFile,
            Urls = $"http://{(host.Contains(':') ? $"[{host}]" : host)}:{listenPort}",
        });
        await ServerHost.InitializeAsync(app, ct);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            throw new CliException($"Cannot listen on {host}:{listenPort}: {e.Message}");
        }
        var shown = host is "0.0.0.0" or "::" ? "127.0.0.1" : host;
        Out.Info($"Server is running at http://{shown}:{listenPort}{config.ApiPath} (log: {logFile})");
        Out.Info("Log in with the user 'root' (password 'root' on a new database; change it right away)");
        Out.Info("Press Ctrl+C to stop the server");
        await app.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }
}
