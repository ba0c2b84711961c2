using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Common.Configuration;

namespace Vantage6.Server.Vpn;

/// <summary>The portal refused our credentials or answered something we cannot use.</summary>
public sealed class VpnPortalAuthException(string message) : Exception(message);

/// <summary>The <c>vpn_server</c> section lacks a key the portal flow needs.</summary>
public sealed class VpnConfigException(string message) : Exception(message);

/// <summary>
/// Obtains an OpenVPN client configuration from an EduVPN portal (API v3) on behalf of a node
/// (api-federation §10.4): discovery, portal log-in with the configured account, OAuth2
/// authorization code with PKCE, then <c>/info</c> and <c>/connect</c>.
/// Connection failures surface as <see cref="HttpRequestException"/>.
/// </summary>
public sealed class EduVpnPortal(VpnServerConfig config, TimeSpan timeout)
{
    private const string ApiVersionKey = "http://eduvpn.org/api#3";

    public async Task<string> GetOpenVpnConfigAsync(CancellationToken ct)
    {
        var settings = Validated();
        // A fresh cookie jar per call: the portal's log-in session must not leak between requests.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { Timeout = timeout };

        var endpoints = await DiscoverAsync(http, settings.Url, ct);
        var portal = endpoints.Api.EndsWith("/api/v3", StringComparison.Ordinal) ? endpoints.Api[..^"/api/v3".Length] : endpoints.Api;
        var (verifier, challenge) = Pkce();
        var authorizeUrl = endpoints.Authorization + "?" + Query(
            ("client_id", settings.ClientId), ("redirect_uri", settings.RedirectUrl), ("response_type", "code"), ("scope", "config"),
            ("state", Convert.ToHexString(RandomNumberGenerator.GetBytes(8))), ("code_challenge_method", "S256"), ("code_challenge", challenge));

        using (var login = new HttpRequestMessage(HttpMethod.Post, portal + "/_user_pass_auth/verify"))
        {
            login.Headers.Referrer = new Uri(portal + "/home");
            login.Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["userName"] = settings.PortalUsername, ["userPass"] = settings.PortalUserpass,
                ["_user_pass_auth_redirect_to"] = authorizeUrl, ["authRedirectTo"] = authorizeUrl,
            });
            using var answer = await http.SendAsync(login, ct);
            if ((int)answer.StatusCode >= 400)
                throw new VpnPortalAuthException("Logging in to the EduVPN portal failed; check the 'url' of the vpn_server settings.");
        }

        string code;
        using (var authorize = await http.GetAsync(authorizeUrl, ct))
        {
            var location = authorize.Headers.Location;
            if ((int)authorize.StatusCode >= 400 || location is null)
                throw new VpnPortalAuthException("The EduVPN portal did not authorize us; check portal_username, portal_userpass, client_id and redirect_url.");
            if (!location.IsAbsoluteUri) location = new Uri(new Uri(authorizeUrl), location);
            code = QueryValue(location, "code")
                   ?? throw new VpnPortalAuthException("The EduVPN portal's redirect carries no authorization code.");
        }

        var accessToken = await TokenAsync(http, endpoints.Token, settings, code, verifier, ct);
        var profileId = await FirstProfileAsync(http, endpoints.Api, accessToken, ct);
        using var connect = new HttpRequestMessage(HttpMethod.Post, endpoints.Api + "/connect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["profile_id"] = profileId }),
        };
        connect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var config = await http.SendAsync(connect, ct);
        if (!config.IsSuccessStatusCode) throw new VpnPortalAuthException($"The EduVPN portal refused /connect ({(int)config.StatusCode}).");
        return await config.Content.ReadAsStringAsync(ct);
    }

    private sealed record Settings(string Url, string PortalUsername, string PortalUserpass, string ClientId, string ClientSecret, string RedirectUrl);

    private sealed record Endpoints(string Api, string Authorization, string Token);

    private Settings Validated()
    {
        (string Key, string? Value)[] required =
        [
            ("url", config.Url), ("portal_username", config.PortalUsername), ("portal_userpass", config.PortalUserpass),
            ("client_id", config.ClientId), ("client_secret", config.ClientSecret), ("redirect_url", config.RedirectUrl),
        ];
        foreach (var (key, value) in required)
            if (string.IsNullOrEmpty(value))
                throw new VpnConfigException($"The '{key}' parameter has not been defined in your vpn_server settings.");
        return new Settings(config.Url!.TrimEnd('/'), config.PortalUsername!, config.PortalUserpass!, config.ClientId!, config.ClientSecret!,
            config.RedirectUrl!);
    }

    private static async Task<Endpoints> DiscoverAsync(HttpClient http, string url, CancellationToken ct)
    {
        using var answer = await http.GetAsync(url + "/.well-known/vpn-user-portal", ct);
        JsonNode? v3 = null;
        if (answer.IsSuccessStatusCode)
        {
            try { v3 = (await answer.Content.ReadFromJsonAsync<JsonNode>(ct))?["api"]?[ApiVersionKey]; }
            catch (System.Text.Json.JsonException) { }
        }
        string? Get(string name) => v3?[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s.TrimEnd('/') : null;
        var (api, authorization, token) = (Get("api_endpoint"), Get("authorization_endpoint"), Get("token_endpoint"));
        if (api is null || authorization is null || token is null)
            throw new VpnPortalAuthException("The VPN server does not advertise the EduVPN API v3 endpoints.");
        return new Endpoints(api, authorization, token);
    }

    /// <summary>Tries the configured client as a confidential client first, then as a public one.</summary>
    private static async Task<string> TokenAsync(HttpClient http, string tokenUrl, Settings s, string code, string verifier, CancellationToken ct)
    {
        foreach (var confidential in new[] { true, false })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = s.RedirectUrl,
                    ["client_id"] = s.ClientId, ["code_verifier"] = verifier,
                }),
            };
            if (confidential)
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(s.ClientId)}:{Uri.EscapeDataString(s.ClientSecret)}")));
            using var answer = await http.SendAsync(request, ct);
            if (!answer.IsSuccessStatusCode) continue;
            try
            {
                if ((await answer.Content.ReadFromJsonAsync<JsonNode>(ct))?["access_token"] is JsonValue t && t.TryGetValue<string>(out var token))
                    return token;
            }
            catch (System.Text.Json.JsonException) { }
        }
        throw new VpnPortalAuthException("The EduVPN portal refused the authorization code; check client_id and client_secret.");
    }

    private static async Task<string> FirstProfileAsync(HttpClient http, string api, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, api + "/info");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var answer = await http.SendAsync(request, ct);
        JsonNode? info = null;
        if (answer.IsSuccessStatusCode)
        {
            try { info = await answer.Content.ReadFromJsonAsync<JsonNode>(ct); }
            catch (System.Text.Json.JsonException) { }
        }
        var profiles = (info?["info"]?["profile_list"] ?? info?["profile_list"]) as JsonArray;
        return profiles?.FirstOrDefault()?["profile_id"] is JsonValue id && id.TryGetValue<string>(out var profile)
            ? profile
            : throw new VpnPortalAuthException("The EduVPN portal lists no VPN profile for this account.");
    }

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(40));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Query(params (string Key, string Value)[] pairs) =>
        string.Join("&", pairs.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    private static string? QueryValue(Uri uri, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
}
