using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Tests.Federation;

namespace Vantage6.Server.Tests.Realtime;

/// <summary>The <c>/tasks</c> namespace against python-socketio, the client library of the vantage6 Python node.</summary>
public sealed class PythonNodeTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    [Fact]
    public async Task PythonNode_Syncs_ReportsItsConfig_ReceivesNewTask_AndGoesOffline()
    {
        var python = FindPython();
        var n = await FederatedFlowTests.ArrangeAsync(server);
        var (nodeId, token) = n.Nodes[0];
        var script = Path.Combine(AppContext.BaseDirectory, "Realtime", "Python", "python_node.py");
        using var process = Process.Start(new ProcessStartInfo(python)
        {
            ArgumentList = { script, server.BaseUrl!, token, "20" },
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(first == "SYNCED", $"python node did not sync: {first}");
            await Wait.UntilAsync(async () => await StatusAsync(nodeId) == "online", "online after the python node synced");

            var taskId = (await server.PostAsync("/api/task", n.Researcher, FederatedFlowTests.TaskBody(n))).ExpectStatus(201).Json!["id"]!.GetValue<int>();
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var result = JsonDocument.Parse(line!).RootElement;
            Assert.Equal("websocket", result.GetProperty("transport").GetString());
            var events = result.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal("sync", events[0].GetProperty("event").GetString());
            Assert.Equal(2, events.Count(e => e.GetProperty("event").GetString() == "message"));
            var newTask = events.Single(e => e.GetProperty("event").GetString() == "new_task").GetProperty("args")[0];
            Assert.Equal(taskId, newTask.GetProperty("id").GetInt32());

            // The report sent right after sync is stored while the node is connected (handled asynchronously).
            async Task<string[]> ConfigAsync() => (await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["config"]!.AsArray()
                .Select(c => $"{c!["key"]}={c["value"]}").Order().ToArray();
            await Wait.UntilAsync(async () => (await ConfigAsync()).Length > 0, "the python node's configuration stored");
            var config = await ConfigAsync();
            Assert.Equal(["allowed_algorithms=all", "database_labels=default", "db_type_default=csv", "encryption=false"], config);

            await process.StandardInput.WriteLineAsync("bye");
            await process.StandardInput.FlushAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await Wait.UntilAsync(async () => await StatusAsync(nodeId) == "offline", "offline after the python node disconnected");
            Assert.Empty((await server.GetAsync($"/api/node/{nodeId}", n.Root)).Json!["config"]!.AsArray());
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            if (!process.HasExited) process.Kill();
            throw new Xunit.Sdk.XunitException($"{e.Message}; python stderr: {await stderr}");
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private async Task<string?> StatusAsync(int nodeId)
    {
        await using var scope = server.Scope(out var db);
        return (await db.Nodes.AsNoTracking().FirstAsync(x => x.Id == nodeId)).Status;
    }

    /// <summary>A Python with python-socketio and websocket-client (the test script installs them on Debian).</summary>
    private static string FindPython()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var check = Process.Start(new ProcessStartInfo(candidate, "-c \"import socketio, websocket\"")
                { RedirectStandardError = true, RedirectStandardOutput = true })!;
                check.WaitForExit();
                if (check.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new InvalidOperationException("python3 with python-socketio is required (Debian: python3-socketio python3-websocket)");
    }
}
