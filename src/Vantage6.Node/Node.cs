using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Vantage6.Common;
using Vantage6.Common.Crypto;
using Vantage6.Node.Runtimes;

namespace Vantage6.Node;

/// <summary>A fatal start-up problem (wrong api key, encryption mismatch, missing key file).</summary>
public sealed class NodeStartException(string message) : Exception(message);

/// <summary>
/// The node lifecycle of node-protocol §2: login, token refresh, queue sync (at start, on every socket
/// (re)connect, and by REST polling while no socket is connected), starting runs one by one, reporting results,
/// kills (socket event, or noticed by polling the node's open runs while algorithms are active) and a graceful
/// stop that leaves unfinished runs open, so the restarted node runs them again.
/// </summary>
public sealed class VantageNode : IAsyncDisposable
{
    private readonly NodeConfig _config;
    private readonly NodeLog _log;
    private readonly IAlgorithmRuntime _runtime;
    private readonly ITaskChannel? _channel;
    private readonly Policies _policies;
    private readonly Channel<JsonNode> _queue = Channel.CreateUnbounded<JsonNode>();
    private readonly object _lock = new();
    private readonly HashSet<int> _known = [];          // queued or running: never started twice
    private readonly Dictionary<int, ActiveRun> _active = [];
    private readonly Dictionary<int, DateTime> _recentlyFinished = [];
    private readonly Dictionary<int, RSA> _publicKeys = [];
    private AlgorithmProxy? _proxy;
    private RSA? _privateKey;

    public VantageNode(NodeConfig config, NodeLog log, IAlgorithmRuntime? runtime = null, ITaskChannel? channel = null, HttpMessageHandler? handler = null)
    {
        _config = config;
        _log = log;
        _runtime = runtime ?? RuntimeFactory.Create(config);
        _channel = channel;
        _policies = new Policies(config.Policies);
        Api = new ServerApi(config.ApiBase, config.HostBase, config.ApiKey, handler);
    }

    public ServerApi Api { get; }
    public int NodeId { get; private set; }
    public string NodeName { get; private set; } = "";
    public int OrganizationId { get; private set; }
    public int CollaborationId { get; private set; }
    public bool Encrypted { get; private set; }
    public int ProxyPort => _proxy?.Port ?? 0;

    /// <summary>Set once start-up is complete and the first queue sync is done.</summary>
    public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class ActiveRun(int runId, int taskId, int? parentId, IRunningAlgorithm algorithm)
    {
        public int RunId { get; } = runId;
        public int TaskId { get; } = taskId;
        public int? ParentId { get; } = parentId;
        public IRunningAlgorithm Algorithm { get; } = algorithm;
        public volatile bool KillRequested;
    }

    /// <summary>Runs the node until <paramref name="stop"/> fires; a fatal start problem throws <see cref="NodeStartException"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Directory.CreateDirectory(_config.DataDirectory);
        await LoginWithRetryAsync(stop);
        await IdentifyAsync(stop);
        _proxy = new AlgorithmProxy(this, _config.ProxyPort, _log);
        _proxy.Start();
        _log.Info($"Algorithm proxy listening on {_runtime.ProxyHost}:{_proxy.Port}");
        if (_channel is not null) WireChannel(_channel, stop);

