using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Common;
using Vantage6.Common.Cli;
using Vantage6.Common.Crypto;
using Vantage6.Node;

namespace Vantage6.NodeCli;

/// <summary>Configuration commands: <c>new</c>, <c>list</c>, <c>files</c>, <c>set-api-key</c>, <c>remove</c>, <c>version</c>.</summary>
internal static class ConfigCommands
{
    public static Command New()
    {
        var options = new NodeOptions(withConfig: false);
        var apiKey = new Option<string?>("--api-key") { Description = "API key of the node (skips the wizard: every other answer from options or defaults)" };
        var serverUrl = new Option<string?>("--server-url") { Description = "Base URL of the server (default http://localhost)" };
        var port = new Option<int?>("--port") { Description = "Port of the server (default 7601, 443 for https)" };
        var apiPath = new Option<string?>("--api-path") { Description = "API path (default /api)" };
        var database = new Option<string[]>("--database") { Description = "LABEL=URI[:TYPE], repeatable (type default csv)", AllowMultipleArgumentsPerToken = false };
        var algorithm = new Option<string[]>("--algorithm") { Description = "IMAGE=COMMAND for the process runtime, repeatable" };
        var privateKey = new Option<string?>("--private-key") { Description = "Enable encryption with this private key file" };
        var command = new Command("new", "Create a node configuration (wizard, or non-interactive with --api-key).");
        command.WithHelp(null,
            "vnode new --name hospital-a",
            "vnode new --name hospital-a --api-key 123e4567-e89b-12d3-a456-426614174001 --server-url http://127.0.0.1 --port 7601 --database default=/data/a.csv --algorithm average='python3 /opt/average.py'");
        options.AddTo(command);
        foreach (var o in new Option[] { apiKey, serverUrl, port, apiPath, database, algorithm, privateKey }) command.Options.Add(o);
        command.SetAction(result =>
        {
            Prompt.AbortMessage = "Configuration creation aborted.";
            var scope = options.Scope(result);
            var name = result.GetValue(options.Name) is { } n ? NodeInstance.CheckName(n) : NodeInstance.CheckName(Prompt.Text("Please enter a configuration-name:"));
            var instance = new NodeInstance(name, scope);
            if (File.Exists(instance.ConfigFile)) throw new CliException($"Configuration {name} already exists!");
            string yaml;
            if (result.GetValue(apiKey) is { } key)
            {
                var url = (result.GetValue(serverUrl) ?? "http://localhost").TrimEnd('/');
                var dbs = (result.GetValue(database) ?? []).Select(ParseDatabase).ToList();
                var algs = (result.GetValue(algorithm) ?? []).Select(a => a.Split('=', 2)).Select(p => p.Length == 2 ? (p[0], p[1]) : throw new CliException($"--algorithm must be IMAGE=COMMAND, not '{string.Join('=', p)}'")).ToList();
                yaml = Render(key, url, result.GetValue(port) ?? (url.StartsWith("https") ? 443 : 7601), result.GetValue(apiPath) ?? "/api",
                    instance.Locations.DataDirectory, dbs, algs, result.GetValue(privateKey), null, "INFO");
            }
            else yaml = Wizard(instance);
            try
            {
                Directory.CreateDirectory(instance.Locations.ConfigDirectory);
                File.WriteAllText(instance.ConfigFile, yaml);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException("Cannot write configuration file. Exiting...");
            }
            Out.Info($"New configuration created: {instance.ConfigFile}");
            Out.Info($"You can start the node by running vnode start{instance.ScopeFlag}");
            return 0;
        });
        return command;
    }

