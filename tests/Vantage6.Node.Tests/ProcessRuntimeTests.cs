using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Vantage6.Common.Crypto;
using Vantage6.Node.Runtimes;

namespace Vantage6.Node.Tests;

/// <summary>The process runtime on its own: allow-list, run folder, environment, outcome, time limit and kill.</summary>
public class ProcessRuntimeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vnode-runtime-").FullName;
    private static readonly string Faulty = Path.Combine(TestNetwork.RepoRoot, "tests", "Vantage6.Node.Tests", "algorithms", "faulty.py");

    private ProcessRuntime Runtime() => new(new Dictionary<string, string> { ["faulty"] = $"python3 {Faulty}" }, _folder);

    private AlgorithmJob Job(string method, string kwargs = "{}", TimeSpan? limit = null, Action<string>? onLog = null)
    {
        var run = Directory.CreateDirectory(Path.Combine(_folder, "task-000000001")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(_folder, "tmp")).FullName;
        File.WriteAllText(Path.Combine(run, "input"), $"{{\"method\": \"{method}\", \"kwargs\": {kwargs}}}");
        File.WriteAllText(Path.Combine(run, "output"), "");
        var env = new Dictionary<string, string>
        {
            ["INPUT_FILE"] = EnvEncoding.Encode(Path.Combine(run, "input")),
            ["OUTPUT_FILE"] = EnvEncoding.Encode(Path.Combine(run, "output")),
            ["TEMPORARY_FOLDER"] = EnvEncoding.Encode(tmp),
            ["HOST"] = EnvEncoding.Encode("http://127.0.0.1"),
            ["PORT"] = EnvEncoding.Encode("8080"),
            ["API_PATH"] = "",
        };
        return new AlgorithmJob(1, 1, 1, "faulty:latest", run, tmp, env, [], limit ?? TimeSpan.FromSeconds(30), onLog ?? (_ => { }));
    }

    [Fact]
    public async Task AllowList_ResolvesImagesWithAndWithoutTag()
    {
        var runtime = Runtime();
        Assert.True(await runtime.CanRunAsync("faulty", default));
        Assert.True(await runtime.CanRunAsync("faulty:1.0", default));
        Assert.True(await runtime.CanRunAsync("faulty@sha256:abc", default));
        Assert.False(await runtime.CanRunAsync("other", default));
        await Assert.ThrowsAsync<UnknownImageException>(() => runtime.StartAsync(Job("crash") with { Image = "other" }, default));
        Assert.Equal(["python3", "a b.py", "x"], ProcessRuntime.SplitCommand("python3 'a b.py' x"));
    }

    [Fact]
    public async Task Completed_WritesOutput_AndDecodesTheEnvironment()
    {
        var logs = new ConcurrentQueue<string>();
        await using var running = await Runtime().StartAsync(Job("environment", onLog: logs.Enqueue), default);
        var outcome = await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("info > running environment", outcome.Log);
        Assert.Contains("info > running environment", string.Concat(logs));
        var output = File.ReadAllText(Path.Combine(_folder, "task-000000001", "output"));
        Assert.Contains("\"HOST\": \"http://127.0.0.1\"", output);
        Assert.Contains("\"PORT\": \"8080\"", output);
    }

    [Fact]
    public async Task Crash_GivesTheExitCodeAndTheLog()
    {
        await using var running = await Runtime().StartAsync(Job("crash", limit: TimeSpan.FromSeconds(20)), default);
        var outcome = await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, outcome.ExitCode);
        Assert.False(outcome.TimedOut);
        Assert.Contains("error > something went terribly wrong", outcome.Log);
    }

    [Fact]
    public async Task Hang_IsStoppedAtTheTimeLimit_AndKillStopsAtOnce()
    {
        var watch = Stopwatch.StartNew();
        await using (var running = await Runtime().StartAsync(Job("hang", limit: TimeSpan.FromSeconds(1.5)), default))
        {
            var outcome = await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(outcome.TimedOut);
            Assert.Null(outcome.ExitCode);
            Assert.InRange(watch.Elapsed.TotalSeconds, 1.4, 10);
        }
        await using var second = await Runtime().StartAsync(Job("sleep", "{\"seconds\": 30}"), default);
        await Task.Delay(500);
        watch.Restart();
        second.Kill();
        var killed = await second.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(killed.Killed);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
