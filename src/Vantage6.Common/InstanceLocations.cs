namespace Vantage6.Common;

public enum InstanceScope { System, User }

/// <summary>
/// Where an instance's configuration, data and log files live, per OS and scope
/// (cli-and-config §1.3): <c>/etc/vantage6/server</c> and <c>~/.config/vantage6/server</c> on Linux, etc.
/// </summary>
public sealed record InstanceLocations(string ConfigDirectory, string DataDirectory, string LogDirectory)
{
    public static InstanceLocations For(string type, string name, InstanceScope scope)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            var root = scope == InstanceScope.System
                ? Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData)
                : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            var data = Path.Combine(root, "vantage6", type, name);
            var log = scope == InstanceScope.System ? data : Path.Combine(root, "vantage6", "Logs", type, name);
            return new(Path.Combine(root, "vantage6", type), data, log);
        }
        if (OperatingSystem.IsMacOS())
        {
            var root = scope == InstanceScope.System ? "/Library/Application Support" : Path.Combine(home, "Library", "Application Support");
            var data = Path.Combine(root, "vantage6", type, name);
            var log = scope == InstanceScope.System ? data : Path.Combine(home, "Library", "Logs", "vantage6", type, name);
            return new(Path.Combine(root, "vantage6", type), data, log);
        }
        if (scope == InstanceScope.System)
        {
            var dataRoot = FirstOf(Environment.GetEnvironmentVariable("XDG_DATA_DIRS"), "/usr/local/share");
            var data = Path.Combine(dataRoot, "vantage6", type, name);
            return new(Path.Combine("/etc/vantage6", type), data, data);
        }
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } c ? c : Path.Combine(home, ".config");
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } d ? d : Path.Combine(home, ".local", "share");
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } ca ? ca : Path.Combine(home, ".cache");
        return new(Path.Combine(config, "vantage6", type), Path.Combine(dataHome, "vantage6", type, name),
            Path.Combine(cache, "vantage6", "log", type, name));
    }

    /// <summary>The 3.x system folder that older documentation shows (<c>/etc/xdg/vantage6/server</c>); also searched.</summary>
    public static string? LegacySystemConfigDirectory(string type) =>
        OperatingSystem.IsLinux() ? Path.Combine("/etc/xdg/vantage6", type) : null;

    private static string FirstOf(string? pathList, string fallback) =>
        pathList?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? fallback;
}
