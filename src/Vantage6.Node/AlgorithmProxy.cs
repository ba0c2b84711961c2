using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vantage6.Common.Crypto;

namespace Vantage6.Node;

/// <summary>
/// The proxy through which algorithms reach the server (node-protocol §2.10), on the loopback interface. Requests
/// are forwarded with the algorithm's own container token; the proxy encrypts subtask inputs for the target
/// organizations and decrypts results for the algorithm. Server 4xx answers are relayed unchanged; only
/// connection failures (and 5xx of idempotent calls) are retried.
/// </summary>
public sealed class AlgorithmProxy : IDisposable
{
    private readonly VantageNode _node;
    private readonly NodeLog _log;
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(5) };
    private readonly CancellationTokenSource _stop = new();

    public AlgorithmProxy(VantageNode node, int port, NodeLog log)
    {
        _node = node;
        _log = log;
        Port = port > 0 ? port : FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
    }

    public int Port { get; }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Start()
    {
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening) { return; }
            catch (HttpListenerException) { continue; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url?.AbsolutePath ?? "/";
        var query = request.Url?.Query ?? "";
        try
        {
            var auth = request.Headers["Authorization"];
            var method = request.HttpMethod.ToUpperInvariant();
            if (method == "POST" && path.TrimEnd('/') == "/task") await CreateTaskAsync(request, response, auth);
            else if (method == "GET" && path.TrimEnd('/') == "/result") await ResultsAsync(response, auth, path + query, list: true);
            else if (method == "GET" && path.StartsWith("/result/", StringComparison.Ordinal)) await ResultsAsync(response, auth, path + query, list: false);
            else if (method == "GET" && path.StartsWith("/blobstream/", StringComparison.Ordinal) && path != "/blobstream/status") await BlobDownloadAsync(response, auth, path);
            else if (method == "POST" && path.TrimEnd('/') == "/blobstream") await BlobUploadAsync(request, response, auth);
            else await PassThroughAsync(request, response, auth, path + query);
        }
        catch (Exception e)
        {
            _log.Error($"Proxy: {request.HttpMethod} {path} failed: {e.Message}");
            try { await WriteJsonAsync(response, 500, new JsonObject { ["msg"] = "Request failed, see node logs" }); }
            catch (Exception) { }
        }
        finally
        {
            try { response.Close(); } catch (Exception) { }
        }
    }

    private string Upstream(string pathAndQuery) => _node.Api.ApiBase + pathAndQuery;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, string? auth, HttpContent? content, byte[]? body = null, string? contentType = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var message = new HttpRequestMessage(method, Upstream(pathAndQuery));
            if (auth is not null) message.Headers.TryAddWithoutValidation("Authorization", auth);
            if (content is not null) message.Content = content;
            else if (body is not null)
            {
                message.Content = new ByteArrayContent(body);
                if (contentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            try
            {
                var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
                var idempotent = method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Delete;
                if ((int)response.StatusCode >= 500 && idempotent && attempt < 2) { response.Dispose(); await Task.Delay(500); continue; }
                return response;
            }
            catch (HttpRequestException) when (attempt < 2)
            {
                await Task.Delay(1000);
                if (content is not null) throw;    // a consumed content cannot be sent again
            }
        }
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, int status, JsonNode? body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body?.ToJsonString() ?? "null");
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpListenerRequest request)
    {
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task CreateTaskAsync(HttpListenerRequest request, HttpListenerResponse response, string? auth)
    {
        JsonNode? body;
        try { body = JsonNode.Parse(await ReadBodyAsync(request)); }
        catch (JsonException) { await WriteJsonAsync(response, 400, new JsonObject { ["msg"] = "Request body is not valid JSON" }); return; }
        if (body?["organizations"] is not JsonArray { Count: > 0 } organizations)
        {
            await WriteJsonAsync(response, 400, new JsonObject { ["msg"] = "Organizations missing from input" });
            return;
        }
        if (_node.Encrypted)
        {
            var blob = await BlobStoreEnabledAsync();
            if (!blob)
            {
                foreach (var org in organizations)
                {
                    if (org?["input"] is not JsonValue v || !v.TryGetValue<string>(out var input) || (int?)org["id"] is not { } orgId) continue;
                    using var orgReply = await SendAsync(HttpMethod.Get, $"/organization/{orgId}", auth, null);
                    var field = (string?)(await ReadJsonAsync(orgReply))?["public_key"];
                    if (string.IsNullOrEmpty(field))
                    {
                        await WriteJsonAsync(response, 400, new JsonObject { ["msg"] = $"Organization {orgId} has no public key; cannot encrypt its input" });
                        return;
                    }
                    using var key = HybridCrypto.ImportPublicKeyField(field);
                    org["input"] = HybridCrypto.EncryptText(Convert.FromBase64String(input), key);
                }
            }
        }
        using var upstream = await SendAsync(HttpMethod.Post, "/task", auth, ServerApi.Json(body));
        await WriteJsonAsync(response, (int)upstream.StatusCode, await ReadJsonAsync(upstream));
    }

    private async Task<bool> BlobStoreEnabledAsync()
    {
        try { return (bool?)(await _node.Api.GetAsync("/blobstream/status", CancellationToken.None))?["blob_store_enabled"] ?? false; }
        catch (ServerApiException) { return false; }
    }

    private async Task ResultsAsync(HttpListenerResponse response, string? auth, string pathAndQuery, bool list)
    {
        using var upstream = await SendAsync(HttpMethod.Get, pathAndQuery, auth, null);
        var body = await ReadJsonAsync(upstream);
        if (upstream.IsSuccessStatusCode && body is JsonObject obj)
        {
            if (list && obj["data"] is JsonArray data) foreach (var item in data) DecryptResult(item);
            else if (!list) DecryptResult(obj);
        }
        await WriteJsonAsync(response, (int)upstream.StatusCode, body);
    }

    /// <summary>Non-blob result → base64 of the plaintext; left unchanged when it cannot be decrypted.</summary>
    private void DecryptResult(JsonNode? item)
    {
        if (item is null || (bool?)item["blob_storage_used"] == true) return;
        if (item["result"] is not JsonValue v || !v.TryGetValue<string>(out var result) || result.Length == 0) return;
        if (!_node.Encrypted || _node.PrivateKey is null) return;   // unencrypted results are already base64
        try { item["result"] = Convert.ToBase64String(HybridCrypto.DecryptText(result, _node.PrivateKey)); }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            _log.Warn("Proxy: a result could not be decrypted; passed on as stored");
        }
    }

    private async Task BlobDownloadAsync(HttpListenerResponse response, string? auth, string path)
    {
        using var upstream = await SendAsync(HttpMethod.Get, path, auth, null);
        var bytes = await upstream.Content.ReadAsByteArrayAsync();
        var type = upstream.Content.Headers.ContentType?.ToString() ?? "";
        if ((int)upstream.StatusCode <= 210 && type.Contains("application/octet-stream"))
        {
            byte[] plain;
            try
            {
                plain = _node.Encrypted && _node.PrivateKey is not null
                    ? HybridCrypto.DecryptBytes(bytes, _node.PrivateKey)
                    : Convert.FromBase64String(Encoding.ASCII.GetString(bytes));
            }
            catch (Exception e) when (e is CryptographicException or FormatException)
            {
                await WriteJsonAsync(response, 500, new JsonObject { ["msg"] = "Could not decrypt the blob, see node logs" });
                _log.Warn($"Proxy: blob {path} could not be decrypted");
                return;
            }
            response.StatusCode = 200;
            response.ContentType = "application/octet-stream";
            response.ContentLength64 = plain.Length;
            await response.OutputStream.WriteAsync(plain);
            return;
        }
        response.StatusCode = (int)upstream.StatusCode;
        if (type.Length > 0) response.ContentType = type;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    private async Task BlobUploadAsync(HttpListenerRequest request, HttpListenerResponse response, string? auth)
    {
        var body = await ReadBodyAsync(request);
        byte[] payload;
        if (_node.Encrypted)
        {
            var header = request.Headers["X-Public-Key"];
            if (string.IsNullOrEmpty(header))
            {
                await WriteJsonAsync(response, 400, new JsonObject { ["msg"] = "Missing X-Public-Key header" });
                return;
            }
            using var key = HybridCrypto.ImportPublicKeyField(header);
            payload = HybridCrypto.EncryptBytes(body, key);
        }
        else payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(body));
        using var upstream = await SendAsync(HttpMethod.Post, "/blobstream", auth, null, payload, "application/octet-stream");
        await WriteJsonAsync(response, (int)upstream.StatusCode, await ReadJsonAsync(upstream));
    }

    private async Task PassThroughAsync(HttpListenerRequest request, HttpListenerResponse response, string? auth, string pathAndQuery)
    {
        var body = request.HasEntityBody ? await ReadBodyAsync(request) : null;
        using var upstream = await SendAsync(new HttpMethod(request.HttpMethod), pathAndQuery, auth, null, body, request.ContentType);
        var bytes = await upstream.Content.ReadAsByteArrayAsync();
        response.StatusCode = (int)upstream.StatusCode;
        if (upstream.Content.Headers.ContentType is { } type) response.ContentType = type.ToString();
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try { _listener.Stop(); _listener.Close(); } catch (Exception) { }
        _http.Dispose();
    }
}
