using System.Diagnostics;
using System.Reflection;

namespace Vantage6.Common.Cli;

/// <summary>
/// Starts this same program again (e.g. <c>vserver run</c>, <c>vnode run</c>) as a background process that
/// outlives the command: its standard streams are our own pipes, closed at once, so it never holds the
/// caller's console or output pipe open.
/// </summary>
public static class DetachedSelf
{
    /// <param name="program">The program's assembly, passed to <c>dotnet</c> when this runs as <c>dotnet program.dll</c>.</param>
    /// <param name="what">Named in the error when the process cannot be started ("the server process").</param>
    public static Process Start(Assembly program, IEnumerable<string> arguments, string what)
    {
        var self = Environment.ProcessPath ?? throw new CliException("Cannot find the path of this program");
        var info = new ProcessStartInfo(self)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory.GetCurrentDirectory(),
        };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(program.Location);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var child = Process.Start(info) ?? throw new CliException($"Could not start {what}");
        child.StandardInput.Close();
        child.StandardOutput.Close();
        child.StandardError.Close();
        return child;
    }
}