        var loops = new List<Task>
        {
            Task.Run(() => RefreshLoopAsync(stop), CancellationToken.None),
            Task.Run(() => StartLoopAsync(stop), CancellationToken.None),
            Task.Run(() => PollLoopAsync(stop), CancellationToken.None),
            Task.Run(() => KillWatchLoopAsync(stop), CancellationToken.None),
        };
        if (_channel is not null) loops.Add(Task.Run(() => SocketLoopAsync(stop), CancellationToken.None));
        try { await Task.WhenAll(loops); }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        await ShutdownAsync();
    }

    // ---------------------------------------------------------------- start-up

    private async Task LoginWithRetryAsync(CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                _log.Info($"Connecting to server at '{_config.ApiBase}'");
                await Api.LoginAsync(ct);
                _log.Info("Node authenticated with the server");
                return;
            }
            catch (ServerApiException e) when (e.Status == HttpStatusCode.Unauthorized)
            {
                throw new NodeStartException($"The server refused the api key: {e.Message}");
            }
            catch (Exception e) when (e is HttpRequestException or ServerApiException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow - started > TimeSpan.FromDays(7)) throw new NodeStartException("Could not reach the server for 7 days");
                _log.Warn($"Could not log in ({e.Message}); retrying in 10 seconds");
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
            }
        }
    }

    private async Task IdentifyAsync(CancellationToken ct)
    {
        NodeId = Api.NodeId;
        var node = await Api.GetAsync($"/node/{NodeId}", ct) ?? throw new NodeStartException("Empty node reply");
        NodeName = (string?)node["name"] ?? "";
        CollaborationId = (int?)node["collaboration"]?["id"] ?? throw new NodeStartException("The node has no collaboration");
        OrganizationId = (int?)node["organization"]?["id"] ?? throw new NodeStartException("The node has no organization");
        var org = await Api.GetAsync($"/organization/{OrganizationId}", ct);
        var collaboration = await Api.GetAsync($"/collaboration/{CollaborationId}", ct);
        Encrypted = (bool?)collaboration?["encrypted"] ?? false;
        _log.Info($"Node '{NodeName}' (id={NodeId}) of organization '{(string?)org?["name"]}' in collaboration '{(string?)collaboration?["name"]}' (id={CollaborationId})");
        if (Encrypted != _config.EncryptionEnabled)
            throw new NodeStartException(Encrypted
                ? "The collaboration is encrypted but this node has encryption disabled (set encryption.enabled: true and a private key)"
                : "The collaboration is not encrypted but this node has encryption enabled (set encryption.enabled: false)");
        if (!Encrypted) { _log.Info("Encryption is disabled for this collaboration"); return; }
        var keyFile = _config.PrivateKeyFile!;
        if (!File.Exists(keyFile)) throw new NodeStartException($"Private key file {keyFile} does not exist (create one with 'vnode create-private-key')");
        try { _privateKey = HybridCrypto.LoadPrivateKey(await File.ReadAllTextAsync(keyFile, ct)); }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new NodeStartException($"Private key file {keyFile} is not a PEM RSA private key");
        }
        var local = HybridCrypto.PublicKeyField(_privateKey);
        if ((string?)org?["public_key"] != local)
        {
            _log.Info("Uploading the organization's public key to the server");
            await Api.PatchAsync($"/organization/{OrganizationId}", new JsonObject { ["public_key"] = local }, ct);
        }
        _log.Info("Encryption is enabled; private key loaded");
    }

    // ---------------------------------------------------------------- loops

    private async Task RefreshLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var remaining = Api.AccessTokenExpiry - DateTimeOffset.UtcNow;
            var wait = remaining - TimeSpan.FromSeconds(600);
            if (wait > TimeSpan.Zero) { await Task.Delay(wait > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : wait, ct); continue; }
            try
            {
                await Api.RefreshAsync(ct);
                _log.Debug("Access token refreshed");
            }
            catch (Exception e) when (e is HttpRequestException or ServerApiException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                _log.Warn($"Token refresh failed ({e.Message}); retrying in 30 seconds");
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
        }
    }

    private async Task PollLoopAsync(CancellationToken ct)
    {
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            if (first || _channel is null || !_channel.IsConnected)
            {
                if (await SyncAsync(null, ct) && first)
                {
                    first = false;
                    Ready.TrySetResult();
                }
            }
            await Task.Delay(_channel is { IsConnected: true } ? TimeSpan.FromSeconds(30) : _config.PollInterval, ct);
        }
    }

    /// <summary>Queue sync (§2.4): all open runs of this node, or of one task. False when the server was unreachable.</summary>
    public async Task<bool> SyncAsync(int? taskId, CancellationToken ct)
    {
        List<JsonNode> runs;
        try
        {
            var filter = taskId is { } t ? $"&task_id={t}" : "";
            runs = await Api.GetAllAsync($"/run?state=open&node_id={NodeId}&include=task{filter}", ct);
        }
        catch (Exception e) when (e is HttpRequestException or ServerApiException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _log.Debug($"Queue sync failed: {e.Message}");
            return false;
        }
        foreach (var run in runs.OrderBy(r => (int?)r["id"]))
        {
            var id = (int?)run["id"] ?? 0;
            lock (_lock)
            {
                if (_recentlyFinished.ContainsKey(id) || !_known.Add(id)) continue;
            }
            _log.Info($"New run id={id} of task id={(int?)run["task"]?["id"]} queued");
            _queue.Writer.TryWrite(run);
        }
        return true;
    }

    private async Task StartLoopAsync(CancellationToken ct)
    {
        await foreach (var run in _queue.Reader.ReadAllAsync(ct))
        {
            var id = (int?)run["id"] ?? 0;
            try { await StartRunAsync(run, ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
            catch (Exception e)
            {
                // Unreachable server and the like: forget the run, the next sync picks it up again.
                _log.Error($"Could not start run id={id}: {e.Message}");
                lock (_lock) _known.Remove(id);
            }
        }
    }

    private async Task KillWatchLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            List<ActiveRun> active;
            lock (_lock) active = _active.Values.ToList();
            if (active.Count == 0) continue;
            HashSet<int> open;
            try
            {
                var reply = await Api.GetAsync($"/run?state=open&node_id={NodeId}&per_page=1000", ct);
                open = (reply?["data"] as JsonArray ?? []).Select(r => (int?)r?["id"] ?? 0).ToHashSet();
            }
            catch (Exception e) when (e is HttpRequestException or ServerApiException or TaskCanceledException && !ct.IsCancellationRequested) { continue; }
            foreach (var run in active.Where(r => !open.Contains(r.RunId) && !r.KillRequested))
            {
                _log.Info($"Run id={run.RunId} was finished on the server (killed); stopping its algorithm");
                run.KillRequested = true;
                run.Algorithm.Kill();
            }
        }
    }

    // ---------------------------------------------------------------- socket

    private void WireChannel(ITaskChannel channel, CancellationToken ct)
    {
        channel.SyncRequested += async () =>
        {
            await SyncAsync(null, ct);
            if (_config.ShareConfig) await channel.EmitAsync("node_info_update", NodeInfo());
        };
        channel.NewTask += async id => await SyncAsync(id, ct);
        channel.KillRequested += payload => { HandleKill(payload); return Task.CompletedTask; };
        channel.TokenRejected += async expired =>
        {
            await channel.DisconnectAsync();
            if (expired) await Api.RefreshAsync(ct); else await Api.LoginAsync(ct);
            await channel.ConnectAsync(Api.AccessToken!, ct);
        };
    }

    private async Task SocketLoopAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        var lastPing = DateTime.MinValue;
        var connectedAt = DateTime.MinValue;
        while (!ct.IsCancellationRequested)
        {
            if (!_channel!.IsConnected)
            {
                try
                {
                    await _channel.ConnectAsync(Api.AccessToken!, ct);
                    delay = TimeSpan.FromSeconds(1);
                    connectedAt = DateTime.UtcNow;
                    lastPing = DateTime.MinValue;
                    _log.Info("Connected to the server's real-time channel");
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    _log.Debug($"Real-time channel not available ({e.Message}); polling meanwhile");
                    await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(-500, 500)), ct);
                    delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
                    continue;
                }
            }
            var now = DateTime.UtcNow;
            if (now - connectedAt > TimeSpan.FromSeconds(5) && now - lastPing > TimeSpan.FromSeconds(60))
            {
                try { await _channel.EmitAsync("ping", null); lastPing = now; }
                catch (Exception e) when (!ct.IsCancellationRequested) { _log.Debug($"Ping failed: {e.Message}"); }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>The <c>node_info_update</c> payload (§1.8).</summary>
    public JsonObject NodeInfo()
    {
        var info = new JsonObject();
        if (_config.EncryptionEnabled) info["encryption"] = true;
        info["allowed_algorithms"] = _config.Policies.AllowedAlgorithms is { } a ? new JsonArray(a.Select(x => (JsonNode)x).ToArray()) : "all";
        if (_config.Policies.AllowedUsers is { } u) info["allowed_users"] = new JsonArray(u.Select(x => (JsonNode)(int.TryParse(x, out var i) ? i : x)).ToArray());
        if (_config.Policies.AllowedOrganizations is { } o) info["allowed_orgs"] = new JsonArray(o.Select(x => (JsonNode)(int.TryParse(x, out var i) ? i : x)).ToArray());
        info["database_labels"] = new JsonArray(_config.Databases.Select(d => (JsonNode)d.Label).ToArray());
        var types = new JsonObject();
        foreach (var d in _config.Databases) types[$"db_type_{d.Label}"] = d.Type;
        info["database_types"] = types;
        var columns = new JsonObject();
        foreach (var d in _config.Databases.Where(d => d.Type == "csv" && File.Exists(d.Uri)))
        {
            try
            {
                var header = File.ReadLines(d.Uri).FirstOrDefault();
                if (header is not null) columns[$"columns_{d.Label}"] = new JsonArray(header.Split(',').Select(c => (JsonNode)c.Trim().Trim('"')).ToArray());
            }
            catch (IOException) { }
        }
        if (columns.Count > 0) info["database_columns"] = columns;
        return info;
    }

    /// <summary><c>kill_containers</c> (§2.7).</summary>
    public void HandleKill(JsonNode payload)
    {
        if ((int?)payload["collaboration_id"] != CollaborationId) return;
        if (payload["node_id"] is { } nid && (int?)nid != NodeId) return;
        List<ActiveRun> targets;
        lock (_lock)
        {
            if (payload["kill_list"] is JsonArray { Count: > 0 } list)
                targets = list.Where(e => (int?)e?["organization_id"] == OrganizationId)
                    .Select(e => _active.GetValueOrDefault((int?)e?["run_id"] ?? -1)).OfType<ActiveRun>().ToList();
            else targets = _active.Values.ToList();
        }
        foreach (var run in targets)
        {
            _log.Info($"Kill request for run id={run.RunId}");
            run.KillRequested = true;
            run.Algorithm.Kill();
        }
    }

    // ---------------------------------------------------------------- one run

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffff+00:00", CultureInfo.InvariantCulture);

    private async Task StartRunAsync(JsonNode run, CancellationToken ct)
    {
        var runId = (int)run["id"]!;
        var task = run["task"] ?? await Api.GetAsync($"/task/{(int?)run["task"]?["id"] ?? 0}", ct) ?? throw new InvalidOperationException("Run without task");
        var taskId = (int)task["id"]!;
        var jobId = (int?)task["job_id"] ?? taskId;
        var image = (string?)task["image"] ?? "";
        var parentId = (int?)task["parent"]?["id"];
        var initOrg = (int?)task["init_org"]?["id"];
        var initUser = (int?)task["init_user"]?["id"];
        var storeId = (int?)task["algorithm_store"]?["id"];
        var runFolder = Path.Combine(_config.DataDirectory, "data", $"task-{runId:D9}");
        Directory.CreateDirectory(runFolder);
        ProcessRuntime.KillLeftover(runFolder);

        _log.Info($"Starting run id={runId} of task id={taskId} '{(string?)task["name"]}' with image '{image}'");
        await Api.PatchAsync($"/run/{runId}", new JsonObject { ["started_at"] = Now() }, ct);

        string containerToken;
        try
        {
            var reply = await Api.PostAsync("/token/container", new JsonObject { ["task_id"] = taskId, ["image"] = image }, ct);
            containerToken = (string?)reply?["container_token"] ?? throw new ServerApiException(HttpStatusCode.BadRequest, "no container token");
        }
        catch (ServerApiException e)
        {
            _log.Error($"Could not obtain algorithm container token for run id={runId}: {e.Message}");
            await FinishAsync(runId, new JsonObject { ["status"] = RunStatus.Failed, ["log"] = "Could not obtain algorithm container token", ["finished_at"] = Now() }, ct);
            return;
        }

        var refusal = await _policies.CheckAsync(image, initOrg, initUser, storeId, p => Api.GetAsync(p, ct));
        if (refusal is not null)
        {
            _log.Warn($"Run id={runId} is not allowed: {refusal}");
            await FinishAsync(runId, new JsonObject { ["status"] = RunStatus.NotAllowed, ["log"] = $"Not allowed by the node's policies: {refusal}", ["finished_at"] = Now() }, ct);
            await EmitStatusAsync(runId, taskId, parentId, RunStatus.NotAllowed);
            return;
        }

        // Input (§2.4): blob uuid or text; decryption failure leaves it as received.
        var inputText = (string?)run["input"] ?? "";
        byte[] input;
        try
        {
            if ((bool?)run["blob_storage_used"] == true && inputText.Length > 0)
            {
                var blob = await Api.GetBytesAsync($"/blobstream/{inputText}", ct);
                input = _privateKey is not null ? HybridCrypto.DecryptBytes(blob, _privateKey) : Convert.FromBase64String(Encoding.ASCII.GetString(blob));
            }
            else input = _privateKey is not null ? HybridCrypto.DecryptText(inputText, _privateKey) : HybridCrypto.DecodePlain(inputText);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            _log.Warn($"Could not decrypt/decode the input of run id={runId}; handing it over as received");
            input = Encoding.UTF8.GetBytes(inputText);
        }

        var tmp = Path.Combine(_config.DataDirectory, "tmp", $"job-{jobId}");
        Directory.CreateDirectory(tmp);
        await File.WriteAllBytesAsync(Path.Combine(runFolder, "input"), input, ct);
        await File.WriteAllBytesAsync(Path.Combine(runFolder, "output"), [], ct);
        await File.WriteAllTextAsync(Path.Combine(runFolder, "token"), containerToken, ct);

        var requested = (task["databases"] as JsonArray ?? []).Select(d => d?["label"]?.ToString() ?? "").Where(l => l.Length > 0).ToList();
        Dictionary<string, string> env;
        try { env = BuildEnvironment(runFolder, tmp, requested, task["databases"] as JsonArray); }
        catch (ArgumentException e)
        {
            _log.Error($"Run id={runId} has an invalid environment: {e.Message}");
            await ReportAsync(runId, taskId, parentId, initOrg, RunStatus.Failed, [], "Container failed. Check node logs for details", ct);
            return;
        }
        foreach (var label in requested.Where(l => _config.Databases.All(d => d.Label != l)))
            _log.Warn($"Run id={runId} asks for database '{label}', which is not configured on this node");

        var job = new AlgorithmJob(runId, taskId, jobId, image, runFolder, tmp, env, _config.Databases, _config.AlgorithmTimeLimit,
            chunk => { if (_config.ShareAlgorithmLogs && _channel is { IsConnected: true }) _ = _channel.EmitAsync("algorithm_log", new JsonObject { ["collaboration_id"] = CollaborationId, ["run_id"] = runId, ["task_id"] = taskId, ["log"] = chunk }); });
        IRunningAlgorithm? algorithm = null;
        string? failure = null;
        for (var attempt = 0; attempt < 2 && algorithm is null; attempt++)
        {
            try { algorithm = await _runtime.StartAsync(job, ct); }
            catch (UnknownImageException e)
            {
                _log.Error($"Run id={runId}: {e.Message}");
                await ReportAsync(runId, taskId, parentId, initOrg, RunStatus.NoDockerImage, [], "Container failed. Check node logs for details", ct, emitActive: true);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = e.Message;
                if (attempt == 0) await Task.Delay(1000, ct);
            }
        }
        if (algorithm is null)
        {
            _log.Error($"Run id={runId} could not be started: {failure}");
            await ReportAsync(runId, taskId, parentId, initOrg, RunStatus.StartFailed, [], "Container failed. Check node logs for details", ct, emitActive: true);
            return;
        }
        var active = new ActiveRun(runId, taskId, parentId, algorithm);
        lock (_lock) _active[runId] = active;
        try { await Api.PatchAsync($"/run/{runId}", new JsonObject { ["status"] = RunStatus.Active }, ct); }
        catch (ServerApiException e) when (e.Status == HttpStatusCode.BadRequest)
        {
            // Already finished on the server (killed while starting).
            _log.Info($"Run id={runId} was finished on the server before it became active; stopping it");
            active.KillRequested = true;
            algorithm.Kill();
        }
        await EmitStatusAsync(runId, taskId, parentId, RunStatus.Active);
        _ = Task.Run(() => MonitorAsync(active, runFolder, initOrg, ct), CancellationToken.None);
    }

    private async Task MonitorAsync(ActiveRun active, string runFolder, int? initOrg, CancellationToken ct)
    {
        AlgorithmOutcome outcome;
        try { outcome = await active.Algorithm.Completion.WaitAsync(ct); }
        catch (OperationCanceledException) { return; }   // node stopping: the run stays open for the next start
        await using (active.Algorithm) { }
        var runId = active.RunId;
        if (active.KillRequested || outcome.Killed)
        {
            _log.Info($"Run id={runId} was killed");
            try { await Api.PatchAsync($"/run/{runId}", new JsonObject { ["status"] = RunStatus.Killed }, ct); }
            catch (ServerApiException) { /* form A: the server already finished it */ }
            catch (HttpRequestException) { }
            await EmitStatusAsync(runId, active.TaskId, active.ParentId, RunStatus.Killed);
            Forget(runId);
            return;
        }
        var log = outcome.Log;
        string status;
        byte[] result = [];
        if (outcome.TimedOut)
        {
            status = RunStatus.Crashed;
            log += $"\nThe algorithm did not finish within the node's time limit of {_config.AlgorithmTimeLimit.TotalSeconds:0} s and was stopped.\n";
            _log.Error($"Run id={runId} exceeded the time limit and was stopped");
        }
        else if (outcome.ExitCode != 0)
        {
            status = RunStatus.Crashed;
            _log.Error($"Run id={runId} crashed (exit code {outcome.ExitCode})");
        }
        else
        {
            result = await File.ReadAllBytesAsync(Path.Combine(runFolder, "output"), CancellationToken.None);
            if (result.Length > 0 && !IsJson(result))
            {
                status = RunStatus.Failed;
                log += "\nThe algorithm's output file is not valid UTF-8 JSON; the result was discarded.\n";
                _log.Error($"Run id={runId} wrote an output that is not valid JSON");
                result = [];
            }
            else
            {
                status = RunStatus.Completed;
                _log.Info($"Run id={runId} completed");
            }
        }
        await ReportAsync(runId, active.TaskId, active.ParentId, initOrg, status, result, log, ct);
    }

    private static bool IsJson(byte[] data)
    {
        try
        {
            var text = new UTF8Encoding(false, true).GetString(data);
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (Exception e) when (e is DecoderFallbackException or JsonException) { return false; }
    }

    /// <summary>Result report (§2.6), retried while the server is unreachable so no finished run is lost.</summary>
    private async Task ReportAsync(int runId, int taskId, int? parentId, int? initOrg, string status, byte[] result, string log,
        CancellationToken ct, bool emitActive = false)
    {
        await EmitStatusAsync(runId, taskId, parentId, status);
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var blob = (bool?)(await Api.GetAsync("/blobstream/status", ct))?["blob_store_enabled"] ?? false;
                string encoded;
                if (Encrypted)
                {
                    var key = await PublicKeyAsync(initOrg ?? OrganizationId, ct);
                    encoded = blob ? await Api.PostBlobAsync(HybridCrypto.EncryptBytes(result, key), ct) : HybridCrypto.EncryptText(result, key);
                }
                else encoded = blob ? await Api.PostBlobAsync(Encoding.ASCII.GetBytes(Convert.ToBase64String(result)), ct) : Convert.ToBase64String(result);
                var body = new JsonObject
                {
                    ["result"] = encoded,
                    ["log"] = _config.ShareAlgorithmLogs ? log : "Node does not allow sharing algorithm logs",
                    ["status"] = status,
                    ["finished_at"] = Now(),
                };
                await FinishAsync(runId, body, ct);
                return;
            }
            catch (ServerApiException e) when (e.Status == HttpStatusCode.BadRequest)
            {
                _log.Warn($"The server refused the result of run id={runId}: {e.Message}");
                Forget(runId);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or ServerApiException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                _log.Warn($"Could not report run id={runId} ({e.Message}); retrying in {delay.TotalSeconds:0} s");
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 10));
            }
        }
    }

    private async Task FinishAsync(int runId, JsonObject body, CancellationToken ct)
    {
        try { await Api.PatchAsync($"/run/{runId}", body, ct); }
        finally { Forget(runId); }
    }

    private void Forget(int runId)
    {
        lock (_lock)
        {
            _active.Remove(runId);
            _known.Remove(runId);
            var now = DateTime.UtcNow;
            _recentlyFinished[runId] = now;
            foreach (var old in _recentlyFinished.Where(kv => now - kv.Value > TimeSpan.FromMinutes(10)).Select(kv => kv.Key).ToList())
                _recentlyFinished.Remove(old);
        }
    }

    private async Task EmitStatusAsync(int runId, int taskId, int? parentId, string status)
    {
        if (_channel is not { IsConnected: true }) return;
        try
        {
            await _channel.EmitAsync("algorithm_status_change", new JsonObject
            {
                ["node_id"] = NodeId, ["status"] = status, ["run_id"] = runId, ["task_id"] = taskId,
                ["collaboration_id"] = CollaborationId, ["organization_id"] = OrganizationId, ["parent_id"] = parentId,
            });
        }
        catch (Exception e) { _log.Debug($"Could not send status change: {e.Message}"); }
    }

    /// <summary>An organization's public key, cached.</summary>
    internal async Task<RSA> PublicKeyAsync(int organizationId, CancellationToken ct)
    {
        lock (_lock) if (_publicKeys.TryGetValue(organizationId, out var cached)) return cached;
        var org = await Api.GetAsync($"/organization/{organizationId}", ct);
        var field = (string?)org?["public_key"];
        if (string.IsNullOrEmpty(field)) throw new CryptographicException($"Organization {organizationId} has no public key");
        var key = HybridCrypto.ImportPublicKeyField(field);
        lock (_lock) _publicKeys[organizationId] = key;
        return key;
    }

    internal RSA? PrivateKey => _privateKey;
    internal IAlgorithmRuntime Runtime => _runtime;

    /// <summary>The algorithm's environment (§5.2), every value encoded.</summary>
    private Dictionary<string, string> BuildEnvironment(string runFolder, string tmp, List<string> requested, JsonArray? taskDatabases)
    {
        var raw = new Dictionary<string, string>
        {
            ["INPUT_FILE"] = _runtime.MapPath(Path.Combine(runFolder, "input")),
            ["OUTPUT_FILE"] = _runtime.MapPath(Path.Combine(runFolder, "output")),
            ["TOKEN_FILE"] = _runtime.MapPath(Path.Combine(runFolder, "token")),
            ["TEMPORARY_FOLDER"] = _runtime.MapPath(tmp),
            ["HOST"] = Environment.GetEnvironmentVariable("PROXY_SERVER_HOST") is { Length: > 0 } h ? h : _runtime.ProxyHost,
            ["PORT"] = _proxy!.Port.ToString(CultureInfo.InvariantCulture),
            ["API_PATH"] = "",
            ["USER_REQUESTED_DATABASE_LABELS"] = string.Join(',', requested),
            ["DB_LABELS"] = string.Join(',', _config.Databases.Select(d => d.Label)),
        };
        foreach (var db in taskDatabases ?? [])
        {
            var label = db?["label"]?.ToString();
            if (string.IsNullOrEmpty(label)) continue;
            JsonNode? parameters = null;
            try { parameters = db!["parameters"] is JsonValue v && v.TryGetValue<string>(out var s) ? JsonNode.Parse(s) : db["parameters"]; }
            catch (JsonException) { }
            var upper = label.ToUpperInvariant();
            if (parameters?["query"] is { } q) raw[$"{upper}_QUERY"] = q.ToString();
            if (parameters?["sheet_name"] is { } sn) raw[$"{upper}_SHEET_NAME"] = sn.ToString();
            if (parameters?["preprocessing"] is { } pre) raw[$"{upper}_PREPROCESSING"] = pre.ToJsonString();
        }
        foreach (var db in _config.Databases)
        {
            var upper = db.Label.ToUpperInvariant();
            raw[$"{upper}_DATABASE_URI"] = db.IsLocalPath ? _runtime.MapPath(DatabasePath(db)) : db.Uri;
            raw[$"{upper}_DATABASE_TYPE"] = db.Type;
            foreach (var (key, value) in db.Env) raw[$"{upper}_DB_PARAM_{key.ToUpperInvariant()}"] = value;
        }
        foreach (var (key, value) in _config.AlgorithmEnv) raw[key] = value;
        foreach (var name in raw.Keys)
        {
            if (!NodeConfig.IsIdentifier(name)) throw new ArgumentException($"'{name}' is not a valid environment variable name");
            if (name == "PKG_NAME") throw new ArgumentException("PKG_NAME may not be set by the node");
        }
        return raw.ToDictionary(kv => kv.Key, kv => EnvEncoding.Encode(kv.Value));
    }

    /// <summary>§5.3: <c>copy</c> gives the algorithm a private copy (made once), <c>ro</c> the original.</summary>
    private string DatabasePath(NodeDatabase db)
    {
        if (db.MountMode == "ro" || Directory.Exists(db.Uri)) return db.Uri;
        var copy = Path.Combine(_config.DataDirectory, "databases", db.Label + Path.GetExtension(db.Uri));
        lock (_lock)
        {
            var source = new FileInfo(db.Uri);
            var target = new FileInfo(copy);
            if (!target.Exists || target.LastWriteTimeUtc < source.LastWriteTimeUtc || target.Length != source.Length)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(db.Uri, copy, overwrite: true);
            }
        }
        return copy;
    }

    // ---------------------------------------------------------------- stop

    /// <summary>
    /// Graceful stop: algorithms are stopped without any PATCH, so their runs stay open (started, not finished) and
    /// the next start of this node runs them again from scratch — the state both sides agree on (§2.4).
    /// </summary>
    private async Task ShutdownAsync()
    {
        List<ActiveRun> active;
        lock (_lock) active = _active.Values.ToList();
        foreach (var run in active)
        {
            _log.Info($"Stopping run id={run.RunId}; it stays open and is run again at the next start");
            run.Algorithm.Kill();
            await run.Algorithm.DisposeAsync();
        }
        if (_channel is not null)
        {
            try { await _channel.DisconnectAsync(); } catch (Exception) { }
        }
        _proxy?.Dispose();
        _log.Info("Node stopped");
    }

    public async ValueTask DisposeAsync()
    {
        _proxy?.Dispose();
        if (_channel is not null) await _channel.DisposeAsync();
        Api.Dispose();
        _privateKey?.Dispose();
    }
}