    private static (string Label, string Uri, string Type) ParseDatabase(string spec)
    {
        var eq = spec.IndexOf('=');
        if (eq <= 0) throw new CliException($"--database must be LABEL=URI[:TYPE], not '{spec}'");
        var label = spec[..eq];
        var rest = spec[(eq + 1)..];
        var type = "csv";
        var colon = rest.LastIndexOf(':');
        if (colon > 0 && !rest[(colon + 1)..].Contains('/') && rest[(colon + 1)..] is { Length: > 0 } t && t.All(char.IsLetter)) { type = t; rest = rest[..colon]; }
        if (!NodeConfig.IsIdentifier(label)) throw new CliException($"Database label '{label}' must be an identifier (letters, digits, underscore; not starting with a digit)");
        return (label, rest, type);
    }

    private static string Wizard(NodeInstance instance)
    {
        var key = Prompt.Text("Enter given api-key:");
        var url = Prompt.Text("The base-URL of the server:", "http://localhost").TrimEnd('/');
        var port = int.Parse(Prompt.Text("Enter port to which the server listens:", url.StartsWith("https") ? "443" : "7601",
            v => int.TryParse(v, out var p) && p is > 0 and < 65536 ? null : "The port must be a number"));
        var apiPath = Prompt.Text("Path of the api:", "/api");
        var taskDir = Prompt.Text("Task directory path:", instance.Locations.DataDirectory);
        var dbs = new List<(string, string, string)>();
        while (Prompt.Confirm("Do you want to add a database?", true))
        {
            var label = Prompt.Text("Enter unique label for the database:", "default",
                v => !NodeConfig.IsIdentifier(v) ? "The label must be an identifier" : dbs.Any(d => d.Item1 == v) ? "This label is already used" : null);
            var uri = Prompt.Text("Database URI:");
            var type = Prompt.Select("Database type:", ["csv", "parquet", "sql", "sparql", "excel", "other"]);
            dbs.Add((label, uri, type));
        }
        var algorithms = new List<(string, string)>();
        List<string>? allowed = null;
        if (Prompt.Confirm("Do you want to limit the algorithms allowed to run on your node? This should always be done for production scenarios.", true)
            && Prompt.Confirm("Do you want to enter a list of allowed algorithms?", true))
        {
            allowed = [];
            do allowed.Add(Prompt.Text("Enter your algorithm expression:"));
            while (Prompt.Confirm("Do you want to add another algorithm expression?", false));
        }
        while (Prompt.Confirm("Do you want to add an algorithm for the process runtime (image and local command)?", false))
            algorithms.Add((Prompt.Text("Image name of the algorithm:"), Prompt.Text("Command that runs it (e.g. python3 /opt/average.py):")));
        var level = Prompt.Select("Which level of logging would you like?", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
        bool? encrypted = null;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var apiBase = $"{url.Replace("host.docker.internal", "localhost")}:{port}{apiPath}";
            Out.Info($"Connecting to server at '{apiBase}'");
            using var login = http.PostAsJsonAsync(apiBase + "/token/node", new { api_key = key }).GetAwaiter().GetResult();
            var token = (string?)JsonNode.Parse(login.Content.ReadAsStringAsync().GetAwaiter().GetResult())?["access_token"] ?? throw new InvalidOperationException($"login failed ({(int)login.StatusCode})");
            var id = (int?)ServerApi.DecodeJwt(token)?["sub"];
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var node = JsonNode.Parse(http.GetStringAsync($"{apiBase}/node/{id}").GetAwaiter().GetResult());
            var collab = JsonNode.Parse(http.GetStringAsync($"{apiBase}/collaboration/{(int?)node?["collaboration"]?["id"]}").GetAwaiter().GetResult());
            encrypted = (bool?)collab?["encrypted"] ?? false;
            Prompt.Confirm($"Encryption is {(encrypted == true ? "enabled" : "disabled")} for this collaboration. Accept?", true);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException or System.Text.Json.JsonException)
        {
            Out.Warn($"Could not authenticate with server: {e.Message}");
            Out.Warn("Please check (1) your API key and (2) if your server is online");
            Out.Warn("You will have to enter the collaboration settings manually");
            if (Prompt.Confirm("Do you want to abort?", true)) Environment.Exit(0);
            encrypted = Prompt.Confirm("Enable encryption?", true);
        }
        var privateKey = encrypted == true ? Prompt.Text("Path to private key file:") : null;
        return Render(key, url, port, apiPath, taskDir, dbs, algorithms, privateKey, allowed, level);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Render(string apiKey, string url, int port, string apiPath, string taskDir,
        List<(string Label, string Uri, string Type)> databases, List<(string, string)> algorithms, string? privateKey,
        List<string>? allowedAlgorithms, string level)
    {
        var sb = new StringBuilder();
        sb.Append($"api_key: {Quote(apiKey)}\nserver_url: {Quote(url)}\nport: {port}\napi_path: {Quote(apiPath)}\ntask_dir: {Quote(taskDir)}\n");
        sb.Append("databases:");
        if (databases.Count == 0) sb.Append(" []\n");
        else
        {
            sb.Append('\n');
            foreach (var (label, uri, type) in databases) sb.Append($"  - label: {label}\n    uri: {Quote(uri)}\n    type: {type}\n");
        }
        sb.Append($"encryption:\n  enabled: {(privateKey is not null ? "true" : "false")}\n  private_key: {Quote(privateKey ?? "")}\n");
        sb.Append("runtime: process\n");
        if (algorithms.Count > 0)
        {
            sb.Append("algorithms:\n");
            foreach (var (image, command) in algorithms) sb.Append($"  {Quote(image)}: {Quote(command)}\n");
        }
        if (allowedAlgorithms is not null)
        {
            sb.Append("policies:\n  allowed_algorithms:\n");
            foreach (var a in allowedAlgorithms) sb.Append($"    - {Quote(a)}\n");
        }
        sb.Append($"logging:\n  level: {level}\n  use_console: true\n  backup_count: 5\n  max_size: 1024\n");
        return sb.ToString();
    }

    public static Command List()
    {
        var command = new Command("list", "List the node configurations and whether they are running.");
        command.SetAction(_ =>
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine($"{"Name",-25}{"Status",-25}System/User");
            Console.Out.WriteLine(new string('-', 53));
            foreach (var scope in new[] { InstanceScope.System, InstanceScope.User })
                foreach (var instance in NodeInstance.Configured(scope))
                {
                    var status = instance.RunningPid() is not null ? Out.Green("Running") : Out.Red("Not running");
                    var pad = 25 + status.Length - (instance.RunningPid() is not null ? "Running" : "Not running").Length;
                    Console.Out.WriteLine($"{instance.Name,-25}{status.PadRight(pad)}{(scope == InstanceScope.System ? "System " : "User   ")}");
                }
            Console.Out.WriteLine(new string('-', 53));
            return 0;
        });
        return command;
    }

