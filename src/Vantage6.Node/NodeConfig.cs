using System.Text.RegularExpressions;
using Vantage6.Common.Configuration;

namespace Vantage6.Node;

/// <summary>One configured data source (node-protocol §2.1, cli-and-config §7.3).</summary>
public sealed record NodeDatabase(string Label, string Uri, string Type, IReadOnlyDictionary<string, string> Env, string MountMode)
{
    public static readonly string[] FileTypes = ["csv", "parquet", "excel", "folder"];

    /// <summary>True when the URI names a file or folder on this machine (not a SQL URI, SPARQL endpoint, ...).</summary>
    public bool IsLocalPath => !Uri.Contains("://") && (File.Exists(Uri) || Directory.Exists(Uri));
}

/// <summary>Node policies (node-protocol §2.9).</summary>
public sealed record NodePolicies(
    IReadOnlyList<string>? AllowedAlgorithms,
    IReadOnlyList<string>? AllowedAlgorithmStores,
    bool AllowEitherWhitelistOrStore,
    IReadOnlyList<string>? AllowedUsers,
    IReadOnlyList<string>? AllowedOrganizations,
    bool AllowBasicsAlgorithm);

/// <summary>
/// The node configuration file (cli-and-config §7.3) plus what this node adds for running algorithms without
/// Docker: <c>runtime</c> (<c>process</c> or <c>docker</c>), <c>algorithms</c> (image → local command, the
/// allow-list of the process runtime), <c>algorithm_time_limit</c> (seconds), <c>proxy_port</c> and
/// <c>poll_interval</c> (seconds between REST queue checks while the socket is not connected).
/// </summary>
public sealed class NodeConfig
{
    public required string File { get; init; }
    public required string Name { get; init; }
    public required string ApiKey { get; init; }
    public required string ServerUrl { get; init; }
    public int? Port { get; init; }
    public required string ApiPath { get; init; }
    public required string DataDirectory { get; init; }
    public required string LogDirectory { get; init; }
    public IReadOnlyList<NodeDatabase> Databases { get; init; } = [];
    public bool EncryptionEnabled { get; init; }
    public string? PrivateKeyFile { get; init; }
    public NodePolicies Policies { get; init; } = new(null, null, false, null, null, true);
    public bool ShareAlgorithmLogs { get; init; } = true;
    public bool ShareConfig { get; init; } = true;
    public IReadOnlyDictionary<string, string> AlgorithmEnv { get; init; } = new Dictionary<string, string>();
    public string Runtime { get; init; } = "process";
    public IReadOnlyDictionary<string, string> Algorithms { get; init; } = new Dictionary<string, string>();
    public TimeSpan AlgorithmTimeLimit { get; init; } = TimeSpan.FromHours(1);
    public int ProxyPort { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
    public string LogLevel { get; init; } = "INFO";
    public string DockerSocket { get; init; } = "/var/run/docker.sock";

    /// <summary>REST base: <c>server_url[:port]api_path</c>.</summary>
    public string ApiBase => HostBase + ApiPath;

    /// <summary>Scheme, host and port: where the socket and <c>refresh_url</c> live.</summary>
    public string HostBase => Port is { } p ? $"{ServerUrl}:{p}" : ServerUrl;

    public static bool IsIdentifier(string s) => Regex.IsMatch(s, "^[A-Za-z_][A-Za-z0-9_]*$");

    public static NodeConfig Load(string file, string name, string defaultDataDirectory, string defaultLogDirectory)
    {
        var root = new YamlSection(file, "", YamlDocument.LoadMapping(file));
        var directories = root.Section("directories");
        var data = directories?.String("data") ?? defaultDataDirectory;
        var log = directories?.String("log") ?? defaultLogDirectory;
        var serverUrl = (root.String("server_url", required: true) ?? "").TrimEnd('/');
        var encryption = root.Section("encryption");
        var privateKey = encryption?.String("private_key") is { Length: > 0 } pk ? pk : null;
        if (Environment.GetEnvironmentVariable("PRIVATE_KEY") is { Length: > 0 } envKey) privateKey = envKey;
        privateKey ??= "private_key.pem";
        if (!Path.IsPathRooted(privateKey)) privateKey = Path.Combine(data, privateKey);

        var databases = new List<NodeDatabase>();
        var rawDatabases = root.Raw("databases") switch
        {
            IReadOnlyList<object?> list => list,
            IReadOnlyDictionary<string, object?> one when one.ContainsKey("label") => [one],
            // 3.x form: label → uri
            IReadOnlyDictionary<string, object?> map => map.Select(kv => (object?)new Dictionary<string, object?> { ["label"] = kv.Key, ["uri"] = kv.Value }).ToList(),
            _ => [],
        };
        foreach (var item in rawDatabases)
        {
            if (item is not IReadOnlyDictionary<string, object?> db) throw new ConfigurationException($"Invalid configuration '{file}': every database must be a mapping with label and uri");
            var section = new YamlSection(file, "databases", db);
            var label = section.String("label", required: true)!;
            if (!IsIdentifier(label)) throw new ConfigurationException($"Invalid configuration '{file}': database label '{label}' must be an identifier (letters, digits, underscore; not starting with a digit)");
            var uri = section.String("uri", required: true)!;
            var mode = section.String("mount_mode") ?? "copy";
            if (mode is not ("copy" or "ro")) throw new ConfigurationException($"Invalid configuration '{file}': mount_mode of database '{label}' must be copy or ro");
            var env = section.Section("env") is { } envSection
                ? envSection.Keys.ToDictionary(k => k, k => envSection.String(k) ?? "")
                : new Dictionary<string, string>();
            var type = section.String("type") ?? "csv";
            if (!uri.Contains("://") && !Path.IsPathRooted(uri) && type != "other") uri = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, uri));
            databases.Add(new NodeDatabase(label, uri, type, env, mode));
        }
        if (databases.Select(d => d.Label).Distinct().Count() != databases.Count)
            throw new ConfigurationException($"Invalid configuration '{file}': database labels must be unique");

