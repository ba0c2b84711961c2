using System.CommandLine;
using Vantage6.Common;
using Vantage6.Common.Cli;

namespace Vantage6.NodeCli;

/// <summary>The name/config/scope options of node commands; the default scope is user (cli-and-config §7.1).</summary>
internal sealed class NodeOptions
{
    public Option<string?> Name { get; } = new("--name", "-n") { Description = "Configuration name" };
    public Option<string?> Config { get; } = new("--config", "-c") { Description = "Path to a configuration file; overrides --name" };
    public Option<bool> System { get; } = new("--system") { Description = "Use the system folders" };
    public Option<bool> User { get; } = new("--user") { Description = "Use the user folders (default)" };
    private readonly bool _withConfig;

    public NodeOptions(bool withConfig = true) => _withConfig = withConfig;

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        if (_withConfig) command.Options.Add(Config);
        command.Options.Add(System);
        command.Options.Add(User);
    }

    public InstanceScope Scope(ParseResult result)
    {
        var tokens = result.Tokens.Select(t => t.Value).ToList();
        return tokens.LastIndexOf("--system") > tokens.LastIndexOf("--user") ? InstanceScope.System : InstanceScope.User;
    }

    /// <summary>The instance and its configuration file: <c>--config</c>, else <c>--name</c>, else a choice.</summary>
    public (NodeInstance Instance, string File) Resolve(ParseResult result)
    {
        var scope = Scope(result);
        if (_withConfig && result.GetValue(Config) is { } config)
        {
            var file = Path.GetFullPath(config);
            if (!File.Exists(file)) throw new CliException($"Could not find configuration file \"{config}\"!?");
            return (new NodeInstance(NodeInstance.CheckName(Path.GetFileNameWithoutExtension(file)), scope), file);
        }
        var instance = Instance(result);
        if (!File.Exists(instance.ConfigFile))
            throw new CliException($"Configuration {instance.Name} does not exist in the {instance.ScopeName} folders!");
        return (instance, instance.ConfigFile);
    }

    /// <summary>The instance by <c>--name</c> (or a choice among the configured ones); no file needed.</summary>
    public NodeInstance Instance(ParseResult result)
    {
        var scope = Scope(result);
        if (result.GetValue(Name) is { } name) return new NodeInstance(NodeInstance.CheckName(name), scope);
        var names = NodeInstance.Configured(scope).Select(i => i.Name).ToList();
        if (names.Count == 0) throw new CliException("No configurations could be found!");
        return new NodeInstance(names.Count == 1 ? names[0] : Prompt.Select("Select the configuration you want to use:", names), scope);
    }
}
