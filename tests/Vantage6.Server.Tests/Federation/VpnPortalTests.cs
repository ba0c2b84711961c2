using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Federation;

/// <summary>
/// A stand-in EduVPN portal (API v3) on 127.0.0.1: password log-in with a session cookie,
/// OAuth2 authorization code with PKCE checked for real, then /info and /connect.
/// </summary>
public sealed class FakeEduVpnPortal : IAsyncDisposable
{
    public const string ClientId = "vantage6-server", ClientSecret = "client-secret", Username = "v6-portal", AccessToken = "portal-access-token";
    public const string OpenVpnConfig = "client\ndev tun\nremote vpn.example.org 1194 udp\n<tls-crypt>\n...\n</tls-crypt>\n";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _challengeByCode = new();
    public string Url { get; }
    /// <summary>The portal password it accepts; tests change it to simulate wrong credentials.</summary>
    public string AcceptedPassword { get; set; } = "portal-password";
    public ConcurrentQueue<string> Calls { get; } = new();

    public FakeEduVpnPortal()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        Map(_app);
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    private void Map(WebApplication app)
    {
        string Base(HttpContext c) => $"http://{c.Request.Host}/vpn-user-portal";
        app.MapGet("/.well-known/vpn-user-portal", (HttpContext c) => Results.Json(new Dictionary<string, object>
        {
            ["api"] = new Dictionary<string, object>
            {
                ["http://eduvpn.org/api#3"] = new
                {
                    api_endpoint = Base(c) + "/api/v3", authorization_endpoint = Base(c) + "/oauth/authorize", token_endpoint = Base(c) + "/oauth/token",
                },
            },
        }));
        app.MapPost("/vpn-user-portal/_user_pass_auth/verify", async (HttpContext c) =>
        {
            var form = await c.Request.ReadFormAsync();
            Calls.Enqueue($"login referer={c.Request.Headers.Referer}");
            if (form["userName"] == Username && form["userPass"] == AcceptedPassword) c.Response.Cookies.Append("portal-session", "ok");
            return Results.Redirect(form["authRedirectTo"].ToString());
        });
        app.MapGet("/vpn-user-portal/oauth/authorize", (HttpContext c) =>
        {
            var q = c.Request.Query;
            if (c.Request.Cookies["portal-session"] != "ok" || q["client_id"] != ClientId || q["code_challenge_method"] != "S256" || q["scope"] != "config")
                return Results.Content("<html>please sign in</html>", "text/html");
            var code = Guid.NewGuid().ToString("N");
            _challengeByCode[code] = q["code_challenge"].ToString();
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={q["state"]}");
        });
        app.MapPost("/vpn-user-portal/oauth/token", async (HttpContext c) =>
        {
            var form = await c.Request.ReadFormAsync();
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
            var verifier = form["code_verifier"].ToString();
            var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            if (c.Request.Headers.Authorization != $"Basic {basic}" || !_challengeByCode.TryRemove(form["code"].ToString(), out var expected) || expected != challenge)
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            return Results.Json(new { access_token = AccessToken, token_type = "bearer", expires_in = 3600 });
        });
        app.MapGet("/vpn-user-portal/api/v3/info", (HttpContext c) => c.Request.Headers.Authorization != $"Bearer {AccessToken}"
            ? Results.StatusCode(401)
            : Results.Json(new { info = new { profile_list = new[] { new { profile_id = "vantage6", display_name = "vantage6" } } } }));
        app.MapPost("/vpn-user-portal/api/v3/connect", async (HttpContext c) =>
        {
            var form = await c.Request.ReadFormAsync();
            if (c.Request.Headers.Authorization != $"Bearer {AccessToken}" || form["profile_id"] != "vantage6") return Results.StatusCode(401);
            return Results.Text(OpenVpnConfig, "application/x-openvpn-profile");
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class VpnTestServer : V6TestServer, IAsyncLifetime
{
    public FakeEduVpnPortal Portal { get; } = new();

    protected override string ExtraYaml =>
        $"vpn_server: {{url: '{Portal.Url}', portal_username: {FakeEduVpnPortal.Username}, portal_userpass: portal-password, " +
        $"client_id: {FakeEduVpnPortal.ClientId}, client_secret: {FakeEduVpnPortal.ClientSecret}, redirect_url: 'http://localhost'}}";

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Portal.DisposeAsync();
    }
}

public sealed class IncompleteVpnTestServer : V6TestServer
{
    protected override string ExtraYaml => "vpn_server: {url: 'http://127.0.0.1:9', portal_username: someone, client_id: v6, redirect_url: 'http://localhost'}";
}

public class VpnPortalTests(VpnTestServer server) : IClassFixture<VpnTestServer>
{
    [Fact]
    public async Task Node_GetsTheOpenVpnConfigurationFromThePortal()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var reply = (await server.GetAsync("/api/vpn", n.Nodes[0].Token)).ExpectStatus(200).Json!;
        Assert.Equal(FakeEduVpnPortal.OpenVpnConfig, reply["ovpn_config"]!.GetValue<string>());
        Assert.Contains(server.Portal.Calls, c => c.EndsWith("/vpn-user-portal/home"));
        Assert.Equal(401, (await server.GetAsync("/api/vpn", n.Researcher)).Status);
    }

    [Fact]
    public async Task PortalRefusingTheCredentials_Is500WithTheReferenceMessage()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        server.Portal.AcceptedPassword = "changed-at-the-portal";
        try
        {
            var reply = await server.GetAsync("/api/vpn", n.Nodes[0].Token);
            Assert.Equal(500, reply.Status);
            Assert.Equal("Could not obtain VPN configuration because the vantage6 server could not authorize to the VPN portal. Please contact your server administrator.",
                reply.Msg);
        }
        finally { server.Portal.AcceptedPassword = "portal-password"; }
    }
}

public class IncompleteVpnConfigTests(IncompleteVpnTestServer server) : IClassFixture<IncompleteVpnTestServer>
{
    [Fact]
    public async Task MissingVpnKeys_Is500SayingTheServerIsNotConfigured()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var reply = await server.GetAsync("/api/vpn", n.Nodes[0].Token);
        Assert.Equal(500, reply.Status);
        Assert.Equal("Could not obtain VPN configuration because the vantage6 server is not properly configured for VPN. Please contact your server administrator.",
            reply.Msg);
    }
}

public sealed class UnreachableVpnTestServer : V6TestServer
{
    protected override string ExtraYaml =>
        "vpn_server: {url: 'http://127.0.0.1:9', portal_username: a, portal_userpass: b, client_id: c, client_secret: d, redirect_url: 'http://localhost'}";
}

public class UnreachableVpnTests(UnreachableVpnTestServer server) : IClassFixture<UnreachableVpnTestServer>
{
    [Fact]
    public async Task UnreachablePortal_Is503()
    {
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var reply = await server.GetAsync("/api/vpn", n.Nodes[0].Token);
        Assert.Equal((503, "VPN server unreachable. Please contact your server administrator"), (reply.Status, reply.Msg));
    }
}
