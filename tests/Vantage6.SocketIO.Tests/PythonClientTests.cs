using System.Diagnostics;
using System.Text.Json;
using Vantage6.SocketIO.Tests.Support;

namespace Vantage6.SocketIO.Tests;

/// <summary>The library against the python-socketio client (the one vantage6 nodes use), run as a subprocess.</summary>
public sealed class PythonClientTests
{
    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    [InlineData("upgrade")]
    public async Task PythonClient_ConnectsAcksJoinsRoomsReconnectsAndIsClosed(string mode)
    {
        await using var server = await DemoServer.StartAsync(o => o.Engine.AllowedOrigins = ["*"]);
        var output = await RunPythonAsync(server.Url, mode);
        var results = JsonDocument.Parse(output).RootElement;

        Assert.Equal(mode == "polling" ? "polling" : "websocket", results.GetProperty("transport").GetString());
        Assert.Equal("python", results.GetProperty("header").GetString());
        Assert.Equal("py", results.GetProperty("auth").GetProperty("token").GetString());
        Assert.Equal(1, results.GetProperty("echo").GetProperty("x").GetInt32());
        Assert.Equal("joined", results.GetProperty("join").GetString());
        Assert.Equal("hello room", results.GetProperty("room_message").GetString());
        Assert.Equal("py answer to q", results.GetProperty("answered").GetString());
        Assert.True(results.GetProperty("reconnected_with_new_id").GetBoolean());
        Assert.Equal("again", results.GetProperty("echo_after_reconnect").GetString());
        Assert.False(results.GetProperty("connected_after_server_close").GetBoolean());
    }

    /// <summary>A Python with python-socketio, websocket-client and requests; the system one when the default lacks them.</summary>
    private static string FindPython()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var check = Process.Start(new ProcessStartInfo(candidate, "-c \"import socketio, websocket, requests\"")
                { RedirectStandardError = true, RedirectStandardOutput = true })!;
                check.WaitForExit(20_000);
                if (check.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new InvalidOperationException("python3 with python-socketio is required (Debian: python3-socketio python3-websocket python3-requests)");
    }

    private static async Task<string> RunPythonAsync(string url, string mode)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Python", "demo_client.py");
        var info = new ProcessStartInfo(FindPython()) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(url);
        info.ArgumentList.Add(mode);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        var output = (await stdout).Trim();
        Assert.True(process.ExitCode == 0 && output.Length > 0, $"python client failed ({process.ExitCode}): {await stderr}");
        return output.Split('\n')[^1];
    }
}