    public static Command Files()
    {
        var options = new NodeOptions(withConfig: false);
        var command = new Command("files", "Print the configuration file, log file, data folder and databases of a node.");
        options.AddTo(command);
        command.SetAction(result =>
        {
            var (instance, file) = options.Resolve(result);
            var config = instance.Load(file);
            Out.Info($"Configuration file = {file}");
            Out.Info($"Log file           = {Path.Combine(config.LogDirectory, $"node_{instance.ScopeName}.log")}");
            Out.Info($"data folders       = {config.DataDirectory}");
            Out.Info("Database labels and files");
            foreach (var db in config.Databases) Out.Info($" - {db.Label,-15} = {db.Uri} (type: {db.Type})");
            return 0;
        });
        return command;
    }

    public static Command SetApiKey()
    {
        var options = new NodeOptions(withConfig: false);
        var key = new Option<string?>("--api-key") { Description = "The new API key" };
        var command = new Command("set-api-key", "Put a new API key in a node configuration.");
        options.AddTo(command);
        command.Options.Add(key);
        command.SetAction(result =>
        {
            var (instance, file) = options.Resolve(result);
            var value = result.GetValue(key) ?? Prompt.Text("Please enter your new API key:");
            SetKey(file, "api_key", Quote(value));
            Out.Info($"Your new API key has been uploaded to the config file {file}.");
            return 0;
        });
        return command;
    }

