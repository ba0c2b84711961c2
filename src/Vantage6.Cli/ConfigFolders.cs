using Vantage6.Common;

namespace Vantage6.Cli;

/// <summary>
/// The folders that hold configuration files per scope. On Linux the system scope is
/// <c>$XDG_CONFIG_DIRS</c>' first entry (default <c>/etc/xdg</c>) + <c>vantage6/server</c>, as the user documentation
/// shows; <c>/etc/vantage6/server</c> (the 4.x reference's folder) is searched too.
/// </summary>
internal static class ConfigFolders
{
    /// <summary>Where <c>vserver new</c> writes.</summary>
    public static string WriteDirectory(InstanceScope scope) => SearchDirectories(scope)[0];

    /// <summary>Folders searched by name and listed by <c>vserver list</c>, in order.</summary>
    public static IReadOnlyList<string> SearchDirectories(InstanceScope scope)
    {
        var standard = InstanceLocations.For("server", "_", scope).ConfigDirectory;
        if (scope == InstanceScope.User || !OperatingSystem.IsLinux()) return [standard];
        var xdgRoot = Environment.GetEnvironmentVariable("XDG_CONFIG_DIRS")?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "/etc/xdg";
        var documented = Path.Combine(xdgRoot, "vantage6", "server");
        return documented == standard ? [standard] : [documented, standard];
    }

    /// <summary>Every <c>*.yaml</c> directly in the scope's folders; the first folder wins for a name.</summary>
    public static IEnumerable<(string Name, string File)> Configurations(InstanceScope scope)
    {
        var seen = new HashSet<string>();
        foreach (var dir in SearchDirectories(scope))
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (seen.Add(name)) yield return (name, file);
            }
        }
    }
}
