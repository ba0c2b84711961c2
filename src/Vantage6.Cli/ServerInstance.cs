using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>
/// One server instance, identified by (name, scope) (cli-and-config §1.1), and the files the CLI keeps for it.
/// The pid and console files live in the default data folder, never in a configured override, so that
/// <c>stop</c>, <c>list</c> and <c>attach</c> find them without reading the configuration.
/// </summary>
internal sealed record ServerInstance(string Name, InstanceScope Scope)
{
    private const string KeyPrefix = "vantage6-";
    private const string KeySuffix = "-server";

    public string ScopeName => Scope == InstanceScope.System ? "system" : "user";

    /// <summary>What to add to a command line in hints: nothing for the default (system) scope.</summary>
    public string ScopeFlag => Scope == InstanceScope.User ? " --user" : "";

    /// <summary>The reference's container name, reused as the process marker and file stem.</summary>
    public string Key => $"{KeyPrefix}{Name}-{ScopeName}{KeySuffix}";

    public InstanceLocations Locations => InstanceLocations.For("server", Name, Scope);
    public string PidFile => Path.Combine(Locations.DataDirectory, Key + ".pid");
    /// <summary>Whatever the background server writes to its console (start-up crashes included).</summary>
    public string ConsoleFile => Path.Combine(Locations.DataDirectory, Key + ".out");

    public string DataDirectory(ServerConfig config) => config.DataDirectory ?? Locations.DataDirectory;
    public string LogDirectory(ServerConfig config) => config.LogDirectory ?? Locations.LogDirectory;
    public string LogFile(ServerConfig config) => Path.Combine(LogDirectory(config), $"server_{ScopeName}.log");

    /// <summary>The database URI the server uses: <c>VANTAGE6_DB_URI</c> wins over the file (§3.10).</summary>
    public static string DatabaseUriOf(ServerConfig config) =>
        Environment.GetEnvironmentVariable("VANTAGE6_DB_URI") is { Length: > 0 } uri ? uri : config.Uri;

    public static ServerInstance? FromKey(string key)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || !key.EndsWith(KeySuffix, StringComparison.Ordinal)) return null;
        var middle = key[KeyPrefix.Length..^KeySuffix.Length];
        var dash = middle.LastIndexOf('-');
        if (dash <= 0) return null;
        InstanceScope? scope = middle[(dash + 1)..] switch { "system" => InstanceScope.System, "user" => InstanceScope.User, _ => null };
        return scope is null ? null : new ServerInstance(middle[..dash], scope.Value);
    }

    /// <summary>Name rules of §1.2: spaces become dashes, then only <c>a-zA-Z0-9_.-</c>.</summary>
    public static string CheckName(string name)
    {
        if (name.Contains(' '))
        {
            name = name.Replace(' ', '-');
            Out.Info($"Replaced spaces from configuration name: {name}");
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-zA-Z0-9_.-]+$"))
            throw new CliException($"Name '{name}' is not allowed. Please use only the following characters: a-zA-Z0-9_.-");
        return name;
    }
}
