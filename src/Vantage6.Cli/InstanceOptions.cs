using System.CommandLine;
using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>A configuration file found for a command, with the instance it belongs to.</summary>
internal sealed record ResolvedConfig(string File, ServerInstance Instance, string? Environment)
{
    /// <summary>Parses and validates the file; a problem is a one-line <see cref="ConfigurationException"/>.</summary>
    public ServerConfig Load() => ServerConfigLoader.Load(File, Environment);
}

/// <summary>
/// The CTX option block of cli-and-config §2.1 (<c>--name</c>, <c>--config</c>, <c>--system</c>/<c>--user</c>,
/// <c>--environment</c>) and how a command turns it into a configuration file and instance folders (§1.4).
/// Every command that works on one instance uses it, so all of them find files the same way.
/// </summary>
internal sealed class InstanceOptions
{
    public Option<string?> Name { get; } = new("--name", "-n") { Description = "Configuration name (file stem in the configuration folder)" };
    public Option<string?>? Config { get; }
    public Option<string?>? Environment { get; }
    public Option<bool> System { get; } = new("--system") { Description = "Use the system folders (default)" };
    public Option<bool> User { get; } = new("--user") { Description = "Use the user folders" };

    private InstanceOptions(bool withConfig)
    {
        if (!withConfig) return;
        Config = new("--config", "-c") { Description = "Path to a configuration file; overrides --name" };
        Environment = new("--environment", "-e")
        {
            Description = "Environment of a file with 'application'/'environments' sections: application, dev, test, acc or prod",
        };
    }

    /// <summary>The full block: name, config, environment, system/user (start, files, remove, import, shell).</summary>
    public static InstanceOptions WithConfig() => new(withConfig: true);

    /// <summary>Name and scope only (new, stop, attach, version).</summary>
    public static InstanceOptions NameOnly() => new(withConfig: false);

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        if (Config is not null) command.Options.Add(Config);
        if (Environment is not null) command.Options.Add(Environment);
        command.Options.Add(System);
        command.Options.Add(User);
    }

    /// <summary>System unless <c>--user</c>; when both are given the last one wins.</summary>
    public InstanceScope Scope(ParseResult result)
    {
        var tokens = result.Tokens.Select(t => t.Value).ToList();
        return tokens.LastIndexOf("--user") > tokens.LastIndexOf("--system") ? InstanceScope.User : InstanceScope.System;
    }

    /// <summary>The checked <c>--name</c>, or null when not given.</summary>
    public string? GivenName(ParseResult result) =>
        result.GetValue(Name) is { } name ? ServerInstance.CheckName(name) : null;

    /// <summary>The instance named by <c>--name</c> (no configuration file needed: stop, attach, version).</summary>
    public ServerInstance? GivenInstance(ParseResult result) =>
        GivenName(result) is { } name ? new ServerInstance(name, Scope(result)) : null;

    /// <summary>
    /// §1.4: <c>--config</c> (absolute, else in the scope's folder, else the current folder), else <c>--name</c> in the
    /// scope's folders or the current folder, else a choice among the scope's configurations.
    /// </summary>
    public ResolvedConfig Resolve(ParseResult result)
    {
        var scope = Scope(result);
        var environment = Environment is null ? null : result.GetValue(Environment);
        if (Config is not null && result.GetValue(Config) is { } config)
        {
            var candidates = Path.IsPathRooted(config)
                ? [config]
                : ConfigFolders.SearchDirectories(scope).Select(d => Path.Combine(d, config)).Append(Path.GetFullPath(config)).ToList();
            var file = candidates.FirstOrDefault(File.Exists)
                       ?? throw new CliException($"Could not find configuration file \"{config}\"!? Tried: {string.Join(", ", candidates)}");
            var stem = global::System.Environment.GetEnvironmentVariable("VANTAGE6_CONFIG_NAME") is { Length: > 0 } env
                ? env
                : Path.GetFileNameWithoutExtension(file);
            return new(Path.GetFullPath(file), new ServerInstance(ServerInstance.CheckName(stem), scope), environment);
        }
        var name = GivenName(result) ?? ChooseConfiguration(scope);
        var found = FindByName(name, scope)
                    ?? throw new CliException($"Configuration {name} does not exist in the {scope.ToString().ToLowerInvariant()} folders!");
        return new(found, new ServerInstance(name, scope), environment);
    }

    /// <summary>The file of a name in the scope's folders, then <c>./NAME.yaml</c>; null when there is none.</summary>
    public static string? FindByName(string name, InstanceScope scope) =>
        ConfigFolders.SearchDirectories(scope).Append(Directory.GetCurrentDirectory())
            .Select(d => Path.Combine(d, name + ".yaml"))
            .FirstOrDefault(File.Exists);

    private static string ChooseConfiguration(InstanceScope scope)
    {
        var names = ConfigFolders.Configurations(scope).Select(c => c.Name).ToList();
        if (names.Count == 0) throw new CliException("No configurations could be found!");
        return Prompt.Select("Select the configuration you want to use:", names);
    }
}
