using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Vantage6.Common;
using Vantage6.Common.Cli;
using Vantage6.Node;

namespace Vantage6.NodeCli;

/// <summary><c>vnode start</c>, <c>stop</c> and <c>attach</c>: a native background process with pid, console and log files.</summary>
internal static class StartStopCommands
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static Command Start()
    {
        var options = new NodeOptions();
        var attach = new Option<bool>("--attach") { Description = "Show the node log after starting (Ctrl+C detaches; the node keeps running)" };
        var detach = new Option<bool>("--detach") { Description = "Do not show the log (default)" };
        var command = new Command("start", "Start a node in the background.");
        command.WithHelp(null, "vnode start --name hospital-a", "vnode start --config node.yaml --attach");
        options.AddTo(command);
        command.Options.Add(attach);
        command.Options.Add(detach);
        command.SetAction(async (result, ct) =>
        {
            var (instance, file) = options.Resolve(result);
            if (instance.RunningPid() is not null) throw new CliException($"Node {instance.Name} is already running");
            var config = instance.Load(file);
            foreach (var db in config.Databases.Where(d => NodeDatabase.FileTypes.Contains(d.Type) && !d.Uri.Contains("://")))
                if (!File.Exists(db.Uri) && !Directory.Exists(db.Uri))
                    throw new CliException($"Database {db.Uri} not found. Databases of type '{db.Type}' must be a file or folder on this machine.");
            if (config.EncryptionEnabled && !File.Exists(config.PrivateKeyFile))
                Out.Warn($"Private key file is provided {config.PrivateKeyFile}, but does not exist");
            Directory.CreateDirectory(instance.Locations.DataDirectory);
            Directory.CreateDirectory(config.DataDirectory);
            Directory.CreateDirectory(config.LogDirectory);
            File.WriteAllText(instance.ConsoleFile, "");
            var logFile = Path.Combine(config.LogDirectory, $"node_{instance.ScopeName}.log");
            var offset = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
            Out.Info($"Starting node {instance.Name}...");
            using var child = Launch(instance, file);
            File.WriteAllText(instance.PidFile, child.Id.ToString());
            var outcome = await WaitReadyAsync(child, logFile, offset, instance);
            if (outcome is { } failure)
            {
                if (!child.HasExited) { try { child.Kill(); } catch (InvalidOperationException) { } }
                File.Delete(instance.PidFile);
                throw new CliException($"Node {instance.Name} did not start: {failure}");
            }
            Out.Info($"Node container was started! Node {instance.Name} is running (pid {child.Id})");
            Out.Info($"Log file: {logFile}");
            Out.Info($"Show the log with 'vnode attach --name {instance.Name}{instance.ScopeFlag}', stop it with 'vnode stop --name {instance.Name}{instance.ScopeFlag}'");
            if (result.GetValue(attach) && !result.GetValue(detach))
            {
                if (await FollowAsync(logFile, offset, instance, ct)) Out.Info("Note that your node is still running! Shut it down with vnode stop");
                else Out.Warn($"Node {instance.Name} has stopped");
            }
            return 0;
        });
        return command;
    }

    private static Process Launch(NodeInstance instance, string file) =>
        DetachedSelf.Start(typeof(StartStopCommands).Assembly, ["run", "--instance", instance.Key, "--config", file], "the node process");

    /// <summary>Null once the node reports ready; else the reason it ended (or that it is still connecting).</summary>
    private static async Task<string?> WaitReadyAsync(Process child, string logFile, long offset, NodeInstance instance)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < ReadyTimeout)
        {
            var log = Tail(logFile, offset);
            if (log.Contains(RunCommand.ReadyLine)) return null;
            if (child.HasExited)
            {
                var lines = (Tail(instance.ConsoleFile, 0) + "\n" + log).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
                var reason = lines.LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("CRITICAL")) ?? lines.LastOrDefault() ?? "no output";
                if (reason.StartsWith("[error] - ", StringComparison.Ordinal)) reason = reason["[error] - ".Length..];
                return reason;
            }
            await Task.Delay(200);
        }
        Out.Warn("The node has not reached the server yet; it keeps trying in the background (see its log)");
        return null;
    }

    private static string Tail(string file, long offset)
    {
        if (!File.Exists(file)) return "";
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < offset) offset = 0;
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>True when cancelled (Ctrl+C), false when the node ended.</summary>
    private static async Task<bool> FollowAsync(string file, long offset, NodeInstance instance, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var text = Tail(file, offset);
            if (text.Length > 0) { Console.Out.Write(text); offset += Encoding.UTF8.GetByteCount(text); }
            else if (instance.RunningPid() is null) return false;
            try { await Task.Delay(250, ct); }
            catch (OperationCanceledException) { break; }
        }
        return true;
    }

    public static Command Stop()
    {
        var options = new NodeOptions(withConfig: false);
        var all = new Option<bool>("--all") { Description = "Stop all running nodes" };
        var force = new Option<bool>("--force") { Description = "Kill at once instead of a graceful stop" };
        var command = new Command("stop", "Stop a running node.");
        command.WithHelp(null, "vnode stop --name hospital-a", "vnode stop --all");
        options.AddTo(command);
        command.Options.Add(all);
        command.Options.Add(force);
        command.SetAction(async result =>
        {
            var running = AllRunning();
            if (running.Count == 0) { Out.Warn("No nodes are currently running."); return 0; }
            List<NodeInstance> targets;
            if (result.GetValue(all)) targets = running.Select(r => r.Instance).ToList();
            else if (result.GetValue(options.Name) is { } name)
            {
                var instance = new NodeInstance(NodeInstance.CheckName(name), options.Scope(result));
                if (instance.RunningPid() is null) { Out.Warn($"{instance.Name} is not running?!"); return 0; }
                targets = [instance];
            }
            else targets = [running.Count == 1 ? running[0].Instance : running.First(r => r.Instance.Key == Prompt.Select("Select the node you wish to stop:", running.Select(x => x.Instance.Key).ToList())).Instance];
            foreach (var instance in targets) await StopAsync(instance, result.GetValue(force));
            return 0;
        });
        return command;
    }

    public static async Task StopAsync(NodeInstance instance, bool force)
    {
        if (instance.RunningPid() is not { } pid) return;
        if (force) Out.Warn("Forced stop: running algorithms are killed with the node");
        else NativeProcess.Terminate(pid);
        var watch = Stopwatch.StartNew();
        while (!force && instance.RunningPid() is not null && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(200);
        if (instance.RunningPid() is not null)
        {
            try { using var p = Process.GetProcessById(pid); p.Kill(entireProcessTree: true); p.WaitForExit(5000); }
            catch (ArgumentException) { }
        }
        if (File.Exists(instance.PidFile)) File.Delete(instance.PidFile);
        Out.Info($"Stopped the {instance.Key} Node.");
    }

    public static List<(NodeInstance Instance, int Pid)> AllRunning()
    {
        var found = new List<(NodeInstance, int)>();
        foreach (var scope in new[] { InstanceScope.System, InstanceScope.User })
        {
            var typeFolder = Path.GetDirectoryName(InstanceLocations.For("node", "_", scope).DataDirectory)!;
            if (!Directory.Exists(typeFolder)) continue;
            string[] pidFiles;
            try { pidFiles = Directory.GetFiles(typeFolder, "vantage6-*.pid", SearchOption.AllDirectories); }
            catch (UnauthorizedAccessException) { continue; }
            foreach (var pidFile in pidFiles.Order(StringComparer.Ordinal))
                if (NodeInstance.FromKey(Path.GetFileNameWithoutExtension(pidFile)) is { } instance && instance.Scope == scope && instance.RunningPid() is { } pid)
                    found.Add((instance, pid));
        }
        return found;
    }

    public static Command Attach()
    {
        var options = new NodeOptions(withConfig: false);
        var command = new Command("attach", "Show the log of a running node (Ctrl+C stops showing it).");
        options.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var running = AllRunning();
            if (running.Count == 0) { Out.Warn("No nodes are currently running. Cannot show any logs!"); return 0; }
            var instance = result.GetValue(options.Name) is { } name ? new NodeInstance(name, options.Scope(result))
                : running.Count == 1 ? running[0].Instance
                : running.First(r => r.Instance.Key == Prompt.Select("Select the node you wish to attach to:", running.Select(x => x.Instance.Key).ToList())).Instance;
            if (instance.RunningPid() is null) { Out.Warn($"{instance.Name} is not running?!"); return 0; }
            var logFile = File.Exists(instance.ConfigFile) ? Path.Combine(instance.Load().LogDirectory, $"node_{instance.ScopeName}.log") : instance.LogFile;
            var offset = File.Exists(logFile) ? Math.Max(0, new FileInfo(logFile).Length - 16 * 1024) : 0;
            if (await FollowAsync(logFile, offset, instance, ct)) Out.Info("Note that your node is still running! Shut it down with vnode stop");
            return 0;
        });
        return command;
    }
}