    /// <summary>Replaces (or adds) a top-level scalar key, keeping the rest of the file as written.</summary>
    public static void SetKey(string file, string key, string value)
    {
        var lines = File.ReadAllLines(file).ToList();
        var index = lines.FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        if (index >= 0) lines[index] = $"{key}: {value}";
        else lines.Insert(0, $"{key}: {value}");
        File.WriteAllText(file, string.Join('\n', lines) + "\n");
    }

    /// <summary>Sets <c>encryption.enabled</c> and <c>encryption.private_key</c>, replacing an existing block.</summary>
    public static void SetEncryption(string file, string privateKey)
    {
        var lines = File.ReadAllLines(file).ToList();
        var index = lines.FindIndex(l => l.StartsWith("encryption:", StringComparison.Ordinal));
        if (index >= 0)
        {
            var end = index + 1;
            while (end < lines.Count && (lines[end].StartsWith(' ') || lines[end].Length == 0)) end++;
            lines.RemoveRange(index, end - index);
        }
        else index = lines.Count;
        lines.InsertRange(index, ["encryption:", "  enabled: true", $"  private_key: {Quote(privateKey)}"]);
        File.WriteAllText(file, string.Join('\n', lines) + "\n");
    }

    public static Command Remove()
    {
        var options = new NodeOptions(withConfig: false);
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask for confirmation" };
        var command = new Command("remove", "Remove a node configuration and its data and log folders.");
        options.AddTo(command);
        command.Options.Add(force);
        command.SetAction(result =>
        {
            var instance = options.Instance(result);
            if (instance.RunningPid() is not null) throw new CliException($"Node {instance.Name} is still running! Please stop the node before deleting it.");
            if (!File.Exists(instance.ConfigFile)) throw new CliException($"Configuration {instance.Name} does not exist in the {instance.ScopeName} folders!");
            if (!result.GetValue(force) && !Prompt.Confirm($"This node will be deleted permanently including its configuration. Are you sure?", false))
            {
                Out.Info("Node will not be deleted");
                return 0;
            }
            var config = instance.Load();
            foreach (var dir in new[] { config.DataDirectory, config.LogDirectory, instance.Locations.DataDirectory, Path.Combine(instance.Locations.ConfigDirectory, instance.Name) }.Distinct())
                if (Directory.Exists(dir)) { Directory.Delete(dir, recursive: true); Out.Info($"Removed {dir}"); }
            File.Delete(instance.ConfigFile);
            Out.Info($"Removed configuration file {instance.ConfigFile}");
            return 0;
        });
        return command;
    }

    public static Command Version()
    {
        var options = new NodeOptions(withConfig: false);
        var command = new Command("version", "Print the version of a running node and of this CLI.");
        options.AddTo(command);
        command.SetAction(result =>
        {
            var running = StartStopCommands.AllRunning();
            if (running.Count == 0) throw new CliException("No nodes are running! You can only check the version for nodes that are running");
            var instance = result.GetValue(options.Name) is { } name ? new NodeInstance(name, options.Scope(result))
                : running.Count == 1 ? running[0].Instance
                : running.First(r => r.Instance.Key == Prompt.Select("Select the node you wish to inspect:", running.Select(x => x.Instance.Key).ToList())).Instance;
            if (instance.RunningPid() is null) throw new CliException($"Node {instance.Name} is not running! Cannot provide version...");
            Console.Out.WriteLine($"{{'node': '{NodeVersion.Current}\\n', 'cli': '{NodeVersion.Current}'}}");
            return 0;
        });
        return command;
    }
}
