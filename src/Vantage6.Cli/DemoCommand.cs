using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Vantage6.Admin.Import;
using Vantage6.Client;
using Vantage6.Common;

namespace Vantage6.Cli;

/// <summary>
/// <c>vserver demo</c>: a complete vantage6 network on this machine in one command (user folders, SQLite): a
/// server, three organizations with a user each, a collaboration and three nodes holding the example data; it runs
/// the example algorithm through the client library and prints the partial and combined results.
/// <c>--stop</c> stops it all, <c>--remove</c> deletes it all.
/// </summary>
internal static class DemoCommand
{
    public const int DefaultPort = 7601;

    public static Command Create()
    {
        var port = new Option<int?>("--port", "-p") { Description = $"Port of the demo server on 127.0.0.1 (default {DefaultPort}, or the port of the existing demo)" };
        var stop = new Option<bool>("--stop") { Description = "Stop the demo server and nodes (files stay; run 'vserver demo' again to restart)" };
        var remove = new Option<bool>("--remove") { Description = "Stop the demo and delete all its files (configurations, databases, logs, keys)" };
        var command = new Command("demo", "Create, start and try a demo network: a server, three organizations with their nodes and the example algorithm.");
        command.WithHelp("""
            The first run creates everything in your user folders (no root needed) and takes a minute; later runs
            reuse the running demo and only run the algorithm again. A broken or half-created demo is recreated.
            """,
            "vserver demo",
            "vserver demo --port 7602",
            "vserver demo --stop",
            "vserver demo --remove");
        foreach (var o in new Option[] { port, stop, remove }) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(stop) && result.GetValue(remove)) throw new CliException("Give either --stop or --remove, not both");
            var network = new DemoNetwork(RepositoryRoot());
            if (result.GetValue(remove))
            {
                await network.RemoveAsync();
                Out.Info("The demo network is removed: nothing is running and its files are deleted.");
                return 0;
            }
            if (result.GetValue(stop))
            {
                await network.StopAsync();
                Out.Info("The demo network is stopped. Start it again with './vserver demo', delete it with './vserver demo --remove'.");
                return 0;
            }
            await network.RunAsync(result.GetValue(port), ct);
            return 0;
        });
        return command;
    }

    /// <summary>The checkout this program was built from: it holds the example algorithm and data.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, DemoNetwork.AlgorithmPath)))
                return dir.FullName;
        throw new CliException($"Cannot find {DemoNetwork.AlgorithmPath}: run the demo from a checkout of this repository (./vserver demo)");
    }
}

/// <summary>The demo network's parts, files and steps.</summary>
internal sealed class DemoNetwork(string repositoryRoot)
{
    public const string AlgorithmPath = "examples/algorithms/average.py";
    public const string Name = "demo";
    public const string Password = "demo-password";
    public const string Collaboration = "demo";
    public const string Image = "demo/average";
    public const string Column = "age";
    private static readonly TimeSpan NodeOnlineTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(180);

    public static readonly DemoOrganization[] Organizations =
    [
        new("Hospital A", "hospital-a", "alice", "hospital_a.csv"),
        new("Hospital B", "hospital-b", "bob", "hospital_b.csv"),
        new("Hospital C", "hospital-c", "carol", "hospital_c.csv"),
    ];

    private readonly ServerInstance _server = new(Name, InstanceScope.User);
    private string ServerConfigFile => Path.Combine(_server.Locations.ConfigDirectory, Name + ".yaml");
    private static string NodeName(DemoOrganization org) => $"{Name}-{org.Slug}";
    private static InstanceLocations NodeLocations(DemoOrganization org) => InstanceLocations.For("node", NodeName(org), InstanceScope.User);
    private static string NodeConfigFile(DemoOrganization org) => Path.Combine(NodeLocations(org).ConfigDirectory, NodeName(org) + ".yaml");

    private static void Step(int number, string text) => Out.Info($"[{number}/8] {text}");

    public async Task RunAsync(int? requestedPort, CancellationToken ct)
    {
        try { await RunOnceAsync(requestedPort, allowRecreate: true, ct); }
        catch (Exception e) when (e is V6ApiException or HttpRequestException)
        {
            throw new CliException($"The demo server did not answer as expected: {e.Message}");
        }
    }

