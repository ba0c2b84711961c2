namespace Vantage6.Cli.Tests;

/// <summary>Each failure is one [error] line and a non-zero exit, and leaves nothing running or written.</summary>
public class FailureTests
{
    private static CliResult NewConfig(Sandbox sandbox, string name, int port, string uri = "sqlite:///server.sqlite") =>
        sandbox.Run($"new --name {name} --user --defaults --ip 127.0.0.1 --port {port} --uri {uri} --two-factor-auth false");

    [Fact]
    public void Start_WithInvalidConfiguration()
    {
        using var sandbox = new Sandbox();
        // 'uri' is missing.
        sandbox.WriteUserConfig("broken", """
            description: broken
            ip: 127.0.0.1
            port: 7601
            allow_drop_all: true
            logging: {level: INFO, file: x.log, use_console: true, backup_count: 5, max_size: 1024, format: '%(message)s', datefmt: ''}
            """);
        var result = sandbox.Run("start --name broken --user");
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains("uri", error);
        Assert.False(Directory.Exists(sandbox.UserDataDirectory("broken")));

        var list = sandbox.Run("list");
        Assert.Equal(0, list.ExitCode);
        Assert.DoesNotContain("broken", list.Output);
        Assert.Contains("[warn ] - Failed imports: 1", list.Output);
    }

    [Fact]
    public void Start_WithUnknownName()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run("start --name nothing --user");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("[error] - Configuration nothing does not exist in the user folders!", Assert.Single(result.Lines));
    }

    [Fact]
    public void Start_OnBusyPort()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        Assert.Equal(0, NewConfig(sandbox, "busy", port).ExitCode);
        var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        holder.Start();
        try
        {
            var result = sandbox.Run("start --name busy --user");
            Assert.Equal(1, result.ExitCode);
            var error = Assert.Single(result.ErrorLines);
            Assert.Contains($"Port {port} on 127.0.0.1 is already in use", error);
            Assert.False(File.Exists(sandbox.PidFile("busy")));
            Assert.False(Directory.Exists(sandbox.UserDataDirectory("busy")));
        }
        finally { holder.Stop(); }
    }

    [Fact]
    public void Start_WithUnreachableDatabase_ReportsTheServersError()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        // The database folder would have to be inside a regular file: the server cannot open it.
        var blocker = Path.Combine(sandbox.Root, "not-a-folder");
        File.WriteAllText(blocker, "");
        Assert.Equal(0, NewConfig(sandbox, "nodb", port, $"sqlite:///{blocker}/db.sqlite").ExitCode);
        var result = sandbox.Run("start --name nodb --user");
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith("[error] - Server nodb did not start: ", error);
        Assert.Contains("not-a-folder", error);
        Assert.False(File.Exists(sandbox.PidFile("nodb")));
        Assert.True(Sandbox.PortIsFree(port));
    }

    [Fact]
    public void Start_WithPostgresNotListening_ReportsTheConnectionError()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        var databasePort = Sandbox.FreePort(); // nothing listens there
        Assert.Equal(0, NewConfig(sandbox, "nopg", port, $"postgresql://user:secret@127.0.0.1:{databasePort}/vantage6").ExitCode);
        var result = sandbox.Run("start --name nopg --user");
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"[error] - Server nopg did not start: Cannot open the database postgresql://user:***@127.0.0.1:{databasePort}/vantage6: ", error);
        Assert.DoesNotContain("secret", result.Output);
        Assert.False(File.Exists(sandbox.PidFile("nopg")));
        Assert.True(Sandbox.PortIsFree(port));
    }

    [Fact]
    public void SecondStart_SaysAlreadyRunning_AndRemoveRefuses()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        Assert.Equal(0, NewConfig(sandbox, "twice", port).ExitCode);
        Assert.Equal(0, sandbox.Run("start --name twice --user").ExitCode);
        var pidFile = sandbox.PidFile("twice");
        var before = File.ReadAllText(pidFile);

        var second = sandbox.Run("start --name twice --user");
        Assert.Equal(1, second.ExitCode);
        Assert.Equal("[error] - Server twice is already running", Assert.Single(second.ErrorLines));
        Assert.Equal(before, File.ReadAllText(pidFile));

        var remove = sandbox.Run("remove --name twice --user --force");
        Assert.Equal(1, remove.ExitCode);
        Assert.Equal("[error] - Server twice is still running! Please stop the server before deleting it.", Assert.Single(remove.ErrorLines));
        Assert.True(File.Exists(Path.Combine(sandbox.UserConfigDirectory, "twice.yaml")));

        Assert.Equal(0, sandbox.Run("stop --name twice --user").ExitCode);
    }

    [Fact]
    public void Stop_WhenNotRunning()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, NewConfig(sandbox, "idle", Sandbox.FreePort()).ExitCode);
        var result = sandbox.Run("stop --name idle --user");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("[error] - idle is not running!", Assert.Single(result.Lines));

        var all = sandbox.Run("stop --all");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal("[warn ] - No servers are currently running.", Assert.Single(all.Lines));
    }

    [Fact]
    public void StopAll_StopsTheServersOfBothScopes()
    {
        using var sandbox = new Sandbox();
        var userPort = Sandbox.FreePort();
        var systemPort = Sandbox.FreePort();
        Assert.Equal(0, NewConfig(sandbox, "mine", userPort).ExitCode);
        Assert.Equal(0, sandbox.Run($"new --name shared --defaults --ip 127.0.0.1 --port {systemPort} --two-factor-auth false").ExitCode);
        Assert.Equal(0, sandbox.Run("start --name mine --user").ExitCode);
        Assert.Equal(0, sandbox.Run("start --name shared").ExitCode);

        var list = sandbox.Run("list");
        Assert.Contains("shared                   Running          System", list.Output);
        Assert.Contains("mine                     Running          User", list.Output);

        var stopped = sandbox.Run("stop --all");
        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains("Stopped the vantage6-mine-user-server server.", stopped.Output);
        Assert.Contains("Stopped the vantage6-shared-system-server server.", stopped.Output);
        Assert.True(Sandbox.PortIsFree(userPort));
        Assert.True(Sandbox.PortIsFree(systemPort));
    }

    [Fact]
    public void Stop_IgnoresAPidFileOfAnotherProcess()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, NewConfig(sandbox, "stale", Sandbox.FreePort()).ExitCode);
        // A pid that is alive but not our server (this test process) must never be signalled.
        Directory.CreateDirectory(sandbox.UserDataDirectory("stale"));
        File.WriteAllText(sandbox.PidFile("stale"), $"pid={Environment.ProcessId}\nurl=http://127.0.0.1:1/api\nlog=x\n");
        var result = sandbox.Run("stop --name stale --user");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("[error] - stale is not running!", Assert.Single(result.Lines));
    }
}
