using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Node;

/// <summary>A REST call the server refused; carries status and the server's message.</summary>
public sealed class ServerApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The node's REST client (node-protocol §2.2–2.3): logs in with the api key, refreshes the access token before it
/// expires, and on a failed call refreshes once and repeats it once, like the Python node.
/// </summary>
public sealed class ServerApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _apiKey;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private string? _refreshToken;
    private string _refreshUrl = "/api/token/refresh";

    public ServerApi(string apiBase, string hostBase, string apiKey, HttpMessageHandler? handler = null)
    {
        ApiBase = apiBase.TrimEnd('/');
        HostBase = hostBase.TrimEnd('/');
        _apiKey = apiKey;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromSeconds(60);
    }

    public string ApiBase { get; }
    public string HostBase { get; }
    public string? AccessToken { get; private set; }

    /// <summary>Node id read from the access token's <c>sub</c> (without verifying the signature).</summary>
    public int NodeId { get; private set; }

    public DateTimeOffset AccessTokenExpiry { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary><c>POST /token/node</c>; 401 is an <see cref="ServerApiException"/> with status Unauthorized.</summary>
    public async Task LoginAsync(CancellationToken ct)
    {
        await _loginLock.WaitAsync(ct);
        try
        {
            using var response = await _http.PostAsync(ApiBase + "/token/node", Json(new JsonObject { ["api_key"] = _apiKey }), ct);
            var body = await ReadAsync(response, ct);
            if (!response.IsSuccessStatusCode) throw new ServerApiException(response.StatusCode, Message(body, response));
            Store(body!);
        }
        finally { _loginLock.Release(); }
    }

    /// <summary><c>POST refresh_url</c> with the refresh token; falls back to a new login when that fails.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        if (_refreshToken is null) { await LoginAsync(ct); return; }
        await _loginLock.WaitAsync(ct);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, HostBase + _refreshUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _refreshToken);
            using var response = await _http.SendAsync(request, ct);
            var body = await ReadAsync(response, ct);
            if (response.IsSuccessStatusCode && body?["access_token"] is not null) { Store(body); return; }
        }
        finally { _loginLock.Release(); }
        await LoginAsync(ct);
    }

    private void Store(JsonNode body)
    {
        AccessToken = (string?)body["access_token"] ?? throw new ServerApiException(HttpStatusCode.BadGateway, "Login reply without access token");
        _refreshToken = (string?)body["refresh_token"] ?? _refreshToken;
        if ((string?)body["refresh_url"] is { Length: > 0 } url) _refreshUrl = url;
        var claims = DecodeJwt(AccessToken);
        if (claims?["sub"] is JsonValue sub && sub.TryGetValue<int>(out var id)) NodeId = id;
        if (claims?["exp"] is JsonValue exp && exp.TryGetValue<long>(out var seconds)) AccessTokenExpiry = DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>The payload of a JWT, not verified.</summary>
    public static JsonNode? DecodeJwt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length < 2) return null;
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        try { return JsonNode.Parse(Convert.FromBase64String(payload)); }
        catch (Exception e) when (e is FormatException or JsonException) { return null; }
    }

    public Task<JsonNode?> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);
    public Task<JsonNode?> PostAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);
    public Task<JsonNode?> PatchAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, body, ct);

    /// <summary>A JSON call with the node token; a failure refreshes the token and repeats once (§2.3).</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, ApiBase + path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
            if (body is not null) request.Content = Json(body);
            using var response = await _http.SendAsync(request, ct);
            var reply = await ReadAsync(response, ct);
            if ((int)response.StatusCode <= 210) return reply;
            if (attempt == 0 && response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await RefreshAsync(ct);
                continue;
            }
            throw new ServerApiException(response.StatusCode, Message(reply, response));
        }
    }

    /// <summary>Raw bytes with the node token (blob downloads).</summary>
    public async Task<byte[]> GetBytesAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ApiBase + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new ServerApiException(response.StatusCode, $"GET {path} failed with {(int)response.StatusCode}");
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>Uploads bytes to <c>POST /blobstream</c> and returns the uuid.</summary>
    public async Task<string> PostBlobAsync(byte[] data, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiBase + "/blobstream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        request.Content = new ByteArrayContent(data);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.SendAsync(request, ct);
        var reply = await ReadAsync(response, ct);
        if (!response.IsSuccessStatusCode) throw new ServerApiException(response.StatusCode, Message(reply, response));
        return (string?)reply?["uuid"] ?? throw new ServerApiException(response.StatusCode, "Blob upload reply without uuid");
    }

    /// <summary>Every item of a paginated list (follows <c>links.next</c>).</summary>
    public async Task<List<JsonNode>> GetAllAsync(string path, CancellationToken ct)
    {
        var items = new List<JsonNode>();
        for (var page = 1; page < 1000; page++)
        {
            var separator = path.Contains('?') ? '&' : '?';
            var reply = await GetAsync($"{path}{separator}page={page}&per_page=100", ct);
            if (reply?["data"] is JsonArray data) items.AddRange(data.Where(d => d is not null)!);
            if (reply?["links"]?["next"] is null || reply["data"] is not JsonArray { Count: > 0 }) break;
        }
        return items;
    }

    internal static StringContent Json(JsonNode body) =>
        new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonNode?> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length == 0) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    private static string Message(JsonNode? body, HttpResponseMessage response) =>
        (body as JsonObject)?["msg"]?.ToString() ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";

    public void Dispose()
    {
        _http.Dispose();
        _loginLock.Dispose();
    }
}
