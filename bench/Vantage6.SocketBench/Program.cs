using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.SocketBench;

// Socket.IO benchmark: a vantage6 server in a child process on 127.0.0.1 (fresh SQLite database), and
// N node sockets from this process. For each level it prints the server's memory per connection and
// the time from POST /task until every connected node of the collaboration has its new_task event.
//   dotnet run --project bench/Vantage6.SocketBench -c Release -- -n 1000,5000 -t 20 [--settle 30]

if (args.Length >= 3 && args[0] == "--serve") return await ServerChild.RunAsync(args[1], int.Parse(args[2]));

var levels = Arg("-n", "1000,5000").Split(',').Select(int.Parse).ToArray();
var tasks = int.Parse(Arg("-t", "20"));
// Kestrel keeps the buffers of a connect burst in its pool and releases unused ones over the following
// seconds; the settled columns are measured this long after the last task, all sockets still connected.
var settleSeconds = int.Parse(Arg("--settle", "30"));
int maxNodes = levels.Max();
const string Secret = "socket-benchmark-secret-socket-benchmark";

var work = Directory.CreateTempSubdirectory("v6socketbench");
int port = FreePort();
var yaml = Path.Combine(work.FullName, "bench.yaml");
await File.WriteAllTextAsync(yaml, $"""
    description: socket benchmark server
    ip: 127.0.0.1
    port: {port}
    api_path: /api
    uri: sqlite:///bench.sqlite
    allow_drop_all: true
    jwt_secret_key: {Secret}
    logging: {"{"}level: WARNING, file: {Path.Combine(work.FullName, "bench.log")}, use_console: false, backup_count: 1, max_size: 1024, format: "%(message)s", datefmt: ""{"}"}
    """);

