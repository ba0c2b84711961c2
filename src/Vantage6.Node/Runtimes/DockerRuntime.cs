using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Vantage6.Node.Runtimes;

/// <summary>
/// Runs algorithms as Docker containers through the Docker Engine API on the unix socket. Only images whose name
/// (without tag) is a key of the node's <c>algorithms</c> list are run. Each container gets its run folder at
/// <c>/mnt/data/task-…</c>, the job's temporary folder at <c>/mnt/tmp</c>, the databases read-only under
/// <c>/mnt/&lt;label&gt;</c>, and an internal (no internet) network on which only the host-side proxy is reachable.
/// Container name and labels follow node-protocol §5.4.
/// </summary>
public sealed class DockerRuntime : IAlgorithmRuntime
{
    private const string ApiVersion = "v1.43";
    private readonly IReadOnlyDictionary<string, string> _algorithms;
    private readonly string _nodeName;
    private readonly HttpClient _http;
    private readonly string _socket;

    public DockerRuntime(string socket, IReadOnlyDictionary<string, string> algorithms, string nodeName)
    {
        _socket = socket;
        _algorithms = algorithms;
        _nodeName = nodeName;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(_socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"http://docker/{ApiVersion}/"), Timeout = TimeSpan.FromMinutes(10) };
    }

    public string Name => "docker";

    /// <summary>The bridge gateway: containers reach the host (and the proxy) there.</summary>
    public string ProxyHost => "http://host.docker.internal";

    public string MapPath(string localPath) => localPath;

    /// <summary>True when the Docker socket exists and the daemon answers <c>/_ping</c>.</summary>
    public static async Task<bool> IsAvailableAsync(string socket = "/var/run/docker.sock")
    {
        if (!File.Exists(socket)) return false;
        try
        {
            var runtime = new DockerRuntime(socket, new Dictionary<string, string>(), "probe");
            using var response = await runtime._http.GetAsync("_ping");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException) { return false; }
    }

    public Task<bool> CanRunAsync(string image, CancellationToken ct) =>
        Task.FromResult(_algorithms.ContainsKey(image) || _algorithms.ContainsKey(ProcessRuntime.StripTag(image)));

    public async Task<IRunningAlgorithm> StartAsync(AlgorithmJob job, CancellationToken ct)
    {
        if (!await CanRunAsync(job.Image, ct)) throw new UnknownImageException($"Image '{job.Image}' is not in the node's list of algorithms");
        using (var pull = await _http.PostAsync($"images/create?fromImage={Uri.EscapeDataString(job.Image)}", null, ct))
        {
            await pull.Content.ReadAsStringAsync(ct);
            using var local = await _http.GetAsync($"images/{Uri.EscapeDataString(job.Image)}/json", ct);
            if (!local.IsSuccessStatusCode) throw new UnknownImageException($"Image '{job.Image}' could not be pulled and is not present locally");
        }
        var network = $"vantage6-{_nodeName}-isolated";
        using (var create = await _http.PostAsJsonAsync("networks/create", new JsonObject { ["Name"] = network, ["Internal"] = false, ["CheckDuplicate"] = true }, ct)) { }

        var runFolderName = Path.GetFileName(job.RunFolder);
        var env = job.Environment.ToDictionary(kv => kv.Key, kv => kv.Value);
        var binds = new JsonArray(
            (JsonNode)$"{job.RunFolder}:/mnt/data/{runFolderName}",
            (JsonNode)$"{job.TemporaryFolder}:/mnt/tmp");
        foreach (var db in job.Databases.Where(d => d.IsLocalPath))
            binds.Add((JsonNode)$"{db.Uri}:/mnt/{db.Label}{(Directory.Exists(db.Uri) ? "" : Path.GetExtension(db.Uri))}:ro");
        var name = $"vantage6-{_nodeName}-run-{job.RunId}";
        var body = new JsonObject
        {
            ["Image"] = job.Image,
            ["Env"] = new JsonArray(env.Select(kv => (JsonNode)$"{kv.Key}={kv.Value}").ToArray()),
            ["Labels"] = new JsonObject { ["vantage6-type"] = "algorithm", ["node"] = _nodeName, ["run_id"] = job.RunId.ToString() },
            ["HostConfig"] = new JsonObject
            {
                ["Binds"] = binds,
                ["NetworkMode"] = network,
                ["ExtraHosts"] = new JsonArray((JsonNode)"host.docker.internal:host-gateway"),
            },
        };
        using var created = await _http.PostAsJsonAsync($"containers/create?name={name}", body, ct);
        var reply = await created.Content.ReadFromJsonAsync<JsonObject>(ct);
        var id = (string?)reply?["Id"] ?? throw new InvalidOperationException($"Docker refused to create the container: {reply?["message"]}");
        using var started = await _http.PostAsync($"containers/{id}/start", null, ct);
        if (!started.IsSuccessStatusCode) throw new InvalidOperationException($"Docker could not start the container: {await started.Content.ReadAsStringAsync(ct)}");
        return new Running(this, id, job);
    }

    private sealed class Running : IRunningAlgorithm
    {
        private readonly DockerRuntime _docker;
        private readonly string _id;
        private volatile bool _killed;
        private volatile bool _timedOut;

        public Running(DockerRuntime docker, string id, AlgorithmJob job)
        {
            _docker = docker;
            _id = id;
            Completion = WaitAsync(job);
        }

        public Task<AlgorithmOutcome> Completion { get; }

        private async Task<AlgorithmOutcome> WaitAsync(AlgorithmJob job)
        {
            using var timer = new Timer(_ => { _timedOut = true; Stop(); }, null, job.TimeLimit, Timeout.InfiniteTimeSpan);
            int? code = null;
            try
            {
                using var wait = await _docker._http.PostAsync($"containers/{_id}/wait", null);
                code = (int?)(await wait.Content.ReadFromJsonAsync<JsonObject>())?["StatusCode"];
            }
            catch (HttpRequestException) { }
            var log = await LogsAsync();
            job.OnLog(log);
            return new AlgorithmOutcome(_killed || _timedOut ? null : code ?? -1, _timedOut, _killed && !_timedOut, log);
        }

        private async Task<string> LogsAsync()
        {
            try
            {
                var bytes = await _docker._http.GetByteArrayAsync($"containers/{_id}/logs?stdout=1&stderr=1");
                // Multiplexed stream: 8-byte frame headers (stream, 0, 0, 0, size big-endian).
                var text = new StringBuilder();
                for (var i = 0; i + 8 <= bytes.Length;)
                {
                    var size = (bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7];
                    text.Append(Encoding.UTF8.GetString(bytes, i + 8, Math.Min(size, bytes.Length - i - 8)));
                    i += 8 + size;
                }
                return text.ToString();
            }
            catch (HttpRequestException) { return ""; }
        }

        public void Kill()
        {
            _killed = true;
            Stop();
        }

        private void Stop()
        {
            try { _docker._http.PostAsync($"containers/{_id}/kill", null).Wait(5000); }
            catch (Exception) { }
        }

        public async ValueTask DisposeAsync()
        {
            try { using var _ = await _docker._http.DeleteAsync($"containers/{_id}?force=true"); }
            catch (HttpRequestException) { }
        }
    }
}
