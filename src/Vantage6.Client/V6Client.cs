using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vantage6.Common.Encryption;

namespace Vantage6.Client;

/// <summary>
/// A vantage6 user client: logs in, keeps and refreshes the tokens, holds the organization's private
/// key for end-to-end encryption, and offers one typed client per resource
/// (<see cref="Organizations"/>, <see cref="Users"/>, <see cref="Tasks"/>, ...).
/// </summary>
/// <example>
/// <code>
/// using var client = new V6Client("http://127.0.0.1:7601/api");
/// await client.AuthenticateAsync("alice", "password");
/// await client.SetupEncryptionAsync("privkey_alice_org.pem");   // encrypted collaborations only
/// var task = await client.Tasks.CreateAsync(new NewTask { ... });
/// var results = await client.Tasks.WaitForResultsAsync(task.Id);
/// </code>
/// </example>
public sealed class V6Client : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _root;
    private readonly string _apiPath;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private RSA? _privateKey;
    private string _refreshUrl;

    /// <summary>A client for the API at <paramref name="apiUrl"/>, e.g. <c>http://127.0.0.1:7601/api</c>.</summary>
    public V6Client(string apiUrl)
    {
        var uri = new Uri(apiUrl, UriKind.Absolute);
        _root = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        _apiPath = uri.AbsolutePath.TrimEnd('/');
        _http = new HttpClient { BaseAddress = _root, Timeout = TimeSpan.FromMinutes(5) };
        _ownsHttp = true;
        _refreshUrl = _apiPath + "/token/refresh";
        (Organizations, Users, Roles, Rules, Collaborations, Nodes, Studies, Tasks, Runs, Results) = CreateSubClients();
    }

    /// <summary>
    /// A client on an existing <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the
    /// server root (scheme, host and port); <paramref name="apiPath"/> is the API prefix. The HttpClient is not disposed.
    /// </summary>
    public V6Client(HttpClient http, string apiPath = "/api")
    {
        _http = http;
        _root = http.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress (the server root).", nameof(http));
        _apiPath = "/" + apiPath.Trim('/');
        if (_apiPath == "/") _apiPath = "";
        _refreshUrl = _apiPath + "/token/refresh";
        (Organizations, Users, Roles, Rules, Collaborations, Nodes, Studies, Tasks, Runs, Results) = CreateSubClients();
    }

    private (OrganizationClient, UserClient, RoleClient, RuleClient, CollaborationClient, NodeClient, StudyClient, TaskClient, RunClient, ResultClient) CreateSubClients() =>
        (new(this), new(this), new(this), new(this), new(this), new(this), new(this), new(this), new(this), new(this));

    /// <summary>Organizations.</summary>
    public OrganizationClient Organizations { get; }
    /// <summary>Users.</summary>
    public UserClient Users { get; }
    /// <summary>Roles.</summary>
    public RoleClient Roles { get; }
    /// <summary>Rules (read-only).</summary>
    public RuleClient Rules { get; }
    /// <summary>Collaborations.</summary>
    public CollaborationClient Collaborations { get; }
    /// <summary>Nodes.</summary>
    public NodeClient Nodes { get; }
    /// <summary>Studies.</summary>
    public StudyClient Studies { get; }
    /// <summary>Tasks: create (with encrypted inputs), wait, kill, delete.</summary>
    public TaskClient Tasks { get; }
    /// <summary>Runs.</summary>
    public RunClient Runs { get; }
    /// <summary>Decrypted results.</summary>
    public ResultClient Results { get; }

    /// <summary>The current access token (null before login).</summary>
    public string? AccessToken { get; private set; }

    /// <summary>The current refresh token (null before login).</summary>
    public string? RefreshToken { get; private set; }

    /// <summary>The logged-in user and organization (null before login).</summary>
    public Identity? Whoami { get; private set; }

    /// <summary>True once <see cref="SetupEncryptionAsync"/> loaded a private key.</summary>
    public bool HasPrivateKey => _privateKey is not null;

    // ------------------------------------------------------------------ authentication

    /// <summary>
    /// Logs in with username and password (plus the current TOTP code when the server requires
    /// two-factor authentication), then reads the user and organization.
    /// Throws <see cref="V6TwoFactorSetupRequiredException"/> on a first login with mandatory 2FA,
    /// <see cref="V6TwoFactorCodeRequiredException"/> when a code is needed, and
    /// <see cref="V6UnauthorizedException"/> for wrong credentials or a wrong code.
    /// </summary>
    public async Task<Identity> AuthenticateAsync(string username, string password, string? mfaCode = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["username"] = username, ["password"] = password };
        if (!string.IsNullOrEmpty(mfaCode)) body["mfa_code"] = mfaCode;
        var reply = (await SendAsync(HttpMethod.Post, Api("token/user"), body, authenticated: false, cancellationToken)).Json as JsonObject
                    ?? throw new V6ApiException(200, "The login reply is not a JSON object.", null);
        var msg = reply["msg"]?.GetValue<string>();
        if (reply["access_token"] is null)
        {
            if (reply["qr_uri"] is not null)
                throw new V6TwoFactorSetupRequiredException(msg ?? "Two-factor authentication must be set up.",
                    reply["otp_secret"]?.GetValue<string>() ?? "", reply["qr_uri"]!.GetValue<string>());
            throw new V6TwoFactorCodeRequiredException(msg ?? "A two-factor authentication code is required.");
        }
        StoreTokens(reply);
        var userId = ReadSubject(AccessToken!);
        var user = await GetAsync<User>(Api($"user/{userId}"), cancellationToken);
        var orgId = user.Organization?.Id ?? throw new V6ApiException(200, "The user has no organization.", null);
        var org = await GetAsync<Organization>(Api($"organization/{orgId}"), cancellationToken);
        Whoami = new Identity { UserId = userId, Username = user.Username, Firstname = user.Firstname, OrganizationId = orgId, OrganizationName = org.Name };
        return Whoami;
    }

    /// <summary>Exchanges the refresh token for a new access and refresh token.</summary>
    public async Task RefreshTokenAsync(CancellationToken cancellationToken = default)
    {
        var refresh = RefreshToken ?? throw new InvalidOperationException("Not logged in: there is no refresh token.");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_root, _refreshUrl));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refresh);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw V6ApiException.FromResponse((int)response.StatusCode, text);
        StoreTokens(JsonNode.Parse(text) as JsonObject ?? throw new V6ApiException(200, "The refresh reply is not a JSON object.", null));
    }

    /// <summary>
    /// Continues a session with tokens obtained earlier (e.g. stored by another process); the access
    /// token is refreshed with <paramref name="refreshToken"/> when it is about to expire.
    /// <see cref="Whoami"/> stays as it was.
    /// </summary>
    public void UseTokens(string accessToken, string? refreshToken = null)
    {
        AccessToken = accessToken;
        RefreshToken = refreshToken;
    }

    private void StoreTokens(JsonObject reply)
    {
        AccessToken = reply["access_token"]!.GetValue<string>();
        RefreshToken = reply["refresh_token"]?.GetValue<string>() ?? RefreshToken;
        if (reply["refresh_url"]?.GetValue<string>() is { Length: > 0 } url) _refreshUrl = url;
    }

    /// <summary>The payload of a JWT, decoded without verification.</summary>
    internal static JsonObject DecodeJwt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) throw new FormatException("Not a JWT.");
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
    }

    private static int ReadSubject(string token) => DecodeJwt(token)["sub"]!.GetValue<int>();

    private async Task RefreshIfExpiringAsync(string usedToken, CancellationToken ct)
    {
        if (RefreshToken is null) return;
        long exp;
        try { exp = DecodeJwt(usedToken)["exp"]?.GetValue<long>() ?? long.MaxValue; }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException) { return; }
        if (exp - DateTimeOffset.UtcNow.ToUnixTimeSeconds() > 30) return;
        await RefreshOnceAsync(usedToken, ct);
    }

    private async Task RefreshOnceAsync(string usedToken, CancellationToken ct)
    {
        await _refreshLock.WaitAsync(ct);
        try { if (AccessToken == usedToken) await RefreshTokenAsync(ct); }
        finally { _refreshLock.Release(); }
    }

    // ------------------------------------------------------------------ encryption

    /// <summary>
    /// Loads the organization's private key from a PEM file (PKCS#1 or PKCS#8) and makes sure the
    /// organization's public key on the server matches it (uploading it when it is missing or different).
    /// </summary>
    public Task SetupEncryptionAsync(string privateKeyPath, CancellationToken cancellationToken = default) =>
        SetupEncryptionFromPemAsync(File.ReadAllText(privateKeyPath), cancellationToken);

    /// <summary>As <see cref="SetupEncryptionAsync"/>, with the PEM text itself.</summary>
    public async Task SetupEncryptionFromPemAsync(string privateKeyPem, CancellationToken cancellationToken = default)
    {
        var me = Whoami ?? throw new InvalidOperationException("Log in before setting up encryption.");
        RSA key;
        try { key = RsaKeys.FromPrivateKeyPem(privateKeyPem); }
        catch (CryptographicException e) { throw new V6EncryptionException("The private key could not be read: " + e.Message, e); }
        _privateKey?.Dispose();
        _privateKey = key;
        var field = RsaKeys.PublicKeyField(key);
        var org = await Organizations.GetAsync(me.OrganizationId, cancellationToken);
        if (!SamePublicKey(org.PublicKey, field))
            await Organizations.UpdateAsync(me.OrganizationId, new OrganizationUpdate { PublicKey = field }, cancellationToken);
    }

    private static bool SamePublicKey(string? serverField, string localField)
    {
        if (string.IsNullOrEmpty(serverField)) return false;
        try { return Convert.FromBase64String(serverField).AsSpan().SequenceEqual(Convert.FromBase64String(localField)); }
        catch (FormatException) { return false; }
    }

    /// <summary>
    /// Writes a new organization key (RSA, PKCS#1 PEM) to <paramref name="path"/>; then call
    /// <see cref="SetupEncryptionAsync"/> to use it and upload its public part.
    /// </summary>
    public static void GeneratePrivateKey(string path, int keySize = RsaKeys.DefaultKeySize)
    {
        using var key = RsaKeys.Generate(keySize);
        File.WriteAllText(path, RsaKeys.ToPrivateKeyPem(key));
    }

    /// <summary>Input for one organization: encrypted for its public key, or base64 in unencrypted collaborations.</summary>
    internal async Task<string> EncodeInputAsync(byte[] plaintext, bool encrypted, int organizationId, bool useBlobStore, CancellationToken ct)
    {
        byte[]? blob = null;
        string? text = null;
        if (encrypted)
        {
            var org = await Organizations.GetAsync(organizationId, ct);
            if (string.IsNullOrEmpty(org.PublicKey))
                throw new V6EncryptionException($"Organization {organizationId} has no public key, so input for it cannot be encrypted.");
            try
            {
                using var key = RsaKeys.FromPublicKeyField(org.PublicKey);
                if (useBlobStore) blob = PayloadCryptor.EncryptBytes(plaintext, key);
                else text = PayloadCryptor.EncryptText(plaintext, key);
            }
            catch (CryptographicException e) { throw new V6EncryptionException($"Input for organization {organizationId} could not be encrypted: {e.Message}", e); }
        }
        else
        {
            text = PayloadCryptor.EncodeUnencrypted(plaintext);
            if (useBlobStore) blob = Encoding.ASCII.GetBytes(text);
        }
        if (!useBlobStore) return text!;
        var reply = await SendAsync(HttpMethod.Post, Api("blobstream"), new BytesBody(blob!), authenticated: true, ct);
        return reply.Json!["uuid"]!.GetValue<string>();
    }

    /// <summary>Decrypts (or base64-decodes) a stored input or result; a blob id is downloaded first. Null stays null.</summary>
    internal async Task<string?> DecodePayloadAsync(string? payload, bool blob, CancellationToken ct)
    {
        if (payload is null) return null;
        byte[] plain;
        try
        {
            if (blob && payload.Length > 0)
            {
                var bytes = await GetBytesAsync(Api($"blobstream/{Uri.EscapeDataString(payload)}"), ct);
                plain = PayloadCryptor.IsEncryptedBytes(bytes)
                    ? PayloadCryptor.DecryptBytes(bytes, RequireKey())
                    : PayloadCryptor.DecodeUnencrypted(Encoding.ASCII.GetString(bytes));
            }
            else if (PayloadCryptor.IsEncryptedText(payload)) plain = PayloadCryptor.DecryptText(payload, RequireKey());
            else plain = PayloadCryptor.DecodeUnencrypted(payload);
        }
        catch (CryptographicException e) { throw new V6EncryptionException("The payload could not be decrypted: " + e.Message, e); }
        try { return new UTF8Encoding(false, true).GetString(plain); }
        catch (DecoderFallbackException e) { throw new V6EncryptionException("The decrypted payload is not UTF-8 text.", e); }
    }

    private RSA RequireKey() => _privateKey ?? throw new V6EncryptionException(
        "The payload is encrypted: load the organization's private key with SetupEncryptionAsync first.");

    /// <summary>Whether the server stores inputs and results in its blob store.</summary>
    internal async Task<bool> BlobStoreEnabledAsync(CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, Api("blobstream/status"), null, authenticated: true, ct)).Json?["blob_store_enabled"]?.GetValue<bool>() == true;

    // ------------------------------------------------------------------ HTTP

    internal Uri Api(string resource, Query? query = null) =>
        new(_root, _apiPath + "/" + resource + (query is null ? "" : query.ToString()));

    internal Uri Link(string serverRelative) => new(_root, serverRelative);

    internal sealed record Reply(JsonNode? Json, HttpResponseHeaders Headers);

    private sealed record BytesBody(byte[] Bytes);

    internal async Task<Reply> SendAsync(HttpMethod method, Uri uri, object? body, bool authenticated, CancellationToken ct)
    {
        var token = authenticated ? AccessToken ?? throw new InvalidOperationException("Not logged in: call AuthenticateAsync first.") : null;
        if (token is not null) await RefreshIfExpiringAsync(token, ct);
        for (var attempt = 0; ; attempt++)
        {
            token = authenticated ? AccessToken : null;
            using var request = new HttpRequestMessage(method, uri);
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Content = body switch
            {
                null => null,
                BytesBody b => new ByteArrayContent(b.Bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                JsonNode n => new StringContent(n.ToJsonString(ClientJson.Options), Encoding.UTF8, "application/json"),
                _ => new StringContent(JsonSerializer.Serialize(body, body.GetType(), ClientJson.Options), Encoding.UTF8, "application/json"),
            };
            using var response = await _http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                JsonNode? json = null;
                if (text.Length > 0)
                {
                    try { json = JsonNode.Parse(text); }
                    catch (JsonException) { throw new V6ApiException((int)response.StatusCode, "The server's answer is not JSON.", null); }
                }
                return new Reply(json, response.Headers);
            }
            var error = V6ApiException.FromResponse((int)response.StatusCode, text);
            // An access token that expired between the check and the request: refresh once and repeat.
            if (attempt == 0 && token is not null && error is V6UnauthorizedException && error.ServerMessage == "Token has expired" && RefreshToken is not null)
            {
                await RefreshOnceAsync(token, ct);
                continue;
            }
            throw error;
        }
    }

    private async Task<byte[]> GetBytesAsync(Uri uri, CancellationToken ct)
    {
        var token = AccessToken ?? throw new InvalidOperationException("Not logged in: call AuthenticateAsync first.");
        await RefreshIfExpiringAsync(token, ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw V6ApiException.FromResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    internal static T Read<T>(JsonNode? json) =>
        (json ?? throw new V6ApiException(200, "The server's answer is empty.", null)).Deserialize<T>(ClientJson.Options)
        ?? throw new V6ApiException(200, $"The server's answer is not a {typeof(T).Name}.", json);

    internal async Task<T> GetAsync<T>(Uri uri, CancellationToken ct) => Read<T>((await SendAsync(HttpMethod.Get, uri, null, true, ct)).Json);

    internal async Task<T> SendAsync<T>(HttpMethod method, Uri uri, object? body, CancellationToken ct) =>
        Read<T>((await SendAsync(method, uri, body, true, ct)).Json);

    /// <summary>Sends a request whose answer is <c>{"msg": ...}</c> and returns the message.</summary>
    internal async Task<string> SendForMessageAsync(HttpMethod method, Uri uri, object? body, CancellationToken ct) =>
        (await SendAsync(method, uri, body, true, ct)).Json?["msg"]?.GetValue<string>() ?? "";

    /// <summary>Lists a collection: every page (following <c>links.next</c>), or one page when <see cref="ListOptions.Page"/> is set.</summary>
    internal async Task<IReadOnlyList<T>> ListAsync<T>(string resource, Query query, ListOptions? options, CancellationToken ct)
    {
        query.Add("per_page", options?.PerPage).Add("sort", options?.Sort).Add("page", options?.Page);
        var items = new List<T>();
        Uri? next = Api(resource, query);
        while (next is not null)
        {
            var reply = await SendAsync(HttpMethod.Get, next, null, true, ct);
            var data = reply.Json?["data"] as JsonArray ?? throw new V6ApiException(200, "The answer has no 'data' list.", reply.Json);
            items.AddRange(data.Select(Read<T>));
            if (options?.Page is not null || data.Count == 0) break;
            var link = reply.Json!["links"]?["next"]?.GetValue<string>() ?? NextFromLinkHeader(reply.Headers);
            next = link is null ? null : Link(link);
        }
        return items;
    }

    private static string? NextFromLinkHeader(HttpResponseHeaders headers)
    {
        if (!headers.TryGetValues("Link", out var values)) return null;
        foreach (var part in string.Join(",", values).Split(','))
        {
            var pieces = part.Split(';', 2);
            if (pieces.Length == 2 && pieces[1].Trim().Replace("\"", "") == "rel=next") return pieces[0].Trim().Trim('<', '>');
        }
        return null;
    }

    /// <summary>Forgets the private key and disposes the HttpClient if this client created it.</summary>
    public void Dispose()
    {
        _privateKey?.Dispose();
        _refreshLock.Dispose();
        if (_ownsHttp) _http.Dispose();
    }
}

/// <summary>Query-string builder; null values are left out.</summary>
internal sealed class Query
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    public Query Add(string key, object? value)
    {
        switch (value)
        {
            case null: break;
            case bool b: _items.Add(new(key, b ? "true" : "false")); break;
            case IFormattable f: _items.Add(new(key, f.ToString(null, System.Globalization.CultureInfo.InvariantCulture))); break;
            default: _items.Add(new(key, value.ToString()!)); break;
        }
        return this;
    }

    public override string ToString() =>
        _items.Count == 0 ? "" : "?" + string.Join("&", _items.Select(i => Uri.EscapeDataString(i.Key) + "=" + Uri.EscapeDataString(i.Value)));
}
