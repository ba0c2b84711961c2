using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>Finds the configuration file of a command (cli-and-config §1.4): --config, else --name in the scope's folders.</summary>
internal static class ConfigResolver
{
    public sealed record Resolved(string File, string Name, InstanceScope Scope, InstanceLocations Locations);

    public static Resolved Resolve(string? config, string? name, InstanceScope scope)
    {
        var dirs = InstanceLocations.For("server", "_", scope);
        if (config is not null)
        {
            var candidates = Path.IsPathRooted(config)
                ? [config]
                : new[] { Path.Combine(dirs.ConfigDirectory, config), Path.GetFullPath(config) };
            var file = candidates.FirstOrDefault(File.Exists)
                       ?? throw new CliException($"Could not find configuration file \"{config}\"!? Tried: {string.Join(", ", candidates)}");
            var stem = Environment.GetEnvironmentVariable("VANTAGE6_CONFIG_NAME") is { Length: > 0 } env ? env : Path.GetFileNameWithoutExtension(file);
            return new(Path.GetFullPath(file), stem, scope, InstanceLocations.For("server", stem, scope));
        }
        if (name is null) throw new CliException("Give the configuration with --name NAME or --config FILE");
        name = CheckName(name);
        var folders = new List<string> { dirs.ConfigDirectory };
        if (scope == InstanceScope.System && InstanceLocations.LegacySystemConfigDirectory("server") is { } legacy) folders.Add(legacy);
        folders.Add(Directory.GetCurrentDirectory());
        var found = folders.Select(f => Path.Combine(f, name + ".yaml")).FirstOrDefault(File.Exists)
                    ?? throw new CliException($"Configuration {name} does not exist in the {scope.ToString().ToLowerInvariant()} folders!");
        return new(found, name, scope, InstanceLocations.For("server", name, scope));
    }

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

/// <summary>A failure the user can fix; printed as one <c>[error]</c> line with exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
