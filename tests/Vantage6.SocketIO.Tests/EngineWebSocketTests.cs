using System.Net;
using System.Text.Json;
using Vantage6.SocketIO.Hub;
using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>Websocket transport, the polling→websocket upgrade and heartbeats, over raw frames.</summary>
public sealed class EngineWebSocketTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DirectWebSocket_OpenHasNoUpgradesAndCarriesEvents(bool bareConnections)
    {
        await using var server = await DemoServer.StartAsync(bareConnections: bareConnections);
        using var ws = await RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        var open = await ws.ReceiveAsync();
        Assert.StartsWith("0{", open);
        Assert.Equal("[]", JsonDocument.Parse(open![1..]).RootElement.GetProperty("upgrades").GetRawText());
        await ws.SendAsync("40/demo,");
        Assert.StartsWith("40/demo,{\"sid\":", await ws.ReceiveAsync());
        Assert.StartsWith("42/demo,[\"welcome\"", await ws.ReceiveAsync());
        await ws.SendAsync("42/demo,3[\"echo\",\"hi\"]");
        Assert.Equal("43/demo,3[\"hi\"]", await ws.ReceiveAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Upgrade_ProbeThenNoopReleasesPollThenWebSocketCarriesQueuedPackets(bool bareConnections)
    {
        await using var server = await DemoServer.StartAsync(bareConnections: bareConnections);
        using var polling = new RawPollingClient(server.Url);
        await polling.HandshakeAsync();
        (await polling.PostAsync("40/demo,")).EnsureSuccessStatusCode();
        await polling.PollUntilAsync(p => p.StartsWith("42/demo,[\"welcome\""));

        var heldPoll = polling.Http.GetStringAsync(polling.SessionUrl);
        using var ws = await RawWebSocket.ConnectAsync(server.Url, $"EIO=4&transport=websocket&sid={polling.Sid}");
        await ws.SendAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveAsync());
        Assert.Equal("6", await Wait.ForAsync(heldPoll));
        // Emitted between probe and upgrade: must come out on the websocket afterwards.
        await server.Demo.EmitAsync("during_upgrade", 1);
        await ws.SendAsync("5");
        Assert.Equal("42/demo,[\"during_upgrade\",1]", await ws.ReceiveAsync());
        // Polling is over for this session.
        Assert.Equal("6", await polling.Http.GetStringAsync(polling.SessionUrl));
        await ws.SendAsync("42/demo,1[\"echo\",true]");
        Assert.Equal("43/demo,1[true]", await ws.ReceiveAsync());
    }

    [Fact]
    public async Task UpgradeRequest_ForUnknownSession_Answers400()
    {
        await using var server = await DemoServer.StartAsync();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket&sid=unknown"));
        Assert.Contains("400", ex.ToString());
    }

    [Fact]
    public async Task WebSocketMessageLargerThanMaxPayload_ClosesSession()
    {
        await using var server = await DemoServer.StartAsync(o => o.Engine.MaxPayload = 1000);
        using var ws = await RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        await ws.ReceiveAsync();
        await ws.SendAsync("40/demo,");
        var sid = JsonDocument.Parse((await ws.ReceiveAsync())!["40/demo,".Length..]).RootElement.GetProperty("sid").GetString()!;
        await ws.SendAsync("42/demo,[\"echo\",\"" + new string('x', 2000) + "\"]");
        var (_, reason) = await server.WaitForDisconnectAsync(sid);
        Assert.Equal("transport error", reason);
    }

    [Fact]
    public async Task Heartbeat_FirstPingsOfSocketsThatConnectedTogether_AreSpreadOverHalfAnInterval()
    {
        await using var server = await DemoServer.StartAsync(o =>
        {
            o.Engine.PingInterval = TimeSpan.FromMilliseconds(1000);
            o.Engine.PingTimeout = TimeSpan.FromSeconds(10);
            o.Engine.HeartbeatResolution = TimeSpan.FromMilliseconds(20);
        });
        var sockets = new System.Collections.Concurrent.ConcurrentBag<RawWebSocket>();
        try
        {
            // Each clock starts before its connection exists, so it can only overstate the server's delay.
            var firstPings = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var ws = await RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket");
                sockets.Add(ws);
                await ws.ReceiveUntilAsync(f => f == "2");
                return clock.Elapsed.TotalMilliseconds;
            }));
            // No first ping before half an interval; not all in the same moment (12 random delays within
            // 500 ms all falling within 100 ms of each other is a one-in-millions event).
            Assert.All(firstPings, ms => Assert.True(ms >= 500, $"first ping after {ms:F0} ms"));
            Assert.True(firstPings.Max() - firstPings.Min() >= 100, $"first pings within {firstPings.Max() - firstPings.Min():F0} ms");
        }
        finally
        {
            foreach (var ws in sockets) ws.Dispose();
        }
    }

    [Fact]
    public async Task Heartbeat_PingsAndClosesSilentClientWithPingTimeout()
    {
        await using var server = await DemoServer.StartAsync(o =>
        {
            o.Engine.PingInterval = TimeSpan.FromMilliseconds(200);
            o.Engine.PingTimeout = TimeSpan.FromMilliseconds(1000); // generous: CI runs test projects in parallel
        });
        using var answering = await RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        using var silent = await RawWebSocket.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        await answering.ReceiveAsync();
        await silent.ReceiveAsync();
        await answering.SendAsync("40/demo,");
        await silent.SendAsync("40/demo,");
        var silentSid = JsonDocument.Parse((await silent.ReceiveAsync())!["40/demo,".Length..]).RootElement.GetProperty("sid").GetString()!;
        Assert.Equal("2", await silent.ReceiveUntilAsync(f => f == "2"));

        // The answering client keeps its session through several ping rounds.
        for (int i = 0; i < 4; i++) await answering.ReceiveUntilAsync(f => f == "2" && answerLater(answering));
        var (_, reason) = await server.WaitForDisconnectAsync(silentSid);
        Assert.Equal("ping timeout", reason);
        Assert.Equal(1, server.Demo.LocalSocketCount);

        static bool answerLater(RawWebSocket ws) { _ = ws.SendAsync("3"); return true; }
    }

    [Fact]
    public async Task Backplane_CarriesRoomBroadcastsBetweenInstances()
    {
        var backplane = new InProcessBackplane();
        await using var first = await DemoServer.StartAsync(backplane: backplane);
        await using var second = await DemoServer.StartAsync(backplane: backplane);
        using var onFirst = await RawWebSocket.ConnectAsync(first.Url, "EIO=4&transport=websocket");
        using var onSecond = await RawWebSocket.ConnectAsync(second.Url, "EIO=4&transport=websocket");
        foreach (var ws in new[] { onFirst, onSecond })
        {
            await ws.ReceiveAsync();
            await ws.SendAsync("40/demo,");
            await ws.ReceiveUntilAsync(f => f.StartsWith("42/demo,[\"welcome\""));
        }
        await onSecond.SendAsync("42/demo,1[\"join\",\"shared\"]");
        await onSecond.ReceiveUntilAsync(f => f.StartsWith("43/demo,1"));
        await onFirst.SendAsync("42/demo,[\"to_room\",\"shared\",\"across\"]");
        Assert.Equal("42/demo,[\"room_message\",\"across\"]", await onSecond.ReceiveAsync());
    }
}
