namespace Vantage6.Common.Tests;

/// <summary>
/// Linux folders per scope (cli-and-config §1.3). The XDG variables are process-wide, so every test
/// that reads or changes them lives in this one class (xunit runs a class's tests one at a time)
/// and restores them afterwards.
/// </summary>
public class InstanceLocationsTests
{
    private static readonly string[] XdgVariables = ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS"];

    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Runs <paramref name="body"/> with the given XDG variables (null = unset), then restores them all.</summary>
    private static void WithXdg(IReadOnlyDictionary<string, string?> values, Action body)
    {
        var saved = XdgVariables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var v in XdgVariables) Environment.SetEnvironmentVariable(v, values.GetValueOrDefault(v));
            body();
        }
        finally
        {
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }

    private static readonly Dictionary<string, string?> NoXdg = new();

    [Fact]
    public void System_Defaults()
    {
        if (!OperatingSystem.IsLinux()) return;
        WithXdg(NoXdg, () =>
        {
            var l = InstanceLocations.For("server", "demo", InstanceScope.System);
            Assert.Equal("/etc/vantage6/server", l.ConfigDirectory);
            Assert.Equal("/usr/local/share/vantage6/server/demo", l.DataDirectory);
            Assert.Equal(l.DataDirectory, l.LogDirectory);
        });
    }

    [Fact]
    public void System_DataDirectory_IsFirstEntryOfXdgDataDirs()
    {
        if (!OperatingSystem.IsLinux()) return;
        WithXdg(new Dictionary<string, string?> { ["XDG_DATA_DIRS"] = "/opt/share:/usr/share" }, () =>
        {
            var l = InstanceLocations.For("server", "demo", InstanceScope.System);
            Assert.Equal("/opt/share/vantage6/server/demo", l.DataDirectory);
            Assert.Equal("/opt/share/vantage6/server/demo", l.LogDirectory);
        });
        WithXdg(new Dictionary<string, string?> { ["XDG_DATA_DIRS"] = ":" }, () =>
            Assert.Equal("/usr/local/share/vantage6/server/demo", InstanceLocations.For("server", "demo", InstanceScope.System).DataDirectory));
    }

    [Fact]
    public void System_ConfigDirectory_NeverUsesXdg()
    {
        if (!OperatingSystem.IsLinux()) return;
        WithXdg(new Dictionary<string, string?> { ["XDG_CONFIG_DIRS"] = "/etc/xdg", ["XDG_CONFIG_HOME"] = "/tmp/cfg" }, () =>
            Assert.Equal("/etc/vantage6/server", InstanceLocations.For("server", "demo", InstanceScope.System).ConfigDirectory));
    }

    [Fact]
    public void User_Defaults_AreUnderHome()
    {
        if (!OperatingSystem.IsLinux()) return;
        WithXdg(NoXdg, () =>
        {
            var l = InstanceLocations.For("server", "demo", InstanceScope.User);
            Assert.Equal(Path.Combine(Home, ".config", "vantage6", "server"), l.ConfigDirectory);
            Assert.Equal(Path.Combine(Home, ".local", "share", "vantage6", "server", "demo"), l.DataDirectory);
            Assert.Equal(Path.Combine(Home, ".cache", "vantage6", "log", "server", "demo"), l.LogDirectory);
        });
    }

    [Fact]
    public void User_RespectsXdgVariables()
    {
        if (!OperatingSystem.IsLinux()) return;
        var values = new Dictionary<string, string?>
        {
            ["XDG_CONFIG_HOME"] = "/x/config", ["XDG_DATA_HOME"] = "/x/data", ["XDG_CACHE_HOME"] = "/x/cache",
        };
        WithXdg(values, () =>
        {
            var l = InstanceLocations.For("node", "alpha", InstanceScope.User);
            Assert.Equal("/x/config/vantage6/node", l.ConfigDirectory);
            Assert.Equal("/x/data/vantage6/node/alpha", l.DataDirectory);
            Assert.Equal("/x/cache/vantage6/log/node/alpha", l.LogDirectory);
        });
    }

    [Fact]
    public void User_EmptyXdgVariables_UseDefaults()
    {
        if (!OperatingSystem.IsLinux()) return;
        var values = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = "", ["XDG_DATA_HOME"] = "", ["XDG_CACHE_HOME"] = "" };
        WithXdg(values, () =>
        {
            var l = InstanceLocations.For("server", "demo", InstanceScope.User);
            Assert.Equal(Path.Combine(Home, ".config", "vantage6", "server"), l.ConfigDirectory);
            Assert.Equal(Path.Combine(Home, ".local", "share", "vantage6", "server", "demo"), l.DataDirectory);
            Assert.Equal(Path.Combine(Home, ".cache", "vantage6", "log", "server", "demo"), l.LogDirectory);
        });
    }

    [Fact]
    public void Variables_AreRestoredAfterwards()
    {
        var before = XdgVariables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        WithXdg(new Dictionary<string, string?> { ["XDG_DATA_HOME"] = "/changed" }, () =>
            Assert.Equal("/changed", Environment.GetEnvironmentVariable("XDG_DATA_HOME")));
        Assert.Equal(before, XdgVariables.ToDictionary(v => v, Environment.GetEnvironmentVariable));
    }

    [Fact]
    public void LegacySystemConfigDirectory_IsTheXdgFolderOf3x()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.Equal("/etc/xdg/vantage6/server", InstanceLocations.LegacySystemConfigDirectory("server"));
        Assert.Equal("/etc/xdg/vantage6/node", InstanceLocations.LegacySystemConfigDirectory("node"));
    }

    [Fact]
    public void DataAndLogFolders_ArePerInstance_ConfigFolderPerType()
    {
        WithXdg(NoXdg, () =>
        {
            foreach (var scope in new[] { InstanceScope.System, InstanceScope.User })
            {
                var a = InstanceLocations.For("server", "a", scope);
                var b = InstanceLocations.For("server", "b", scope);
                Assert.Equal(a.ConfigDirectory, b.ConfigDirectory);
                Assert.NotEqual(a.DataDirectory, b.DataDirectory);
                Assert.NotEqual(a.LogDirectory, b.LogDirectory);
                Assert.EndsWith(Path.Combine("vantage6", "server", "a"), a.DataDirectory);
                Assert.EndsWith("a", a.LogDirectory);
                Assert.NotEqual(a.ConfigDirectory, InstanceLocations.For("node", "a", scope).ConfigDirectory);
            }
        });
    }
}
