using System.Diagnostics;

namespace Vantage6.Tests.Shared;

/// <summary>
/// How the test suites start the built vserver and vnode: a `dotnet` process whose home and XDG folders are
/// inside the test's own root, with no colours and none of the caller's vantage6 environment variables.
/// Compiled into each suite that starts processes (linked source: the suites share no assembly).
/// </summary>
internal static class SandboxedProcess
{
    public static ProcessStartInfo StartInfo(string root, string dll, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["HOME"] = root;
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(root, "config");
        info.Environment["XDG_DATA_HOME"] = Path.Combine(root, "data");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(root, "cache");
        info.Environment["XDG_CONFIG_DIRS"] = Path.Combine(root, "etc-xdg");
        info.Environment["XDG_DATA_DIRS"] = Path.Combine(root, "share");
        info.Environment["NO_COLOR"] = "1";
        foreach (var name in new[] { "VANTAGE6_DB_URI", "VANTAGE6_CONFIG_NAME", "PRIVATE_KEY" }) info.Environment.Remove(name);
        return info;
    }
}
