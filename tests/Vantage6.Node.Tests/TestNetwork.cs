using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Common.Encryption;

// Tests start real server and node processes; one at a time keeps the shared machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Vantage6.Node.Tests;

public sealed record ProcessResult(int ExitCode, string Output, string Errors);

/// <summary>
/// A small vantage6 network of real processes for end-to-end tests: a <c>vserver</c> (SQLite, loopback) with three
/// organizations (one user each), collaborations <c>plain</c>, <c>secret</c> (encrypted) and <c>faults</c>, and
/// <c>vnode</c> processes started on demand. HOME and the XDG folders point into a temporary folder.
/// </summary>
public sealed class TestNetwork : IAsyncLifetime
{
    private static string Meta(string key) => typeof(TestNetwork).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
    public static readonly string VserverDll = Meta("VserverDll");
    public static readonly string VnodeDll = Meta("VnodeDll");
    public static readonly string RepoRoot = Path.GetFullPath(Meta("RepoRoot"));
    public const string Password = "Password-1!";
    public static readonly string[] Organizations = ["Hospital A", "Hospital B", "Hospital C"];
    public static readonly string[] Users = ["alice", "bob", "carol"];
    public static readonly string[] Csvs = ["hospital_a.csv", "hospital_b.csv", "hospital_c.csv"];

    public string Root { get; } = Directory.CreateTempSubdirectory("vnode-test-").FullName;
    public int Port { get; } = FreePort();
    public string ApiBase => $"http://127.0.0.1:{Port}/api";
    public string ServerConfig => Path.Combine(Root, "server.yaml");
    public Dictionary<string, int> OrgIds { get; } = [];
    public Dictionary<string, int> CollaborationIds { get; } = [];
    public Dictionary<string, RSA> Keys { get; } = [];
    private readonly HashSet<string> _startedNodes = [];

