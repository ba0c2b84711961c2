using System.Diagnostics;
using Vantage6.Common;

namespace Vantage6.Cli;

/// <summary>
/// A background server started by this CLI, as recorded in its pid file: the process id, the API URL and the
/// log file. A pid file only counts when its process is really our server (its command line carries the
/// instance key), so a stale file or a reused pid is never mistaken for a running server.
/// </summary>
internal sealed record RunningServer(ServerInstance Instance, int Pid, string ApiUrl, string LogFile)
{
    public static RunningServer? Find(ServerInstance instance)
    {
        var recorded = Read(instance);
        return recorded is not null && IsOurProcess(recorded.Pid, instance.Key) ? recorded : null;
    }

    public static void Record(RunningServer server)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(server.Instance.PidFile)!);
        File.WriteAllText(server.Instance.PidFile, $"pid={server.Pid}\nurl={server.ApiUrl}\nlog={server.LogFile}\n");
    }

    /// <summary>Every running server of both scopes, found by their pid files (also those started with <c>--config</c>).</summary>
    public static IReadOnlyList<RunningServer> All()
    {
        var found = new List<RunningServer>();
        foreach (var scope in new[] { InstanceScope.System, InstanceScope.User })
        {
            var typeFolder = Path.GetDirectoryName(InstanceLocations.For("server", "_", scope).DataDirectory)!;
            if (!Directory.Exists(typeFolder)) continue;
            IEnumerable<string> pidFiles;
            try { pidFiles = Directory.GetFiles(typeFolder, "vantage6-*-server.pid", SearchOption.AllDirectories); }
            catch (UnauthorizedAccessException) { continue; }
            foreach (var pidFile in pidFiles.Order(StringComparer.Ordinal))
                if (ServerInstance.FromKey(Path.GetFileNameWithoutExtension(pidFile)) is { } instance && instance.Scope == scope
                    && Find(instance) is { } running)
                    found.Add(running);
        }
        return found;
    }

    public bool HasExited => !IsOurProcess(Pid, Instance.Key);

    /// <summary>Removes the pid file if it still names this process.</summary>
    public void Forget()
    {
        if (Read(Instance)?.Pid == Pid) File.Delete(Instance.PidFile);
    }

    /// <summary>Graceful stop (SIGTERM; the host then shuts down cleanly), a kill after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, Action<TimeSpan>? progress = null)
    {
        NativeProcess.Terminate(Pid);
        var watch = Stopwatch.StartNew();
        while (!HasExited && watch.Elapsed < grace)
        {
            await Task.Delay(200);
            progress?.Invoke(watch.Elapsed);
        }
        if (!HasExited)
        {
            try { using var p = Process.GetProcessById(Pid); p.Kill(); p.WaitForExit(5000); }
            catch (ArgumentException) { }
        }
        Forget();
    }

    private static RunningServer? Read(ServerInstance instance)
    {
        string[] lines;
        try { lines = File.ReadAllLines(instance.PidFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var values = lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return values.TryGetValue("pid", out var pid) && int.TryParse(pid, out var id)
            ? new RunningServer(instance, id, values.GetValueOrDefault("url", ""), values.GetValueOrDefault("log", ""))
            : null;
    }

    private static bool IsOurProcess(int pid, string key)
    {
        if (OperatingSystem.IsLinux())
        {
            // The command line of our background server is "<runtime> [vserver.dll] run --instance <key> ...".
            try
            {
                var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                return args.Contains(RunCommand.Name) && args.Contains(key);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        }
        // Elsewhere the command line is not readable without extra tooling: accept a live process of ours.
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && (p.ProcessName.Contains("dotnet", StringComparison.OrdinalIgnoreCase)
                                    || p.ProcessName.Contains("vserver", StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }
}
