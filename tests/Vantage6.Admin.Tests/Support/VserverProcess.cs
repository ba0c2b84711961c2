using System.Diagnostics;

namespace Vantage6.Admin.Tests.Support;

/// <summary>Runs the real <c>vserver</c> command (built next to the tests) and collects its output.</summary>
public static class VserverProcess
{
    public sealed record Result(int ExitCode, string[] Lines);

    /// <summary>The CLI's own build output, same configuration and framework as the tests (bin/CONFIG/TFM).</summary>
    private static string VserverDll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (testOutput.Name, testOutput.Parent!.Name);
            var repo = testOutput;
            while (!File.Exists(Path.Combine(repo.FullName, "Vantage6.slnx"))) repo = repo.Parent ?? throw new InvalidOperationException("repository root not found");
            return Path.Combine(repo.FullName, "src", "Vantage6.Cli", "bin", configuration, framework, "vserver.dll");
        }
    }

    public static async Task<Result> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(VserverDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        return new Result(process.ExitCode, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray());
    }
}