    public static string ApiKey(string collaboration, int org) => collaboration switch
    {
        "plain" => $"00000000-0000-4000-8000-00000000001{org}",
        "secret" => $"00000000-0000-4000-8000-00000000002{org}",
        _ => $"00000000-0000-4000-8000-00000000003{org}",
    };

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public async Task InitializeAsync()
    {
        File.WriteAllText(ServerConfig, $"""
            description: node test server
            ip: 127.0.0.1
            port: {Port}
            api_path: /api
            uri: sqlite:///{Path.Combine(Root, "server.sqlite")}
            allow_drop_all: true
            jwt_secret_key: node-test-secret-key-that-is-long-enough
            logging:
              level: INFO
              file: server.log
              use_console: false
              backup_count: 1
              max_size: 1024
              format: "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
              datefmt: "%Y-%m-%d %H:%M:%S"
            """);
        var import = new StringBuilder("organizations:\n");
        for (var i = 0; i < 3; i++)
            import.Append($"""
                  - name: {Organizations[i]}
                    domain: org{i}.example
                    address1: ""
                    address2: ""
                    zipcode: ""
                    country: ""
                    public_key: ""
                    users:
                      - username: {Users[i]}
                        password: "{Password}"
                        firstname: {Users[i]}
                        lastname: Test

                """);
        import.Append("collaborations:\n");
        foreach (var (name, encrypted) in new[] { ("plain", false), ("secret", true), ("faults", false) })
        {
            import.Append($"  - name: {name}\n    encrypted: {(encrypted ? "true" : "false")}\n    participants:\n");
            for (var i = 0; i < 3; i++) import.Append($"      - name: {Organizations[i]}\n        api_key: {ApiKey(name, i)}\n");
        }
        var importFile = Path.Combine(Root, "import.yaml");
        File.WriteAllText(importFile, import.ToString());
        var imported = await RunAsync(VserverDll, ["import", "--config", ServerConfig, "--user", importFile], 180);
        Assert.True(imported.ExitCode == 0, imported.Output + imported.Errors);
        await StartServerAsync();

        var token = await LoginAsync(0);
        using var http = Http(token);
        foreach (var o in (await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/organization?per_page=100"))!["data"]!.AsArray())
            OrgIds[(string)o!["name"]!] = (int)o["id"]!;
        foreach (var c in (await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/collaboration?per_page=100"))!["data"]!.AsArray())
            CollaborationIds[(string)c!["name"]!] = (int)c["id"]!;
        for (var i = 0; i < 3; i++)
        {
            var rsa = RSA.Create(2048);
            Keys[Organizations[i]] = rsa;
            File.WriteAllText(KeyFile(i), rsa.ExportRSAPrivateKeyPem());
        }
    }

    public string KeyFile(int org) => Path.Combine(Root, $"key_{org}.pem");

    public async Task StartServerAsync()
    {
        var started = await RunAsync(VserverDll, ["start", "--config", ServerConfig, "--user"], 180);
        Assert.True(started.ExitCode == 0, started.Output + started.Errors);
    }

    public async Task StopServerAsync()
    {
        var stopped = await RunAsync(VserverDll, ["stop", "--name", "server", "--user"], 60);
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Errors);
    }

    /// <summary>Node configuration for organization index <paramref name="org"/> in a collaboration.</summary>
    public string WriteNodeConfig(string name, string collaboration, int org, string extraYaml = "")
    {
        var file = Path.Combine(Root, name + ".yaml");
        var faulty = Path.Combine(RepoRoot, "tests", "Vantage6.Node.Tests", "algorithms", "faulty.py");
        File.WriteAllText(file, $"""
            api_key: {ApiKey(collaboration, org)}
            server_url: http://127.0.0.1
            port: {Port}
            api_path: /api
            task_dir: {Path.Combine(Root, "tasks", name)}
            databases:
              - label: default
                uri: {Path.Combine(RepoRoot, "examples", "data", Csvs[org])}
                type: csv
            encryption:
              enabled: {(collaboration == "secret" ? "true" : "false")}
              private_key: {KeyFile(org)}
            runtime: process
            algorithms:
              v6-average: python3 {Path.Combine(RepoRoot, "examples", "algorithms", "average.py")}
              v6-faulty: python3 {faulty}
            poll_interval: 1
            logging:
              level: DEBUG
            {extraYaml}
            """);
        return file;
    }

    public async Task StartNodeAsync(string name, string collaboration, int org, string extraYaml = "")
    {
        var file = WriteNodeConfig(name, collaboration, org, extraYaml);
        var started = await RunAsync(VnodeDll, ["start", "--config", file], 120);
        Assert.True(started.ExitCode == 0, $"vnode start {name}: {started.Output}{started.Errors}\n{NodeLog(name)}");
        _startedNodes.Add(name);
    }

    public async Task StopNodeAsync(string name)
    {
        var stopped = await RunAsync(VnodeDll, ["stop", "--name", name], 60);
        Assert.True(stopped.ExitCode == 0, stopped.Output + stopped.Errors);
        _startedNodes.Remove(name);
    }

    public string NodeDataDirectory(string name) => Path.Combine(Root, "data", "vantage6", "node", name);
    public string NodeLogFile(string name) => Path.Combine(Root, "cache", "vantage6", "log", "node", name, "node_user.log");
    public string NodeLog(string name) => File.Exists(NodeLogFile(name)) ? File.ReadAllText(NodeLogFile(name)) : "(no log)";

    public int? NodePid(string name)
    {
        var file = Path.Combine(NodeDataDirectory(name), $"vantage6-{name}-user.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
    }

    public ProcessStartInfo StartInfo(string dll, IEnumerable<string> args) => SandboxedProcess.StartInfo(Root, dll, args);

    public async Task<ProcessResult> RunAsync(string dll, IEnumerable<string> args, int timeoutSeconds = 120, string? input = null)
    {
        using var process = Process.Start(StartInfo(dll, args))!;
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new ProcessResult(process.ExitCode, await output, await errors);
    }

    // ------------------------------------------------------------------ REST as a user

    public async Task<string> LoginAsync(int org)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync($"{ApiBase}/token/user", new { username = Users[org], password = Password });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        return (string?)body?["access_token"] ?? throw new InvalidOperationException($"login failed: {body}");
    }

    public static HttpClient Http(string token)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Creates a task for the given organizations; inputs encrypted for each in the <c>secret</c> collaboration.</summary>
    public async Task<int> CreateTaskAsync(HttpClient http, string collaboration, string image, int[] orgs, object input)
    {
        using var response = await PostTaskAsync(http, collaboration, image, orgs, input);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (int)JsonNode.Parse(text)!["id"]!;
    }

    /// <summary>POST /task as the given user; the caller checks the answer.</summary>
    public async Task<HttpResponseMessage> PostTaskAsync(HttpClient http, string collaboration, string image, int[] orgs, object input)
    {
        var plain = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(input);
        var organizations = new JsonArray();
        foreach (var org in orgs)
        {
            string encoded;
            if (collaboration == "secret")
            {
                var reply = await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/organization/{OrgIds[Organizations[org]]}");
                using var key = RsaKeys.FromPublicKeyField((string)reply!["public_key"]!);
                encoded = PayloadCryptor.EncryptText(plain, key);
            }
            else encoded = Convert.ToBase64String(plain);
            organizations.Add(new JsonObject { ["id"] = OrgIds[Organizations[org]], ["input"] = encoded });
        }
        var body = new JsonObject
        {
            ["name"] = "test task",
            ["image"] = image,
            ["description"] = "end-to-end test",
            ["collaboration_id"] = CollaborationIds[collaboration],
            ["organizations"] = organizations,
            ["databases"] = new JsonArray(new JsonObject { ["label"] = "default" }),
        };
        return await http.PostAsJsonAsync($"{ApiBase}/task", body);
    }

    public async Task<string> WaitForTaskAsync(HttpClient http, int taskId, TimeSpan timeout, Func<string>? context = null)
    {
        var watch = Stopwatch.StartNew();
        string status = "";
        while (watch.Elapsed < timeout)
        {
            status = (string)(await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/task/{taskId}/status"))!["status"]!;
            if (status is not ("pending" or "initializing" or "active")) return status;
            await Task.Delay(300);
        }
        throw new TimeoutException($"Task {taskId} still '{status}' after {timeout.TotalSeconds} s\n{context?.Invoke()}");
    }

    public async Task<List<JsonObject>> RunsAsync(HttpClient http, int taskId) =>
        (await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/run?task_id={taskId}&per_page=100"))!["data"]!.AsArray().Select(r => r!.AsObject()).ToList();

    /// <summary>Decrypted (or decoded) result texts of a task.</summary>
    public async Task<List<string>> ResultsAsync(HttpClient http, int taskId, string collaboration, int org)
    {
        var reply = await http.GetFromJsonAsync<JsonObject>($"{ApiBase}/result?task_id={taskId}&per_page=100");
        return reply!["data"]!.AsArray().Select(r => (string?)r!["result"] ?? "").Where(r => r.Length > 0)
            .Select(r => Encoding.UTF8.GetString(collaboration == "secret" ? PayloadCryptor.DecryptText(r, Keys[Organizations[org]]) : Convert.FromBase64String(r)))
            .ToList();
    }

    public static (double Mean, int Count) ExpectedAge(IEnumerable<int> orgs)
    {
        var values = orgs.SelectMany(o => File.ReadAllLines(Path.Combine(RepoRoot, "examples", "data", Csvs[o])).Skip(1))
            .Where(l => l.Length > 0).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        return (values.Average(), values.Count);
    }

    public async Task DisposeAsync()
    {
        foreach (var name in _startedNodes.ToList())
        {
            try { await RunAsync(VnodeDll, ["stop", "--name", name, "--force"], 30); } catch (Exception) { }
        }
        try { await RunAsync(VserverDll, ["stop", "--name", "server", "--user"], 30); } catch (Exception) { }
        foreach (var k in Keys.Values) k.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
