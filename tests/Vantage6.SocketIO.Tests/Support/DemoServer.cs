using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vantage6.SocketIO.Hub;

namespace Vantage6.SocketIO.Tests.Support;

/// <summary>
/// A minimal ASP.NET Core host on 127.0.0.1 serving a demo namespace <c>/demo</c>:
/// welcome on connect, echo with ack, rooms, broadcasts and server-side disconnects on request.
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DemoServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
        Server = app.Services.GetRequiredService<SocketServer>();
    }

    public string Url { get; }
    public SocketServer Server { get; }
    public SocketNamespace Demo => Server.Of("/demo");
    /// <summary>(socket id, reason) of every socket that left <c>/demo</c>.</summary>
    public ConcurrentQueue<(string Id, string Reason)> Disconnects { get; } = new();
    /// <summary>Requests that went through the HTTP pipeline (a taken-over websocket connection never does).</summary>
    public int HttpRequests => _httpRequests;
    private int _httpRequests;

    /// <param name="bareConnections">Websocket connections taken over before the HTTP layer (as the vantage6
    /// server runs it); false serves them through the HTTP layer, the path every other host gets.</param>
    public static async Task<DemoServer> StartAsync(Action<SocketIOOptions>? configure = null, ISocketBackplane? backplane = null,
        bool bareConnections = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (bareConnections) builder.WebHost.UseSocketIOConnections();
        if (backplane is not null) builder.Services.AddSingleton(backplane);
        builder.Services.AddSocketIO(o =>
        {
            o.Engine.AllowedOrigins = ["http://allowed.example"];
            configure?.Invoke(o);
        });
        var app = builder.Build();
        DemoServer? self = null;
        app.Use((context, next) =>
        {
            if (self is not null) Interlocked.Increment(ref self._httpRequests);
            return next(context);
        });
        app.UseSocketIO();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = self = new DemoServer(app, address);
        server.ConfigureDemo();
        return server;
    }

    private void ConfigureDemo()
    {
        Server.Of("/");
        var ns = Demo;
        ns.Authorize = socket => ValueTask.FromResult(!socket.Headers.ContainsKey("X-Refuse"));
        ns.OnConnection = socket =>
        {
            socket.Emit("welcome", new
            {
                id = socket.Id,
                auth = socket.Auth,
                header = socket.Headers.GetValueOrDefault("X-Demo"),
            });
            return Task.CompletedTask;
        };
        ns.OnDisconnect = (socket, reason) =>
        {
            Disconnects.Enqueue((socket.Id, reason));
            return Task.CompletedTask;
        };
        ns.On("echo", (socket, ev) =>
        {
            ev.Ack([.. ev.Args.Cast<object?>()]);
            return Task.CompletedTask;
        });
        ns.On("join", (socket, ev) =>
        {
            socket.Join(ev.Args[0].GetString()!);
            ev.Ack("joined");
            return Task.CompletedTask;
        });
        ns.On("leave", (socket, ev) =>
        {
            socket.Leave(ev.Args[0].GetString()!);
            ev.Ack("left");
            return Task.CompletedTask;
        });
        ns.On("to_room", (socket, ev) => ns.To(ev.Args[0].GetString()!).EmitAsync("room_message", ev.Args[1]));
        ns.On("broadcast", (socket, ev) => socket.Broadcast.EmitAsync("broadcast_message", ev.Args[0]));
        ns.On("server_disconnect", (socket, ev) => socket.DisconnectAsync());
        ns.On("server_close", (socket, ev) => socket.DisconnectAsync(closeTransport: true));
        // Simulates a network failure: the transport goes away without a close packet.
        ns.On("drop_transport", (socket, ev) =>
        {
            socket.Session.Close(Engine.CloseReasons.TransportError, notifyClient: false);
            return Task.CompletedTask;
        });
        ns.On("ask_client", async (socket, ev) =>
        {
            var answer = await socket.EmitWithAckAsync("question", [ev.Args[0]], TimeSpan.FromSeconds(5));
            socket.Emit("client_answered", answer.Select(a => (object?)a).ToArray());
        });
    }

    public async Task<(string Id, string Reason)> WaitForDisconnectAsync(string socketId)
    {
        for (int i = 0; i < 200; i++)
        {
            foreach (var d in Disconnects) if (d.Id == socketId) return d;
            await Task.Delay(25);
        }
        throw new TimeoutException($"Socket {socketId} did not disconnect");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
