using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vantage6.Cli.Tests;

/// <summary>
/// <c>vserver demo</c> in a fresh home folder: the real server and three real vnode processes run the example
/// algorithm over the shipped CSV files; the printed mean is checked against the CSVs read here.
/// </summary>
public sealed class DemoTests
{
    private static readonly string RepoRoot = Path.GetFullPath(typeof(DemoTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "RepoRoot").Value!);
    private static readonly string[] Csvs = ["hospital_a.csv", "hospital_b.csv", "hospital_c.csv"];
    private static readonly string[] Organizations = ["Hospital A", "Hospital B", "Hospital C"];
    private static readonly string[] NodeNames = ["demo-hospital-a", "demo-hospital-b", "demo-hospital-c"];

    /// <summary>The values of the column the algorithm averages ('age'), read by its header.</summary>
    private static List<double> Ages(string csv)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "examples", "data", csv)).Where(l => l.Trim().Length > 0).ToList();
        var column = Array.IndexOf(lines[0].Split(','), "age");
        Assert.True(column >= 0, $"{csv} has no age column");
        return lines.Skip(1).Select(l => double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToList();
    }

    private static double CombinedMean(CliResult result)
    {
        var match = Regex.Match(result.Output, @"combined result: mean age = ([0-9.]+) over (\d+) records of 3 organizations");
        Assert.True(match.Success, result.Output + result.Errors);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string NodePidFile(Sandbox sandbox, string node) =>
        Path.Combine(sandbox.Root, "data", "vantage6", "node", node, $"vantage6-{node}-user.pid");

    private static int? NodePid(Sandbox sandbox, string node) =>
        File.Exists(NodePidFile(sandbox, node)) && int.TryParse(File.ReadAllText(NodePidFile(sandbox, node)).Trim(), out var pid) ? pid : null;

    [Fact]
    public async Task Demo_RunsTheExampleAlgorithm_ReusesTheNetwork_StopsAndRemovesEverything()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        var all = Csvs.SelectMany(Ages).ToList();
        var expected = all.Average();

        // First run: everything is created and the combined mean matches the CSVs.
        var first = sandbox.Run(["demo", "--port", port.ToString()], timeoutSeconds: 300);
        Assert.True(first.ExitCode == 0, first.Output + first.Errors);
        Assert.Equal(expected, CombinedMean(first), 5);
        Assert.Contains($"over {all.Count} records", first.Output);
        for (var i = 0; i < 3; i++)
        {
            var ages = Ages(Csvs[i]);
            Assert.Contains($"partial result of {Organizations[i]}: count = {ages.Count}, sum = {ages.Sum().ToString("0.######", CultureInfo.InvariantCulture)}", first.Output);
        }
        foreach (var step in Enumerable.Range(1, 8)) Assert.Contains($"[{step}/8]", first.Output);
        Assert.Contains("--stop", first.Output);
        Assert.Contains("--remove", first.Output);

        // A user logs in with the printed credentials at the printed URL.
        var url = Regex.Match(first.Output, @"Server: (http://\S+/api)").Groups[1].Value;
        Assert.Equal($"http://127.0.0.1:{port}/api", url);
        var credentials = Regex.Match(first.Output, @"Log in as (\S+) \(Hospital A\).*with password '([^']+)'");
        Assert.True(credentials.Success, first.Output);
        using (var http = new HttpClient())
        {
            using var login = await http.PostAsJsonAsync($"{url}/token/user",
                new { username = credentials.Groups[1].Value, password = credentials.Groups[2].Value });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.False(string.IsNullOrEmpty((string?)JsonNode.Parse(await login.Content.ReadAsStringAsync())?["access_token"]));
        }

        // Second run: the running network is reused, the result is the same.
        var serverPid = Sandbox.RecordedPid(sandbox.PidFile("demo"));
        Assert.NotNull(serverPid);
        var nodePids = NodeNames.Select(n => NodePid(sandbox, n)).ToList();
        Assert.All(nodePids, p => Assert.True(p is not null && Sandbox.ProcessIsAlive(p.Value)));
        var second = sandbox.Run(["demo", "--port", port.ToString()], timeoutSeconds: 240);
        Assert.True(second.ExitCode == 0, second.Output + second.Errors);
        Assert.Contains("Reusing the demo network", second.Output);
        Assert.Equal(expected, CombinedMean(second), 5);
        Assert.Equal(serverPid, Sandbox.RecordedPid(sandbox.PidFile("demo")));

        // --stop: nothing runs any more, the files stay.
        var stop = sandbox.Run(["demo", "--stop"], timeoutSeconds: 120);
        Assert.True(stop.ExitCode == 0, stop.Output + stop.Errors);
        Assert.False(Sandbox.ProcessIsAlive(serverPid!.Value));
        Assert.All(nodePids, p => Assert.False(Sandbox.ProcessIsAlive(p!.Value)));
        Assert.True(Sandbox.PortIsFree(port));
        Assert.True(File.Exists(Path.Combine(sandbox.UserConfigDirectory, "demo.yaml")));

        // A half-removed demo (a node configuration gone) is removed and created afresh.
        File.Delete(Path.Combine(sandbox.Root, "config", "vantage6", "node", "demo-hospital-b.yaml"));
        var third = sandbox.Run(["demo", "--port", port.ToString()], timeoutSeconds: 300);
        Assert.True(third.ExitCode == 0, third.Output + third.Errors);
        Assert.Contains("incomplete demo network", third.Output);
        Assert.Contains("[1/8] Creating the server configuration", third.Output);
        Assert.Equal(expected, CombinedMean(third), 5);
        serverPid = Sandbox.RecordedPid(sandbox.PidFile("demo"));
        Assert.NotNull(serverPid);
        nodePids = NodeNames.Select(n => NodePid(sandbox, n)).ToList();
        Assert.All(nodePids, p => Assert.True(p is not null && Sandbox.ProcessIsAlive(p.Value)));

        // --remove: no processes and no files behind.
        var remove = sandbox.Run(["demo", "--remove"], timeoutSeconds: 120);
        Assert.True(remove.ExitCode == 0, remove.Output + remove.Errors);
        foreach (var folder in new[] { "config", "data", "cache" })
        {
            var vantage6 = Path.Combine(sandbox.Root, folder, "vantage6");
            Assert.False(Directory.Exists(vantage6) && Directory.EnumerateFileSystemEntries(vantage6, "*", SearchOption.AllDirectories).Any(),
                $"left behind in {vantage6}: {(Directory.Exists(vantage6) ? string.Join(", ", Directory.EnumerateFileSystemEntries(vantage6, "*", SearchOption.AllDirectories)) : "")}");
        }
        Assert.False(Sandbox.ProcessIsAlive(serverPid!.Value));
        Assert.All(nodePids, p => Assert.False(Sandbox.ProcessIsAlive(p!.Value)));
        Assert.True(Sandbox.PortIsFree(port));
    }

    [Fact]
    public void Demo_PortInUse_FailsWithOneLineAndCreatesNothing()
    {
        using var sandbox = new Sandbox();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var result = sandbox.Run(["demo", "--port", port.ToString()], timeoutSeconds: 120);
            Assert.Equal(1, result.ExitCode);
            var error = Assert.Single(result.ErrorLines);
            Assert.Contains($"Port {port}", error);
            Assert.Contains("already in use", error);
            Assert.False(Directory.Exists(Path.Combine(sandbox.Root, "config", "vantage6")));
        }
        finally { listener.Stop(); }
    }
}
