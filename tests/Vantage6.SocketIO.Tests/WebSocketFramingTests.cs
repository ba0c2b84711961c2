using System.Text;
using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>The server's RFC 6455 framing, seen from a client that writes its frames by hand.</summary>
public sealed class WebSocketFramingTests
{
    private static async Task<FrameClient> ConnectedAsync(DemoServer server)
    {
        var (client, response) = await FrameClient.ConnectAsync(server.Url, "EIO=4&transport=websocket");
        Assert.StartsWith("HTTP/1.1 101", response);
        Assert.StartsWith("0{", await client.ReceiveTextAsync());
        await client.SendTextAsync("40/demo,");
        Assert.StartsWith("40/demo,{\"sid\":", await client.ReceiveTextAsync());
        Assert.StartsWith("42/demo,[\"welcome\"", await client.ReceiveTextAsync());
        return client;
    }

    [Fact]
    public async Task FragmentedMessage_WithPingBetweenFragments_IsAnsweredWithPongThenHandledWhole()
    {
        await using var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        await client.SendTextAsync("42/demo,7[\"ec", fin: false);
        await client.SendFrameAsync(0x9, "are you there"u8.ToArray());
        await client.SendTextAsync("ho\",\"split\"]", fin: true, opcode: 0);
        var pong = await client.ReceiveFrameAsync();
        Assert.Equal(0xA, pong!.Value.Opcode);
        Assert.Equal("are you there", Encoding.UTF8.GetString(pong.Value.Payload));
        Assert.Equal("43/demo,7[\"split\"]", await client.ReceiveTextAsync());
    }

