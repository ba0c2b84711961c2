using System.Collections.Concurrent;
using System.Text.Json;
using SocketIOClient;
using SocketIOClient.Transport;
using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>The library against an independent client: the SocketIOClient package, over both transports.</summary>
public sealed class SocketIOClientTests : IAsyncLifetime
{
    private DemoServer _server = null!;
    private readonly List<SocketIOClient.SocketIO> _clients = [];

    public async Task InitializeAsync() => _server = await DemoServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try { await client.DisconnectAsync(); } catch (Exception) { }
            client.Dispose();
        }
        await _server.DisposeAsync();
    }

    /// <summary>A client with a recorder of every event it receives, in arrival order.</summary>
    private sealed class Recorded(SocketIOClient.SocketIO client)
    {
        public SocketIOClient.SocketIO Client { get; } = client;
        public ConcurrentQueue<(string Name, JsonElement Arg)> Events { get; } = new();
        public IEnumerable<JsonElement> Of(string name) => Events.Where(e => e.Name == name).Select(e => e.Arg);

        public Task<JsonElement> NextAsync(string name, int skip = 0) =>
            Wait.UntilAsync(() => Of(name).Count() > skip, name).ContinueWith(t => { t.GetAwaiter().GetResult(); return Of(name).ElementAt(skip); });
    }

    private async Task<Recorded> ConnectAsync(TransportProtocol transport, bool reconnection = false,
        Dictionary<string, string>? headers = null, object? auth = null)
    {
        var client = new SocketIOClient.SocketIO($"{_server.Url}/demo", new SocketIOOptions
        {
            Transport = transport,
            AutoUpgrade = false,
            Reconnection = reconnection,
            ReconnectionDelay = 100,
            ExtraHeaders = headers,
            Auth = auth,
            ConnectionTimeout = TimeSpan.FromSeconds(10),
        });
        _clients.Add(client);
        var recorded = new Recorded(client);
        foreach (var name in new[] { "welcome", "room_message", "broadcast_message", "client_answered" })
            client.On(name, response => recorded.Events.Enqueue((name, response.Count > 0 ? response.GetValue(0) : default)));
        await client.ConnectAsync();
        await recorded.NextAsync("welcome");
        return recorded;
    }

    private static async Task<JsonElement> CallAsync(SocketIOClient.SocketIO client, string name, params object[] args)
    {
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync(name, response => answer.TrySetResult(response.Count > 0 ? response.GetValue(0) : default), args);
        return await Wait.ForAsync(answer.Task);
    }

    public static TheoryData<TransportProtocol> Transports => new() { TransportProtocol.Polling, TransportProtocol.WebSocket };

    [Theory, MemberData(nameof(Transports))]
    public async Task Connect_SeesAuthPayloadAndHandshakeHeaders(TransportProtocol transport)
    {
        var a = await ConnectAsync(transport, headers: new() { ["X-Demo"] = "csharp" }, auth: new { token = "t1" });
        var welcome = a.Of("welcome").Single();
        Assert.Equal("csharp", welcome.GetProperty("header").GetString());
        Assert.Equal("t1", welcome.GetProperty("auth").GetProperty("token").GetString());
        Assert.Equal(a.Client.Id, welcome.GetProperty("id").GetString());
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task Event_WithAck_GetsArgumentsBack(TransportProtocol transport)
    {
        var a = await ConnectAsync(transport);
        var echoed = await CallAsync(a.Client, "echo", new { n = 42, s = "ü" });
        Assert.Equal(42, echoed.GetProperty("n").GetInt32());
        Assert.Equal("ü", echoed.GetProperty("s").GetString());
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task Rooms_DeliverOnlyToMembers(TransportProtocol transport)
    {
        var member = await ConnectAsync(transport);
        var outsider = await ConnectAsync(transport);
        Assert.Equal("joined", (await CallAsync(member.Client, "join", "r1")).GetString());
        await outsider.Client.EmitAsync("to_room", "r1", "first");
        Assert.Equal("first", (await member.NextAsync("room_message")).GetString());

        Assert.Equal("left", (await CallAsync(member.Client, "leave", "r1")).GetString());
        await outsider.Client.EmitAsync("to_room", "r1", "second");
        // Delivery is ordered per session: once the later broadcast arrived, a room message would have too.
        await outsider.Client.EmitAsync("broadcast", "marker");
        Assert.Equal("marker", (await member.NextAsync("broadcast_message")).GetString());
        Assert.Single(member.Of("room_message"));
        Assert.Empty(outsider.Of("room_message"));
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task Broadcast_ReachesEveryoneButSender(TransportProtocol transport)
    {
        var sender = await ConnectAsync(transport);
        var other = await ConnectAsync(transport);
        await sender.Client.EmitAsync("broadcast", "hello");
        Assert.Equal("hello", (await other.NextAsync("broadcast_message")).GetString());
        // The echo ack is sent after the broadcast was delivered, so a copy for the sender would be here already.
        await CallAsync(sender.Client, "echo", 1);
        Assert.Empty(sender.Of("broadcast_message"));
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task ServerEmitWithAck_GetsClientAnswer(TransportProtocol transport)
    {
        var a = await ConnectAsync(transport);
        a.Client.On("question", response => response.CallbackAsync("answer to " + response.GetValue<string>(0)));
        await a.Client.EmitAsync("ask_client", "q1");
        Assert.Equal("answer to q1", (await a.NextAsync("client_answered")).GetString());
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task ServerClose_DisconnectsClient(TransportProtocol transport)
    {
        var a = await ConnectAsync(transport);
        var id = a.Client.Id;
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Client.OnDisconnected += (_, r) => reason.TrySetResult(r);
        await a.Client.EmitAsync("server_close");
        Assert.Equal("io server disconnect", await Wait.ForAsync(reason.Task));
        Assert.Equal("server namespace disconnect", (await _server.WaitForDisconnectAsync(id)).Reason);
        await Wait.UntilAsync(() => _server.Server.Engine.SessionCount == 0, "the session to end");
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task LostTransport_ClientReconnectsWithNewSocket(TransportProtocol transport)
    {
        var a = await ConnectAsync(transport, reconnection: true);
        var firstId = a.Client.Id;
        await a.Client.EmitAsync("drop_transport");
        Assert.Equal("transport error", (await _server.WaitForDisconnectAsync(firstId)).Reason);
        var second = await a.NextAsync("welcome", skip: 1);
        Assert.NotEqual(firstId, second.GetProperty("id").GetString());
        Assert.Equal("again", (await CallAsync(a.Client, "echo", "again")).GetString());
    }
}