    private async Task RunOnceAsync(int? requestedPort, bool allowRecreate, CancellationToken ct)
    {
        var existingPort = ExistingPort();
        var complete = existingPort is not null && Organizations.All(o => File.Exists(NodeConfigFile(o)))
                       && File.Exists(Path.Combine(_server.Locations.DataDirectory, Name + ".sqlite"));
        var port = requestedPort ?? existingPort ?? DemoCommand.DefaultPort;
        if (complete && existingPort != port)
        {
            Out.Info($"The existing demo uses port {existingPort}; recreating it on port {port}");
            complete = false;
        }
        if (!complete && (existingPort is not null || Organizations.Any(o => File.Exists(NodeConfigFile(o)))))
        {
            Out.Info("Found an incomplete demo network: removing it to start afresh");
            await RemoveAsync();
        }
        if (RunningServer.Find(_server) is null) EnsurePortFree(port);

        var apiUrl = $"http://127.0.0.1:{port}/api";
        if (complete)
        {
            Out.Info($"Reusing the demo network in {_server.Locations.DataDirectory}");
            Step(1, "Server configuration exists: " + ServerConfigFile);
        }
        else
        {
            Step(1, $"Creating the server configuration {ServerConfigFile}");
            WriteServerConfig(port);
        }

        var resolved = new ResolvedConfig(ServerConfigFile, _server, null);
        var config = resolved.Load();
        if (!complete)
        {
            Step(2, "Importing organizations Hospital A, B and C with a user each, collaboration 'demo' and its nodes");
            await ImportAsync(config, ct);
        }
        else Step(2, "Organizations, users, collaboration and nodes exist");

        V6Client client;
        int collaborationId;
        try
        {
            (client, collaborationId) = await StartAsync(resolved, config, port, apiUrl, complete, ct);
        }
        catch (Exception e) when (complete && allowRecreate && e is CliException or V6ApiException or HttpRequestException)
        {
            // An existing demo that does not start or answer as it should is recreated from scratch.
            Out.Warn($"The existing demo network does not work ({e.Message}); removing it to start afresh");
            await RemoveAsync();
            await RunOnceAsync(port, allowRecreate: false, ct);
            return;
        }
        using (client)
        {
            await RunAlgorithmAsync(client, collaborationId, ct);
        }
        PrintInstructions(apiUrl);
    }

