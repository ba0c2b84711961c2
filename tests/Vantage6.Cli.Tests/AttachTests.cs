using System.Diagnostics;
using System.Text;

namespace Vantage6.Cli.Tests;

/// <summary>start --attach and attach show the log; Ctrl+C (SIGINT) stops showing it and leaves the server running.</summary>
public class AttachTests
{
    [Fact]
    public async Task CtrlC_Detaches_WithoutStoppingTheServer()
    {
        if (OperatingSystem.IsWindows()) return; // Ctrl+C cannot be sent to one process there
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        Assert.Equal(0, sandbox.Run($"new --name follow --user --defaults --ip 127.0.0.1 --port {port} --two-factor-auth false").ExitCode);

        var started = await FollowUntilAsync(sandbox, "start --name follow --user --attach", "Initialization done");
        Assert.Contains("Success! Server follow is running", started);
        Assert.Contains("Note that your server is still running! Shut it down with vserver stop", started);
        Assert.False(Sandbox.PortIsFree(port));

        var attached = await FollowUntilAsync(sandbox, "attach --name follow --user", "Initialization done");
        Assert.Contains("Closing log file. Keyboard Interrupt.", attached);

        using var http = new HttpClient();
        Assert.Contains("\"database\":true", await http.GetStringAsync($"http://127.0.0.1:{port}/api/health"));
        Assert.Equal(0, sandbox.Run("stop --name follow --user").ExitCode);
    }

    [Fact]
    public void Attach_WhenNothingRuns_Warns()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run("attach");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[warn ] - No servers are currently running.", Assert.Single(result.Lines));
    }

    /// <summary>Runs a following command until its output contains <paramref name="marker"/>, then sends Ctrl+C.</summary>
    private static async Task<string> FollowUntilAsync(Sandbox sandbox, string arguments, string marker)
    {
        using var process = sandbox.Begin(arguments);
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
                lock (output) output.Append(buffer, 0, read);
        });
        var watch = Stopwatch.StartNew();
        while (!Text().Contains(marker) && watch.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            await Task.Delay(100);
        Assert.True(Text().Contains(marker), Text());
        Sandbox.Interrupt(process);
        if (!process.WaitForExit(15000))
        {
            process.Kill();
            Assert.Fail($"vserver {arguments} did not end after Ctrl+C:\n{Text()}");
        }
        await reader;
        Assert.True(process.ExitCode == 0, $"vserver {arguments} ended with {process.ExitCode} after Ctrl+C:\n{Text()}");
        return Text();

        string Text() { lock (output) return output.ToString(); }
    }
}