    [Theory]
    [InlineData(300)]      // 16-bit length
    [InlineData(70_000)]   // 64-bit length
    public async Task LongMessages_UseExtendedLengthsBothWays(int size)
    {
        await using var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        var text = new string('y', size);
        await client.SendTextAsync($"42/demo,1[\"echo\",\"{text}\"]");
        Assert.Equal($"43/demo,1[\"{text}\"]", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task ClientClose_IsEchoedWithItsStatusAndEndsTheSocket()
    {
        await using var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        await client.SendFrameAsync(0x8, [0x03, 0xE9]); // 1001 going away
        var close = await client.ReceiveFrameAsync();
        Assert.Equal(0x8, close!.Value.Opcode);
        Assert.Equal(new byte[] { 0x03, 0xE9 }, close.Value.Payload);
        Assert.Null(await client.ReceiveFrameAsync());
        await Wait.UntilAsync(() => server.Demo.LocalSocketCount == 0, "the socket to leave");
    }

    [Theory]
    [InlineData("unmasked", 1002)]
    [InlineData("bad utf-8", 1007)]
    [InlineData("reserved bit", 1002)]
    [InlineData("continuation first", 1002)]
    public async Task ProtocolViolations_AreClosedWithTheirStatusCode(string violation, int status)
    {
        await using var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        switch (violation)
        {
            case "unmasked": await client.SendFrameAsync(0x1, "42/demo,[\"echo\"]"u8.ToArray(), masked: false); break;
            case "bad utf-8": await client.SendFrameAsync(0x1, [(byte)'4', (byte)'2', 0xC3, 0x28]); break;
            case "reserved bit": await client.SendFrameAsync(0x41, "42"u8.ToArray()); break;
            case "continuation first": await client.SendFrameAsync(0x0, "42"u8.ToArray()); break;
        }
        var close = await client.ReceiveFrameAsync();
        Assert.Equal(0x8, close!.Value.Opcode);
        Assert.Equal(status, close.Value.Payload[0] << 8 | close.Value.Payload[1]);
        await Wait.UntilAsync(() => server.Demo.LocalSocketCount == 0, "the socket to leave");
    }

    [Fact]
    public async Task BinaryMessage_ReachesTheEngineAsBinary()
    {
        await using var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        // Socket.IO ignores a binary packet without its header packet: the socket stays usable.
        await client.SendFrameAsync(0x2, [1, 2, 3]);
        await client.SendTextAsync("42/demo,2[\"echo\",\"after\"]");
        Assert.Equal("43/demo,2[\"after\"]", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task HandshakeWithUnsupportedVersion_Is400WithTheSupportedVersion()
    {
        await using var server = await DemoServer.StartAsync();
        var (client, response) = await FrameClient.ConnectAsync(server.Url, "EIO=4&transport=websocket", version: "8");
        using (client)
        {
            Assert.StartsWith("HTTP/1.1 400", response);
            Assert.Contains("Sec-WebSocket-Version: 13", response, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WebSocket_IsServedOnTheBareConnectionOrThroughTheHttpLayer_Alike(bool bareConnections)
    {
        await using var server = await DemoServer.StartAsync(bareConnections: bareConnections);
        using var client = await ConnectedAsync(server);
        await client.SendTextAsync("42/demo,1[\"echo\",\"same\"]");
        Assert.Equal("43/demo,1[\"same\"]", await client.ReceiveTextAsync());
        Assert.Equal(bareConnections ? 0 : 1, server.HttpRequests);
    }

    [Fact]
    public async Task Handshake_ArrivingInPieces_WithTheFirstFrameRightBehindIt_IsServed()
    {
        await using var server = await DemoServer.StartAsync();
        var (client, response) = await FrameClient.ConnectAsync(server.Url, "EIO=4&transport=websocket", splitAt: 30, withFirstFrame: "40/demo,");
        using (client)
        {
            Assert.StartsWith("HTTP/1.1 101", response);
            Assert.StartsWith("0{", await client.ReceiveTextAsync());
            Assert.StartsWith("40/demo,{\"sid\":", await client.ReceiveTextAsync());
            Assert.Equal(0, server.HttpRequests);
        }
    }

    [Theory]
    [InlineData("EIO=3&transport=websocket", "400")]        // unsupported protocol: the HTTP layer's answer
    [InlineData("EIO=4&transport=websocket&sid=nope", "400")] // unknown session
    public async Task HandshakesTheBarePathDoesNotTake_GetTheHttpLayersAnswer(string query, string status)
    {
        await using var server = await DemoServer.StartAsync();
        var (client, response) = await FrameClient.ConnectAsync(server.Url, query);
        using (client) Assert.StartsWith($"HTTP/1.1 {status}", response);
        Assert.Equal(1, server.HttpRequests);
    }

    [Fact]
    public async Task SlowReader_GetsEveryFrameWholeAndInOrder_WithoutHoldingUpOtherSockets()
    {
        await using var server = await DemoServer.StartAsync();
        using var slow = await ConnectedAsync(server);
        using var fast = await ConnectedAsync(server);
        // 10 MB to a client that reads nothing yet: more than the kernel buffers take, so most of it
        // waits on the server while the other socket is served.
        const int Count = 40;
        var payload = new string('z', 256 * 1024);
        var fastReceived = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
                Assert.Equal($"42/demo,[\"big\",{i},\"{payload}\"]", await fast.ReceiveTextAsync());
        });
        for (int i = 0; i < Count; i++) await server.Demo.EmitAsync("big", i, payload);
        await fastReceived.WaitAsync(TimeSpan.FromSeconds(30));

        for (int i = 0; i < Count; i++)
            Assert.Equal($"42/demo,[\"big\",{i},\"{payload}\"]", await slow.ReceiveTextAsync());
        await slow.SendTextAsync("42/demo,1[\"echo\",\"still here\"]");
        Assert.Equal("43/demo,1[\"still here\"]", await slow.ReceiveTextAsync());
    }

    [Fact]
    public async Task StoppingServer_ClosesBareWebSocketsWithGoingAway_AndStopsOnceTheyAnswer()
    {
        var server = await DemoServer.StartAsync();
        using var client = await ConnectedAsync(server);
        var stopping = server.DisposeAsync().AsTask();
        (int Opcode, byte[] Payload)? frame;
        while ((frame = await client.ReceiveFrameAsync()) is { Opcode: not 8 }) { }
        Assert.NotNull(frame);
        Assert.Equal(1001, frame.Value.Payload[0] << 8 | frame.Value.Payload[1]);
        await client.SendFrameAsync(0x8, [0x03, 0xE9]);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
