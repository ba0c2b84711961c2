using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vantage6.Common.Cli;

/// <summary>The few operating-system calls .NET does not offer: a new session and a polite termination signal.</summary>
public static class NativeProcess
{
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "setsid")]
    private static extern int SetSid();

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>Leaves the terminal's session so Ctrl+C in the console that started us does not reach the server.</summary>
    public static void Detach()
    {
        if (!OperatingSystem.IsWindows()) SetSid();
    }

    /// <summary>SIGTERM on Unix (graceful shutdown of the host); Windows has no such signal, so the process is ended.</summary>
    public static void Terminate(int pid)
    {
        if (!OperatingSystem.IsWindows())
        {
            Kill(pid, SigTerm);
            return;
        }
        try { using var p = Process.GetProcessById(pid); p.Kill(); }
        catch (ArgumentException) { }
    }
}
