using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

// Each test starts real server processes; running them one at a time keeps start-up times predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Vantage6.Cli.Tests;

public sealed record CliResult(int ExitCode, string Output, string Errors)
{
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string[] ErrorLines => Lines.Where(l => l.StartsWith("[error]")).ToArray();
}

/// <summary>
/// A fresh home folder for one test: HOME and every XDG folder point into a temporary directory, so the real
/// <c>vserver</c> program (run as a subprocess) sees a new user's machine. Dispose kills any server left behind.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private static readonly string VserverDll = typeof(Sandbox).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "VserverDll").Value!;

    public string Root { get; } = Directory.CreateTempSubdirectory("vserver-test-").FullName;
    public string UserConfigDirectory => Path.Combine(Root, "config", "vantage6", "server");
    public string SystemConfigDirectory => Path.Combine(Root, "etc-xdg", "vantage6", "server");
    public string UserDataDirectory(string name) => Path.Combine(Root, "data", "vantage6", "server", name);
    public string PidFile(string name) => Path.Combine(UserDataDirectory(name), $"vantage6-{name}-user-server.pid");

    public CliResult Run(string arguments, string? input = null, int timeoutSeconds = 120) =>
        Run(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), input, timeoutSeconds);

    public CliResult Run(IEnumerable<string> arguments, string? input = null, int timeoutSeconds = 120)
    {
        using var process = Process.Start(StartInfo(arguments))!;
        if (input is not null) process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vserver {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
        }
        return new CliResult(process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>Starts vserver without waiting for it (for --attach, or to interrupt a question).</summary>
    public Process Begin(string arguments, bool keepInputOpen = false)
    {
        var process = Process.Start(StartInfo(arguments.Split(' ')))!;
        if (!keepInputOpen) process.StandardInput.Close();
        return process;
    }

    // A shell starts background jobs with SIGINT ignored, and children inherit that, so a test run from one
    // (as CI may do) would see Ctrl+C ignored by vserver. Give the programs we start the terminal's default.
    static Sandbox()
    {
        const int sigint = 2;
        IntPtr ignore = 1, previous = Signal(sigint, IntPtr.Zero);
        if (previous != ignore) Signal(sigint, previous);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr Signal(int signal, IntPtr handler);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>What Ctrl+C in its console does to a process: SIGINT.</summary>
    public static void Interrupt(Process process) => Kill(process.Id, 2);

    private ProcessStartInfo StartInfo(IEnumerable<string> arguments) => SandboxedProcess.StartInfo(Root, VserverDll, arguments);

    /// <summary>Writes a user-level configuration with the settings a test needs.</summary>
    public string WriteUserConfig(string name, string yaml)
    {
        Directory.CreateDirectory(UserConfigDirectory);
        var file = Path.Combine(UserConfigDirectory, name + ".yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static bool PortIsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>The pid a pid file records, or null.</summary>
    public static int? RecordedPid(string pidFile) =>
        File.Exists(pidFile) && File.ReadAllLines(pidFile).FirstOrDefault(l => l.StartsWith("pid="))?["pid=".Length..] is { } pid
            ? int.Parse(pid)
            : null;

    public static bool ProcessIsAlive(int pid)
    {
        // An ended server whose parent (the start command) is gone may stay a zombie until init reaps it.
        if (OperatingSystem.IsLinux())
        {
            try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] != 'Z'; }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    public void Dispose()
    {
        // A failed test must not leave a server running: kill every process recorded under this sandbox.
        foreach (var pidFile in Directory.GetFiles(Root, "*.pid", SearchOption.AllDirectories))
            if (RecordedPid(pidFile) is { } pid && ProcessIsAlive(pid) && IsServerOf(pid))
                try { using var p = Process.GetProcessById(pid); p.Kill(); p.WaitForExit(5000); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Only our background servers ("... run --instance ...") are killed, never a reused pid.</summary>
    private static bool IsServerOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains("\0run\0--instance\0"); }
        catch (IOException) { return !OperatingSystem.IsLinux(); }
    }
}
