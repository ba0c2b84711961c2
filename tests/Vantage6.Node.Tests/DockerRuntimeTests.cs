using Vantage6.Node.Runtimes;

namespace Vantage6.Node.Tests;

/// <summary>Runs only where a Docker daemon answers on its unix socket; skipped with a message elsewhere.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (!DockerRuntime.IsAvailableAsync().GetAwaiter().GetResult())
            Skip = "Docker is not available on this machine (no daemon on /var/run/docker.sock); Docker runtime tests skipped";
    }
}

public class DockerRuntimeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vnode-docker-").FullName;

    [Fact]
    public async Task AllowList_IsCheckedWithoutDocker()
    {
        var runtime = new DockerRuntime("/nonexistent.sock", new Dictionary<string, string> { ["alpine"] = "" }, "test");
        Assert.True(await runtime.CanRunAsync("alpine:3.20", default));
        Assert.False(await runtime.CanRunAsync("busybox", default));
        await Assert.ThrowsAsync<UnknownImageException>(() => runtime.StartAsync(Job("busybox", []), default));
    }

    private AlgorithmJob Job(string image, Dictionary<string, string> env)
    {
        var run = Directory.CreateDirectory(Path.Combine(_folder, "task-000000001")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(_folder, "tmp")).FullName;
        File.WriteAllText(Path.Combine(run, "output"), "");
        return new AlgorithmJob(1, 1, 1, image, run, tmp, env, [], TimeSpan.FromSeconds(60), _ => { });
    }

    [DockerFact]
    public async Task Container_RunsWithTheRunFolderMounted_AndReportsExitCodeAndLog()
    {
        var runtime = new DockerRuntime("/var/run/docker.sock", new Dictionary<string, string> { ["alpine"] = "" }, "test");
        var job = Job("alpine:3.20", new Dictionary<string, string> { ["GREETING"] = "hello" });
        await using var running = await runtime.StartAsync(job with { }, default);
        var outcome = await running.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(0, outcome.ExitCode);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
