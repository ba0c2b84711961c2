using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>
/// <c>vserver start</c>: starts the server as a background process (cli-and-config §2.3.4), waits until it answers
/// <c>/health</c> and prints its URL; <c>--attach</c> then shows the log until Ctrl+C, which leaves it running.
/// </summary>
internal static class StartCommand
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    public static Command Create()
    {
        var ctx = InstanceOptions.WithConfig();
        var ip = new Option<string?>("--ip") { Description = "Address to listen on (default: the configuration's ip, else 0.0.0.0)" };
        var port = new Option<int?>("--port", "-p") { Description = "Port to listen on (default: the configuration's port, else 7601)" };
        var attach = new Option<bool>("--attach") { Description = "Show the server log in this console after starting (Ctrl+C detaches; the server keeps running)" };
        var detach = new Option<bool>("--detach") { Description = "Do not show the log (default)" };

        var command = new Command("start", "Start a server in the background and wait until it answers.");
        command.WithHelp(null,
            "vserver start --config examples/quickstart.yaml --attach",
            "vserver start --name demo --user",
            "vserver start --name demo --port 7602 --ip 127.0.0.1",
            "vserver start --config server.yaml --environment prod");
        ctx.AddTo(command);
        foreach (var o in new Option[] { ip, port, attach, detach }) command.Options.Add(o);
        var containerOnly = new ContainerOnlyOptions();
        containerOnly.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var resolved = ctx.Resolve(result);
            var config = resolved.Load();
            Out.Info("Starting server...");
            containerOnly.Explain(result, config);
            var (running, logOffset) = await StartAsync(resolved, config, result.GetValue(ip), result.GetValue(port));
            if (!result.GetValue(attach) || result.GetValue(detach)) return 0;
            if (await LogFollower.FollowAsync(running.LogFile, logOffset, running, ct))
                LogFollower.PrintDetachNote();
            else
                Out.Warn($"Server {running.Instance.Name} has stopped");
            return 0;
        });
        return command;
    }

    /// <summary>Returns the running server and where this run's part of its log file starts.</summary>
    internal static async Task<(RunningServer, long)> StartAsync(ResolvedConfig resolved, ServerConfig config, string? ipOption, int? portOption)
    {
        var instance = resolved.Instance;
        if (RunningServer.Find(instance) is not null) throw new CliException($"Server {instance.Name} is already running");

        var ip = ipOption ?? (string.IsNullOrEmpty(config.Ip) ? "0.0.0.0" : config.Ip);
        var port = portOption ?? (config.Port > 0 ? config.Port : 7601);
        EnsurePortFree(ip, port);
        var logFile = instance.LogFile(config);
        try
        {
            Directory.CreateDirectory(instance.Locations.DataDirectory);
            Directory.CreateDirectory(instance.DataDirectory(config));
            Directory.CreateDirectory(instance.LogDirectory(config));
            File.WriteAllText(instance.ConsoleFile, "");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliException($"Cannot create the instance folders ({e.Message}); use --user to keep them in your home folder");
        }

        var logOffset = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        using var child = Launch(resolved, ip, port);
        var shownHost = ip is "0.0.0.0" or "::" or "" ? "127.0.0.1" : ip;
        var apiUrl = $"http://{(shownHost.Contains(':') ? $"[{shownHost}]" : shownHost)}:{port}{config.ApiPath}";
        var running = new RunningServer(instance, child.Id, apiUrl, logFile);
        RunningServer.Record(running);

        if (!await WaitUntilHealthyAsync(child, apiUrl))
        {
            running.Forget();
            if (!child.HasExited) child.Kill();
            throw new CliException(StartFailure(instance, logFile));
        }
        Out.Info($"Success! Server {instance.Name} is running at {apiUrl} (pid {child.Id})");
        Out.Info($"Log file: {logFile}");
        Out.Info($"Show the log with 'vserver attach --name {instance.Name}{instance.ScopeFlag}', stop it with 'vserver stop --name {instance.Name}{instance.ScopeFlag}'");
        return (running, logOffset);
    }

    /// <summary>A bound port makes the server die after spawning; checking first gives a clear message and starts nothing.</summary>
    private static void EnsurePortFree(string ip, int port)
    {
        var address = ip is "" or "0.0.0.0" ? IPAddress.Any
            : ip == "::" ? IPAddress.IPv6Any
            : IPAddress.TryParse(ip.Trim('[', ']'), out var parsed) ? parsed
            : Dns.GetHostAddresses(ip).FirstOrDefault() ?? throw new CliException($"Cannot resolve the address '{ip}'");
        try
        {
            var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException e)
        {
            throw new CliException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"Port {port} on {ip} is already in use; stop what uses it or choose another port with --port"
                : $"Cannot listen on {ip}:{port}: {e.Message}");
        }
    }

    /// <summary>Runs this same program with the hidden <c>run</c> command, detached from our console.</summary>
    private static Process Launch(ResolvedConfig resolved, string ip, int port)
    {
        var args = new List<string> { RunCommand.Name, "--instance", resolved.Instance.Key, "--config", resolved.File, "--ip", ip, "--port", port.ToString() };
        if (resolved.Environment is { } env) args.AddRange(["--environment", env]);
        return DetachedSelf.Start(typeof(StartCommand).Assembly, args, "the server process");
    }

    private static async Task<bool> WaitUntilHealthyAsync(Process child, string apiUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var progress = new Progress("Waiting for the server to answer");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StartTimeout)
        {
            if (child.HasExited) return false;
            try
            {
                using var response = await http.GetAsync(apiUrl + "/health");
                if (response.IsSuccessStatusCode) return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            progress.Tick();
            await Task.Delay(250);
        }
        return false;
    }

    /// <summary>One line for a start that failed: the last error line of the server's console or log file.</summary>
    private static string StartFailure(ServerInstance instance, string logFile)
    {
        static string? LastError(string file)
        {
            if (!File.Exists(file)) return null;
            var lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToList();
            return lines.LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)
                                            || l.Contains("exception", StringComparison.OrdinalIgnoreCase)
                                            || l.Contains("critical", StringComparison.OrdinalIgnoreCase))
                   ?? lines.LastOrDefault();
        }
        var reason = LastError(instance.ConsoleFile) ?? LastError(logFile) ?? "no output";
        if (reason.StartsWith("[error] - ", StringComparison.Ordinal)) reason = reason["[error] - ".Length..];
        return $"Server {instance.Name} did not start: {reason}";
    }
}
