using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vantage6.SocketIO;
using Vantage6.SocketIO.Hub;

namespace Vantage6.Node.Tests;

/// <summary>
/// The node's Socket.IO channel against a stand-in <c>/tasks</c> namespace built on the repository's Socket.IO
/// library (the server's real namespace is built elsewhere): handshake header, sync, events both ways, reconnect.
/// </summary>
public sealed class SocketChannelTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private string _url = "";
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly ConcurrentQueue<(string Name, string Json)> _received = new();
    private readonly ConcurrentDictionary<string, Socket> _sockets = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSocketIO();
        _app = builder.Build();
        _app.UseSocketIO();
        await _app.StartAsync();
        _url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var tasks = _app.Services.GetRequiredService<SocketServer>().Of("/tasks");
        tasks.OnConnection = socket =>
        {
            _authorizations.Enqueue(socket.Headers.GetValueOrDefault("Authorization") ?? "");
            _sockets[socket.Id] = socket;
            socket.Emit("sync");
            return Task.CompletedTask;
        };
        tasks.OnDisconnect = (socket, _) => { _sockets.TryRemove(socket.Id, out var _); return Task.CompletedTask; };
        foreach (var name in new[] { "node_info_update", "ping", "algorithm_status_change" })
            tasks.On(name, (socket, ev) =>
            {
                _received.Enqueue((name, ev.Args.Length > 0 ? ev.Args[0].GetRawText() : ""));
                return Task.CompletedTask;
            });
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), $"timed out waiting for {what}");
    }

    [Fact]
    public async Task Channel_SendsTheToken_HandlesSyncNewTaskAndKill_EmitsEvents_AndReconnects()
    {
        await using var channel = new SocketTaskChannel(_url, new NodeLog(console: false));
        var syncs = 0;
        var newTasks = new ConcurrentQueue<int>();
        var kills = new ConcurrentQueue<JsonNode>();
        channel.SyncRequested += () => { Interlocked.Increment(ref syncs); return Task.CompletedTask; };
        channel.NewTask += id => { newTasks.Enqueue(id); return Task.CompletedTask; };
        channel.KillRequested += payload => { kills.Enqueue(payload); return Task.CompletedTask; };

        await channel.ConnectAsync("token-1", default);
        Assert.True(channel.IsConnected);
        await UntilAsync(() => syncs == 1, "sync");
        Assert.Equal("Bearer token-1", Assert.Single(_authorizations));

        await channel.EmitAsync("node_info_update", new JsonObject { ["database_labels"] = new JsonArray("default") });
        await channel.EmitAsync("ping", null);
        await UntilAsync(() => _received.Count >= 2, "node events");
        Assert.Contains(_received, e => e.Name == "node_info_update" && e.Json.Contains("\"default\""));
        Assert.Contains(_received, e => e.Name == "ping");

        var socket = Assert.Single(_sockets.Values);
        socket.Emit("new_task", new { id = 17, parent_id = (int?)null });
        socket.Emit("kill_containers", new { kill_list = new[] { new { task_id = 17, run_id = 31, organization_id = 3 } }, collaboration_id = 1 });
        await UntilAsync(() => newTasks.Count == 1 && kills.Count == 1, "new_task and kill_containers");
        Assert.Equal(17, newTasks.Single());
        Assert.Equal(31, (int?)kills.Single()["kill_list"]![0]!["run_id"]);

        // The server drops the connection; a new connect (as the node's socket loop does) syncs again.
        await socket.DisconnectAsync(closeTransport: true);
        await UntilAsync(() => !channel.IsConnected, "disconnect");
        await channel.ConnectAsync("token-2", default);
        await UntilAsync(() => syncs == 2, "second sync");
        Assert.Equal("Bearer token-2", _authorizations.Last());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