        var policies = root.Section("policies");
        var algorithms = root.Section("algorithms") is { } algSection
            ? algSection.Keys.ToDictionary(k => k, k => algSection.String(k) ?? "")
            : new Dictionary<string, string>();
        var algorithmEnv = root.Section("algorithm_env") is { } envs
            ? envs.Keys.ToDictionary(k => k, k => envs.String(k) ?? "")
            : new Dictionary<string, string>();
        var runtime = root.String("runtime") ?? "process";
        if (runtime is not ("process" or "docker")) throw new ConfigurationException($"Invalid configuration '{file}': runtime must be process or docker");
        return new NodeConfig
        {
            File = file,
            Name = name,
            ApiKey = root.String("api_key", required: true)!,
            ServerUrl = serverUrl,
            Port = root.Int("port"),
            ApiPath = root.String("api_path") ?? "/api",
            DataDirectory = data,
            LogDirectory = log,
            Databases = databases,
            EncryptionEnabled = encryption?.Bool("enabled") ?? false,
            PrivateKeyFile = privateKey,
            Policies = new NodePolicies(
                policies?.StringOrList("allowed_algorithms"),
                policies?.StringOrList("allowed_algorithm_stores"),
                policies?.Bool("allow_either_whitelist_or_store") ?? false,
                policies?.StringOrList("allowed_users"),
                policies?.StringOrList("allowed_organizations"),
                policies?.Bool("allow_basics_algorithm") ?? true),
            ShareAlgorithmLogs = root.Bool("share_algorithm_logs") ?? true,
            ShareConfig = root.Bool("share_config") ?? true,
            AlgorithmEnv = algorithmEnv,
            Runtime = runtime,
            Algorithms = algorithms,
            AlgorithmTimeLimit = TimeSpan.FromSeconds(root.Number("algorithm_time_limit") ?? 3600),
            ProxyPort = root.Int("proxy_port") ?? 0,
            PollInterval = TimeSpan.FromSeconds(root.Number("poll_interval") ?? 5),
            LogLevel = root.Section("logging")?.String("level") ?? "INFO",
            DockerSocket = root.String("docker_socket") ?? "/var/run/docker.sock",
        };
    }
}