    /// <summary>Steps 3 to 6: server, node configurations, nodes, logged-in client, nodes online.</summary>
    private async Task<(V6Client, int)> StartAsync(ResolvedConfig resolved, Vantage6.Common.Configuration.ServerConfig config, int port,
        string apiUrl, bool complete, CancellationToken ct)
    {
        if (RunningServer.Find(_server) is { } running) Step(3, $"Server is running at {running.ApiUrl}");
        else
        {
            Step(3, "Starting the server");
            await StartCommand.StartAsync(resolved, config, "127.0.0.1", port);
        }

        if (!complete)
        {
            Step(4, "Creating the node configurations");
            foreach (var org in Organizations) await CreateNodeAsync(org, port);
        }
        else Step(4, "Node configurations exist");

        Step(5, "Starting the nodes");
        foreach (var org in Organizations)
        {
            if (NodeRunning(org)) { Out.Info($"Node {NodeName(org)} is running"); continue; }
            await VnodeAsync(["start", "--name", NodeName(org), "--user"], $"Could not start node {NodeName(org)}");
        }

        var client = new V6Client(apiUrl);
        try
        {
            await client.AuthenticateAsync(Organizations[0].Username, Password, cancellationToken: ct);
            var collaboration = (await client.Collaborations.ListAsync(cancellationToken: ct)).FirstOrDefault(c => c.Name == Collaboration)
                                ?? throw new CliException($"Collaboration '{Collaboration}' is missing");
            await WaitForNodesAsync(client, collaboration.Id, ct);
            return (client, collaboration.Id);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private int? ExistingPort()
    {
        if (!File.Exists(ServerConfigFile)) return null;
        try { return new ResolvedConfig(ServerConfigFile, _server, null).Load().Port; }
        catch (Vantage6.Common.Configuration.ConfigurationException) { return -1; }
    }

    private static void EnsurePortFree(int port)
    {
        try
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
        catch (System.Net.Sockets.SocketException)
        {
            throw new CliException($"Port {port} on 127.0.0.1 is already in use; stop what uses it or choose another port with 'vserver demo --port N'");
        }
    }

    private void WriteServerConfig(int port)
    {
        Directory.CreateDirectory(_server.Locations.ConfigDirectory);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(ServerConfigFile, $"""
            # The demo server of 'vserver demo': SQLite, loopback only. Remove it with 'vserver demo --remove'.
            description: vantage6 demo server
            ip: 127.0.0.1
            port: {port}
            api_path: /api
            uri: sqlite:///{Name}.sqlite
            allow_drop_all: false
            jwt_secret_key: {secret}
            logging:
              level: INFO
              file: {Name}.log
              use_console: false
              backup_count: 1
              max_size: 1024
              format: "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s"
              datefmt: "%Y-%m-%d %H:%M:%S"

            """);
    }

    private async Task ImportAsync(Vantage6.Common.Configuration.ServerConfig config, CancellationToken ct)
    {
        var dataDirectory = _server.DataDirectory(config);
        Directory.CreateDirectory(dataDirectory);
        var yaml = new System.Text.StringBuilder("organizations:\n");
        foreach (var org in Organizations)
            yaml.Append($"""
                  - name: {org.Name}
                    domain: {org.Slug}.example
                    address1: ""
                    address2: ""
                    zipcode: ""
                    country: ""
                    public_key: ""
                    users:
                      - username: {org.Username}
                        password: "{Password}"
                        firstname: {char.ToUpperInvariant(org.Username[0])}{org.Username[1..]}
                        lastname: Demo

                """);
        yaml.Append($"collaborations:\n  - name: {Collaboration}\n    encrypted: false\n    participants:\n");
        foreach (var org in Organizations)
            yaml.Append($"      - name: {org.Name}\n        api_key: {ApiKey(org)}\n");
        var file = Path.Combine(dataDirectory, "import.yaml");
        File.WriteAllText(file, yaml.ToString());
        try
        {
            await ImportRunner.RunAsync(config, dataDirectory, file, dropAll: false, new QuietMessages(), ct);
        }
        catch (ImportException e)
        {
            throw new CliException($"Import of the demo organizations failed: {e.Message}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A fresh key per creation; the import stores its hash and only the node configuration keeps it.</summary>
    private readonly Dictionary<string, string> _apiKeys = [];
    private string ApiKey(DemoOrganization org)
    {
        if (!_apiKeys.TryGetValue(org.Slug, out var key)) _apiKeys[org.Slug] = key = Guid.NewGuid().ToString();
        return key;
    }

    private async Task CreateNodeAsync(DemoOrganization org, int port)
    {
        var csv = Path.Combine(repositoryRoot, "examples", "data", org.Csv);
        var algorithm = $"python3 {Path.Combine(repositoryRoot, AlgorithmPath)}";
        await VnodeAsync(["new", "--name", NodeName(org), "--user", "--api-key", ApiKey(org), "--server-url", "http://127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture), "--api-path", "/api", "--database", $"default={csv}",
            "--algorithm", $"{Image}={algorithm}"], $"Could not create the configuration of node {NodeName(org)}");
        // The nodes check the server often, so a task starts within a second or two also when an event is missed.
        File.AppendAllText(NodeConfigFile(org), "poll_interval: 1\n");
    }

    private static bool NodeRunning(DemoOrganization org)
    {
        var pidFile = Path.Combine(NodeLocations(org).DataDirectory, $"vantage6-{NodeName(org)}-user.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return false;
        if (!OperatingSystem.IsLinux())
        {
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
        }
        try
        {
            var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return args.Contains("run") && args.Contains($"vantage6-{NodeName(org)}-user");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Runs the vnode program built next to this one and shows its output.</summary>
    private static async Task VnodeAsync(string[] arguments, string failure, bool showOutput = true)
    {
        var vnode = Path.Combine(AppContext.BaseDirectory, "vnode.dll");
        if (!File.Exists(vnode)) throw new CliException($"Cannot find {vnode}; rebuild with './vserver --help'");
        var dotnet = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? self : "dotnet";
        var info = new System.Diagnostics.ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(vnode);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new CliException(failure);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = (await output).TrimEnd();
        if (showOutput && text.Length > 0)
            foreach (var line in text.Split('\n')) Console.Out.WriteLine("    " + line.TrimEnd());
        if (process.ExitCode != 0)
        {
            var reason = (text + "\n" + await errors).Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "no output";
            throw new CliException($"{failure}: {reason}");
        }
    }

    private static async Task WaitForNodesAsync(V6Client client, int collaborationId, CancellationToken ct)
    {
        Step(6, "Waiting until the three nodes are online");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var nodes = await client.Nodes.ListAsync(collaborationId: collaborationId, cancellationToken: ct);
            // Online over the event channel, or (when a node reaches the server by polling) seen in the last seconds.
            var now = DateTime.UtcNow;
            var offline = nodes.Where(n => n.Status != "online"
                                           && !(n.LastSeen is { } seen && now - DateTime.SpecifyKind(seen, DateTimeKind.Utc) < TimeSpan.FromSeconds(20)))
                .Select(n => n.Name).ToList();
            if (offline.Count == 0 && nodes.Count == Organizations.Length)
            {
                Out.Info($"All {nodes.Count} nodes are online");
                return;
            }
            if (watch.Elapsed > NodeOnlineTimeout)
                throw new CliException($"Nodes still offline after {NodeOnlineTimeout.TotalSeconds:0} s: {string.Join(", ", offline)} (see 'vnode attach --name <node>')");
            await Task.Delay(500, ct);
        }
    }

    private static async Task RunAlgorithmAsync(V6Client client, int collaborationId, CancellationToken ct)
    {
        var organizations = await client.Organizations.ListAsync(collaborationId: collaborationId, cancellationToken: ct);
        var names = organizations.ToDictionary(o => o.Id, o => o.Name);
        var initiator = client.Whoami!.OrganizationId;
        Step(7, $"Running the example algorithm as {client.Whoami.Username}: average '{Column}' over the three organizations ({AlgorithmPath})");
        var task = await client.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = collaborationId,
            Organizations = [initiator],
            Name = "demo average",
            Description = "vserver demo: federated mean of the example data",
            Image = Image,
            Input = new TaskInput { Method = "central_average", Kwargs = new Dictionary<string, object?> { ["column_name"] = Column } },
            Databases = [new DatabaseSelection { Label = "default" }],
        }, ct);
        Out.Info($"Created task {task.Id}; waiting for its result");
        var wait = new WaitOptions { InitialInterval = TimeSpan.FromMilliseconds(500), MaxInterval = TimeSpan.FromSeconds(2), Timeout = TaskTimeout };
        IReadOnlyList<TaskResult> central;
        try { central = await client.Tasks.WaitForResultsAsync(task.Id, wait, ct); }
        catch (V6TaskFailedException e) { throw new CliException($"The algorithm failed: {e.Message} (see the node logs with 'vnode attach')"); }
        catch (TimeoutException e) { throw new CliException(e.Message); }

        Step(8, "Results");
        foreach (var subtask in await client.Tasks.ListAsync(parentId: task.Id, cancellationToken: ct))
        {
            var runs = await client.Runs.FromTaskAsync(subtask.Id, ct);
            var results = await client.Results.FromTaskAsync(subtask.Id, ct);
            foreach (var run in runs.OrderBy(r => r.Organization?.Id))
            {
                var partial = results.FirstOrDefault(r => r.RunId == run.Id)?.Parse();
                var sum = (double?)partial?["sum"];
                var count = (int?)(double?)partial?["count"];
                var name = run.Organization is { } o && names.TryGetValue(o.Id, out var n) ? n : $"organization {run.Organization?.Id}";
                Console.Out.WriteLine(sum is { } s && count is > 0
                    ? $"    partial result of {name}: count = {count}, sum = {Format(s)}, mean = {Format(s / count.Value)}"
                    : $"    partial result of {name}: {partial?.ToJsonString() ?? "(none)"}");
            }
        }
        var combined = central.FirstOrDefault()?.Parse();
        var average = (double?)combined?["average"] ?? throw new CliException($"The algorithm returned no average: {combined?.ToJsonString() ?? "(no result)"}");
        Console.Out.WriteLine($"    combined result: mean {Column} = {Format(average)} over {(int?)(double?)combined?["count"]} records of {(int?)(double?)combined?["organizations"]} organizations");
    }

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private void PrintInstructions(string apiUrl)
    {
        Console.Out.WriteLine();
        Out.Info($"The demo network is running. Server: {apiUrl}");
        Out.Info($"Log in as {string.Join(", ", Organizations.Select(o => $"{o.Username} ({o.Name})"))} with password '{Password}', e.g.:");
        Console.Out.WriteLine($"    curl -s -X POST {apiUrl}/token/user -H 'Content-Type: application/json' -d '{{\"username\":\"{Organizations[0].Username}\",\"password\":\"{Password}\"}}'");
        Out.Info($"Server files: configuration {ServerConfigFile}, data {_server.Locations.DataDirectory}, logs {_server.Locations.LogDirectory}");
        Out.Info($"Node files: configurations in {NodeLocations(Organizations[0]).ConfigDirectory}, logs in {Path.GetDirectoryName(NodeLocations(Organizations[0]).LogDirectory)}");
        Out.Info("Run the algorithm again: './vserver demo'; stop everything: './vserver demo --stop'; delete everything: './vserver demo --remove'");
    }

    public async Task StopAsync()
    {
        foreach (var org in Organizations)
            if (NodeRunning(org))
            {
                Out.Info($"Stopping node {NodeName(org)}");
                await VnodeAsync(["stop", "--name", NodeName(org), "--user"], $"Could not stop node {NodeName(org)}", showOutput: false);
            }
        if (RunningServer.Find(_server) is { } server)
        {
            Out.Info("Stopping the demo server");
            await server.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async Task RemoveAsync()
    {
        await StopAsync();
        foreach (var org in Organizations)
        {
            var locations = NodeLocations(org);
            DeleteFile(NodeConfigFile(org));
            DeleteDirectory(locations.DataDirectory);
            DeleteDirectory(locations.LogDirectory);
            DeleteDirectory(Path.Combine(locations.ConfigDirectory, NodeName(org)));
        }
        DeleteFile(ServerConfigFile);
        DeleteDirectory(_server.Locations.DataDirectory);
        DeleteDirectory(_server.Locations.LogDirectory);
        // Leave no empty vantage6 folders that only the demo created.
        foreach (var type in new[] { "node", "server" })
        {
            var locations = InstanceLocations.For(type, Name, InstanceScope.User);
            foreach (var dir in new[] { locations.ConfigDirectory, Path.GetDirectoryName(locations.DataDirectory)!, Path.GetDirectoryName(locations.LogDirectory)! })
                DeleteIfEmpty(dir);
        }
        var user = InstanceLocations.For("server", Name, InstanceScope.User);
        foreach (var dir in new[] { Path.GetDirectoryName(user.ConfigDirectory)!, Path.GetDirectoryName(Path.GetDirectoryName(user.DataDirectory)!)!,
                     Path.GetDirectoryName(Path.GetDirectoryName(user.LogDirectory)!)!, Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(user.LogDirectory)!)!)! })
            DeleteIfEmpty(dir);
    }

    private static void DeleteFile(string file)
    {
        if (!File.Exists(file)) return;
        File.Delete(file);
        Out.Info($"Removed {file}");
    }

    private static void DeleteDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return;
        Directory.Delete(dir, recursive: true);
        Out.Info($"Removed {dir}");
    }

    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The import's own messages are details here: only warnings and errors are shown.</summary>
    private sealed class QuietMessages : Vantage6.Admin.IMessages
    {
        public void Info(string text) { }
        public void Debug(string text) { }
        public void Warn(string text) => Out.Warn(text);
        public void Error(string text) => Out.Error(text);
    }
}

internal sealed record DemoOrganization(string Name, string Slug, string Username, string Csv);
