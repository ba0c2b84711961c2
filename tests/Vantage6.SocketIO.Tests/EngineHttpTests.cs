using System.Net;
using System.Net.Http;
using System.Text;
using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>Engine.IO handshake, polling and error answers, checked over raw HTTP.</summary>
public sealed class EngineHttpTests : IAsyncLifetime
{
    private DemoServer _server = null!;
    private RawPollingClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await DemoServer.StartAsync(o => o.Engine.MaxPayload = 1000);
        _client = new RawPollingClient(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_AnnouncesSessionUpgradesAndHeartbeat()
    {
        using var response = await _client.Http.GetAsync(_client.Url("EIO=4&transport=polling&t=123"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=UTF-8", response.Content.Headers.ContentType!.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("0{", body);
        var open = System.Text.Json.JsonDocument.Parse(body[1..]).RootElement;
        Assert.Equal(20, open.GetProperty("sid").GetString()!.Length);
        Assert.Equal("[\"websocket\"]", open.GetProperty("upgrades").GetRawText());
        Assert.Equal(25000, open.GetProperty("pingInterval").GetInt32());
        Assert.Equal(60000, open.GetProperty("pingTimeout").GetInt32());
        Assert.Equal(1000, open.GetProperty("maxPayload").GetInt32());
    }

    [Fact]
    public async Task PathWithoutTrailingSlash_IsServedToo()
    {
        var body = await _client.Http.GetStringAsync($"{_server.Url}/socket.io?EIO=4&transport=polling");
        Assert.StartsWith("0{\"sid\"", body);
    }

    [Theory]
    [InlineData("EIO=3&transport=polling", "unsupported version")]
    [InlineData("transport=polling", "unsupported version")]
    [InlineData("EIO=4&transport=carrier-pigeon", "Invalid transport")]
    [InlineData("EIO=4&transport=polling&j=1", "Invalid transport")]
    [InlineData("EIO=4&transport=websocket", "Invalid websocket upgrade")]
    [InlineData("EIO=4&transport=polling&sid=doesnotexist", "Invalid session doesnotexist")]
    public async Task BadRequests_Answer400(string query, string message)
    {
        using var response = await _client.Http.GetAsync(_client.Url(query));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OtherMethods_Answer405()
    {
        using var response = await _client.Http.PutAsync(_client.Url("EIO=4&transport=polling"), new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Cors_EchoesAllowedOriginAndRefusesOthers()
    {
        using var allowed = new HttpRequestMessage(HttpMethod.Get, _client.Url("EIO=4&transport=polling"));
        allowed.Headers.Add("Origin", "http://allowed.example");
        using var ok = await _client.Http.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("http://allowed.example", ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", ok.Headers.GetValues("Access-Control-Allow-Credentials").Single());

        using var denied = new HttpRequestMessage(HttpMethod.Get, _client.Url("EIO=4&transport=polling"));
        denied.Headers.Add("Origin", "http://evil.example");
        using var refused = await _client.Http.SendAsync(denied);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("\"Not an accepted origin.\"", await refused.Content.ReadAsStringAsync());

        using var preflight = new HttpRequestMessage(HttpMethod.Options, _client.Url("EIO=4&transport=polling"));
        preflight.Headers.Add("Origin", "http://allowed.example");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var pre = await _client.Http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.OK, pre.StatusCode);
        Assert.Equal("OPTIONS, GET, POST", pre.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("authorization", pre.Headers.GetValues("Access-Control-Allow-Headers").Single());
    }

    [Fact]
    public async Task Polling_ConnectEventAndAck()
    {
        await _client.HandshakeAsync(r => r.Headers.Add("X-Demo", "from-handshake"));
        (await _client.PostAsync("40/demo,{\"token\":\"abc\"}")).EnsureSuccessStatusCode();
        var connected = await _client.PollUntilAsync(p => p.StartsWith("40/demo,"));
        Assert.Matches("^40/demo,\\{\"sid\":\"[A-Za-z0-9_-]{20}\"\\}$", connected);
        var welcome = await _client.PollUntilAsync(p => p.StartsWith("42/demo,[\"welcome\""));
        Assert.Contains("\"auth\":{\"token\":\"abc\"}", welcome);
        Assert.Contains("\"header\":\"from-handshake\"", welcome);

        using var ok = await _client.PostAsync("42/demo,7[\"echo\",{\"a\":1},null]");
        Assert.Equal("ok", await ok.Content.ReadAsStringAsync());
        Assert.Equal("43/demo,7[{\"a\":1},null]", await _client.PollUntilAsync(p => p.StartsWith("43/demo,")));

        // An event with ack id on a handler that does not acknowledge still gets an empty ack.
        (await _client.PostAsync("42/demo,8[\"to_room\",\"nobody\",1]")).EnsureSuccessStatusCode();
        Assert.Equal("43/demo,8[]", await _client.PollUntilAsync(p => p.StartsWith("43/demo,")));
    }

    [Fact]
    public async Task Connect_UnknownNamespaceOrTwice_IsRefused()
    {
        await _client.HandshakeAsync();
        (await _client.PostAsync("40/nope,")).EnsureSuccessStatusCode();
        Assert.StartsWith("44/nope,{\"message\":", await _client.PollUntilAsync(p => p.StartsWith("44")));
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        await _client.PollUntilAsync(p => p.StartsWith("40/demo,"));
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        Assert.StartsWith("44/demo,", await _client.PollUntilAsync(p => p.StartsWith("44")));
        Assert.Equal(1, _server.Demo.LocalSocketCount);
    }

    [Fact]
    public async Task Connect_RefusedByAuthorizeHook()
    {
        await _client.HandshakeAsync(r => r.Headers.Add("X-Refuse", "1"));
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        Assert.StartsWith("44/demo,", await _client.PollUntilAsync(p => p.StartsWith("4")));
        Assert.Equal(0, _server.Demo.LocalSocketCount);
    }

    [Fact]
    public async Task Polling_AtMost16PacketsPerResponse()
    {
        await _client.HandshakeAsync();
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        await _client.PollUntilAsync(p => p.StartsWith("42/demo,[\"welcome\""));
        var acks = Enumerable.Range(1, 20).Select(i => $"42/demo,{i}[\"echo\",{i}]").ToArray();
        (await _client.PostAsync(acks)).EnsureSuccessStatusCode();
        // Handlers answer asynchronously: give them time to queue all 20 acks, then drain.
        await Task.Delay(500);
        var responses = new List<string[]>();
        while (responses.Sum(r => r.Length) < 20) responses.Add(await _client.PollAsync());
        Assert.All(responses, r => Assert.InRange(r.Length, 1, 16));
        Assert.True(responses.Count >= 2);
        Assert.Equal("43/demo,20[20]", responses[^1][^1]);
    }

    [Fact]
    public async Task SecondConcurrentPoll_Answers400AndClosesSession()
    {
        await _client.HandshakeAsync();
        var held = _client.Http.GetAsync(_client.SessionUrl);
        await Task.Delay(200);
        using var second = await _client.Http.GetAsync(_client.SessionUrl);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        await held;
        using var after = await _client.Http.GetAsync(_client.SessionUrl);
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
    }

    [Fact]
    public async Task PostLargerThanMaxPayload_Answers400AndClosesSession()
    {
        await _client.HandshakeAsync();
        using var tooLarge = await _client.PostAsync("4" + new string('x', 1200));
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        using var after = await _client.Http.GetAsync(_client.SessionUrl);
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
    }

    [Fact]
    public async Task ClientClosePacket_EndsSessionAndDisconnectsSockets()
    {
        await _client.HandshakeAsync();
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        var connected = await _client.PollUntilAsync(p => p.StartsWith("40/demo,"));
        var socketId = connected[(connected.IndexOf(":\"") + 2)..^2];
        (await _client.PostAsync("1")).EnsureSuccessStatusCode();
        Assert.Equal("transport close", (await _server.WaitForDisconnectAsync(socketId)).Reason);
        using var after = await _client.Http.GetAsync(_client.SessionUrl);
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
    }

    [Fact]
    public async Task ServerClose_SendsDisconnectThenClosePacket()
    {
        await _client.HandshakeAsync();
        (await _client.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        await _client.PollUntilAsync(p => p.StartsWith("42/demo,[\"welcome\""));
        (await _client.PostAsync("42/demo,[\"server_close\"]")).EnsureSuccessStatusCode();
        Assert.Equal("41/demo,", await _client.PollUntilAsync(p => p.StartsWith("41")));
        Assert.Equal("1", await _client.NextPacketAsync());
        using var after = await _client.Http.GetAsync(_client.SessionUrl);
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
    }
}