var self = Environment.ProcessPath!;
var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
// bench/run.sh lets this process's socket completions run on its event thread (cheaper clients); the
// measured server runs with the runtime's defaults, as vserver starts it.
start.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ServerChild).Assembly.Location);
foreach (var a in new[] { "--serve", yaml, maxNodes.ToString() }) start.ArgumentList.Add(a);
using var server = Process.Start(start)!;
try
{
    var ready = (await server.StandardOutput.ReadLineAsync())?.Split(' ');
    if (ready is not ["ready", var c, var o]) throw new InvalidOperationException("the server did not start");
    int collab = int.Parse(c), firstOrg = int.Parse(o);
    var api = $"http://127.0.0.1:{port}/api";
    var socketUri = new Uri($"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    using var http = new HttpClient();
    var login = await http.PostAsJsonAsync($"{api}/token/user", new { username = "root", password = "root" });
    var root = JsonNode.Parse(await login.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    // Node ids follow the organizations they were created for (one node per organization, in order).
    var nodeIds = await NodeIdsAsync(http, api, root, collab, maxNodes);

    Console.WriteLine($"{"sockets",7} {"connect s",9} {"ws before MB",11} {"ws after MB",11} {"heap before MB",14} {"heap after MB",13} {"KB/socket ws",12} {"KB/socket heap",14} {"tasks",5} {"fan-out p50 ms",14} {"p99 ms",7} {"max ms",7} {"POST p50 ms",11} {"server µs/msg",13} {"client µs/msg",13} {"ws settled MB",13} {"heap settled MB",15}");
    Console.WriteLine(new string('-', 210));
    // Warm-up: JIT of the connect and fan-out paths, not measured.
    await RunLevelAsync(Math.Min(50, maxNodes), 3, print: false);
    foreach (var n in levels) await RunLevelAsync(n, tasks, print: true);
    await server.StandardInput.WriteLineAsync("quit");
    await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    return 0;

    async Task RunLevelAsync(int n, int taskCount, bool print)
    {
        await Task.Delay(1000); // let the previous level's disconnects settle
        var (wsBefore, heapBefore) = await MemoryAsync();
        var fanOut = new FanOut();
        var clients = new NodeClient[n];
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            clients[i] = await NodeClient.ConnectAsync(socketUri, NodeToken(nodeIds[i]), fanOut));
        var connectSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(1000);
        var (wsAfter, heapAfter) = await MemoryAsync();

        var latencies = new List<double>();
        var posts = new List<double>();
        long cpuBefore = await CpuAsync();
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int t = 0; t < taskCount; t++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var id = await CreateTaskAsync();
            posts.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            FanOut.Probe? probe;
            while (!fanOut.Tasks.TryGetValue(id, out probe) || Volatile.Read(ref probe.Count) < n)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"task {id}: {probe?.Count ?? 0} of {n} nodes got new_task");
                await Task.Delay(1);
            }
            lock (probe) latencies.Add(Stopwatch.GetElapsedTime(t0, probe.Last).TotalMilliseconds);
            await Task.Delay(100);
        }
        // Server CPU of the task loop (POST /task, the fan-out, heartbeats of the pause) per delivered message.
        double cpuPerMessage = (await CpuAsync() - cpuBefore) / (double)(taskCount * n);
        // The bench's own CPU in the same window: the clients share the machine with the server.
        double clientCpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalMicroseconds / (taskCount * n);
        var (wsSettled, heapSettled) = (wsAfter, heapAfter);
        if (print && settleSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(settleSeconds));
            (wsSettled, heapSettled) = await MemoryAsync();
        }
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (cl, _) => await cl.DisposeAsync());
        if (!print) return;
        latencies.Sort();
        posts.Sort();
        double Pct(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        const double MB = 1024 * 1024;
        Console.WriteLine($"{n,7} {connectSeconds,9:F1} {wsBefore / MB,11:F1} {wsAfter / MB,11:F1} {heapBefore / MB,14:F1} {heapAfter / MB,13:F1} " +
                          $"{(wsAfter - wsBefore) / 1024.0 / n,12:F1} {(heapAfter - heapBefore) / 1024.0 / n,14:F1} {taskCount,5} {Pct(0.5),14:F1} {Pct(0.99),7:F1} {latencies[^1],7:F1} {posts[posts.Count / 2],11:F1} {cpuPerMessage,13:F1} {clientCpuPerMessage,13:F1} {wsSettled / MB,13:F1} {heapSettled / MB,15:F1}");
    }

    async Task<(long WorkingSet, long Heap)> MemoryAsync()
    {
        await server.StandardInput.WriteLineAsync("mem");
        var parts = (await server.StandardOutput.ReadLineAsync())!.Split(' ');
        return (long.Parse(parts[1]), long.Parse(parts[2]));
    }

    async Task<long> CpuAsync()
    {
        await server.StandardInput.WriteLineAsync("cpu");
        return long.Parse((await server.StandardOutput.ReadLineAsync())!.Split(' ')[1]);
    }

    async Task<int> CreateTaskAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{api}/task");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", root);
        request.Content = JsonContent.Create(new
        {
            name = "bench", image = "harbor2.vantage6.ai/demo/average", collaboration_id = collab,
            organizations = new[] { new { id = firstOrg, input = Convert.ToBase64String("{\"method\":\"avg\"}"u8.ToArray()) } },
            databases = new[] { new { label = "default" } },
        });
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /task: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<int>();
    }
}
finally
{
    if (!server.HasExited) server.Kill(entireProcessTree: true);
    work.Delete(recursive: true);
}

string Arg(string name, string @default)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : @default;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

// A node access token as POST /token/node issues it, signed with the benchmark server's secret.
static string NodeToken(int nodeId)
{
    static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var payload = new JsonObject
    {
        ["fresh"] = false, ["iat"] = now, ["jti"] = Guid.NewGuid().ToString(), ["type"] = "access", ["nbf"] = now,
        ["sub"] = nodeId, ["exp"] = now + 6 * 3600, ["client_type"] = "node", ["roles"] = new JsonArray("node"),
    };
    var input = B64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8.ToArray()) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString()));
    return input + "." + B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(input)));
}

static async Task<int[]> NodeIdsAsync(HttpClient http, string api, string root, int collab, int count)
{
    var ids = new List<int>();
    for (int page = 1; ids.Count < count; page++)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{api}/node?collaboration_id={collab}&per_page=1000&page={page}&sort=id");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", root);
        using var response = await http.SendAsync(request);
        var data = JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["data"]!.AsArray();
        if (data.Count == 0) break;
        ids.AddRange(data.Select(d => d!["id"]!.GetValue<int>()));
    }
    return [.. ids.Take(count)];
}
