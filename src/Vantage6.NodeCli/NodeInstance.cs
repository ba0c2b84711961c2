using System.Diagnostics;
using System.Text.RegularExpressions;
using Vantage6.Common;
using Vantage6.Common.Cli;
using Vantage6.Node;

namespace Vantage6.NodeCli;

/// <summary>
/// One node instance (name, scope) and its files (cli-and-config §7.1): configuration in the scope's node folder,
/// data and log folders, and the pid and console files of a background node.
/// </summary>
internal sealed record NodeInstance(string Name, InstanceScope Scope)
{
    public string ScopeName => Scope == InstanceScope.System ? "system" : "user";
    public string ScopeFlag => Scope == InstanceScope.System ? " --system" : "";
    public string Key => $"vantage6-{Name}-{ScopeName}";
    public InstanceLocations Locations => InstanceLocations.For("node", Name, Scope);
    public string ConfigFile => Path.Combine(Locations.ConfigDirectory, Name + ".yaml");
    public string PidFile => Path.Combine(Locations.DataDirectory, Key + ".pid");
    public string ConsoleFile => Path.Combine(Locations.DataDirectory, Key + ".out");
    public string LogFile => Path.Combine(Locations.LogDirectory, $"node_{ScopeName}.log");

    public NodeConfig Load(string? file = null) =>
        NodeConfig.Load(file ?? ConfigFile, Name, Locations.DataDirectory, Locations.LogDirectory);

    public static string CheckName(string name)
    {
        if (name.Contains(' '))
        {
            name = name.Replace(' ', '-');
            Out.Info($"Replaced spaces from configuration name: {name}");
        }
        if (!Regex.IsMatch(name, "^[a-zA-Z0-9_.-]+$"))
            throw new CliException($"Name '{name}' is not allowed. Please use only the following characters: a-zA-Z0-9_.-");
        return name;
    }

    public static IEnumerable<NodeInstance> Configured(InstanceScope scope)
    {
        var dir = InstanceLocations.For("node", "_", scope).ConfigDirectory;
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal))
            yield return new NodeInstance(Path.GetFileNameWithoutExtension(file), scope);
    }

    /// <summary>The pid of the running background node, or null (stale pid files and reused pids do not count).</summary>
    public int? RunningPid()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid)) return null;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat.Split(") ")[^1].StartsWith('Z')) return null;
                var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                return args.Contains("run") && args.Contains(Key) ? pid : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        try { using var p = Process.GetProcessById(pid); return p.HasExited ? null : pid; }
        catch (ArgumentException) { return null; }
    }

    public static NodeInstance? FromKey(string key)
    {
        var m = Regex.Match(key, "^vantage6-(.+)-(system|user)$");
        return m.Success ? new NodeInstance(m.Groups[1].Value, m.Groups[2].Value == "system" ? InstanceScope.System : InstanceScope.User) : null;
    }
}
