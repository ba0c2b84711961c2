using System.Diagnostics;
using System.Text;

namespace Vantage6.Node.Runtimes;

/// <summary>
/// Runs algorithms as local processes. The task's image is looked up in the node's <c>algorithms</c> allow-list
/// (image → command line, e.g. <c>python3 algorithms/average.py</c>; relative paths are relative to the
/// configuration file). The process starts in its run folder with a minimal inherited environment plus the
/// encoded vantage6 variables; stdout and stderr are merged into the log; the time limit and kill end it.
/// </summary>
public sealed class ProcessRuntime(IReadOnlyDictionary<string, string> algorithms, string baseDirectory) : IAlgorithmRuntime
{
    private static readonly string[] Inherited = ["PATH", "HOME", "USERPROFILE", "SYSTEMROOT", "TEMP", "TMP", "LANG"];

    public string Name => "process";
    public string ProxyHost => "http://127.0.0.1";
    public string MapPath(string localPath) => localPath;

    public Task<bool> CanRunAsync(string image, CancellationToken ct) => Task.FromResult(Resolve(image) is not null);

    /// <summary>The command for an image: exact entry, else the entry for the image without tag or digest.</summary>
    public string? Resolve(string image)
    {
        if (algorithms.TryGetValue(image, out var command)) return command;
        var bare = StripTag(image);
        return algorithms.TryGetValue(bare, out command) ? command : null;
    }

    public static string StripTag(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] : image;
    }

    public Task<IRunningAlgorithm> StartAsync(AlgorithmJob job, CancellationToken ct)
    {
        var command = Resolve(job.Image) ?? throw new UnknownImageException($"Image '{job.Image}' is not in the node's list of algorithms");
        var parts = SplitCommand(command);
        if (parts.Count == 0) throw new UnknownImageException($"The command for image '{job.Image}' is empty");
        var info = new ProcessStartInfo(parts[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = job.RunFolder,
        };
        foreach (var part in parts.Skip(1))
        {
            var candidate = Path.Combine(baseDirectory, part);
            info.ArgumentList.Add(!Path.IsPathRooted(part) && (File.Exists(candidate) || Directory.Exists(candidate)) ? Path.GetFullPath(candidate) : part);
        }
        info.Environment.Clear();
        foreach (var name in Inherited)
            if (Environment.GetEnvironmentVariable(name) is { } value) info.Environment[name] = value;
        foreach (var (name, value) in job.Environment) info.Environment[name] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        if (!process.Start()) throw new InvalidOperationException($"Could not start '{parts[0]}'");
        process.StandardInput.Close();
        File.WriteAllText(Path.Combine(job.RunFolder, "pid"), process.Id.ToString());
        return Task.FromResult<IRunningAlgorithm>(new Running(process, job));
    }

    /// <summary>Splits a command line on spaces, keeping double- or single-quoted parts together.</summary>
    public static List<string> SplitCommand(string command)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        var any = false;
        foreach (var c in command)
        {
            if (quote is { } q) { if (c == q) quote = null; else current.Append(c); continue; }
            if (c is '"' or '\'') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0 || any) parts.Add(current.ToString());
                current.Clear(); any = false;
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0 || any) parts.Add(current.ToString());
        return parts;
    }

    /// <summary>Kills a process left behind by an earlier node process (its pid file in a run folder).</summary>
    public static void KillLeftover(string runFolder)
    {
        var pidFile = Path.Combine(runFolder, "pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid)) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            // Only when it still runs in this run folder (pids are reused).
            if (OperatingSystem.IsLinux() && Path.GetFullPath(new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(true)?.FullName ?? "") != Path.GetFullPath(runFolder)) return;
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException) { }
    }

    private sealed class Running : IRunningAlgorithm
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();
        private readonly object _lock = new();
        private readonly TaskCompletionSource<AlgorithmOutcome> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _killed;
        private volatile bool _timedOut;
        private readonly Timer _timer;

        public Running(Process process, AlgorithmJob job)
        {
            _process = process;
            var stdout = Pump(process.StandardOutput, job.OnLog);
            var stderr = Pump(process.StandardError, job.OnLog);
            _timer = new Timer(_ => { _timedOut = true; Stop(); }, null, job.TimeLimit, Timeout.InfiniteTimeSpan);
            _ = Task.Run(async () =>
            {
                await process.WaitForExitAsync();
                // The pipes close when the process (and anything holding them) ends; don't wait forever for children.
                await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(2000));
                await _timer.DisposeAsync();
                string log;
                lock (_lock) log = _log.ToString();
                _done.TrySetResult(new AlgorithmOutcome(_killed || _timedOut ? null : process.ExitCode, _timedOut, _killed && !_timedOut, log));
            });
        }

        public Task<AlgorithmOutcome> Completion => _done.Task;

        public void Kill()
        {
            _killed = true;
            Stop();
        }

        private void Stop()
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }

        private Task Pump(StreamReader reader, Action<string> onLog) => Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await reader.ReadAsync(buffer)) > 0)
            {
                var chunk = new string(buffer, 0, n);
                lock (_lock) _log.Append(chunk);
                try { onLog(chunk); } catch (Exception) { /* log streaming must not stop the algorithm */ }
            }
        });

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) Stop();
            await _timer.DisposeAsync();
            _process.Dispose();
        }
    }
}
