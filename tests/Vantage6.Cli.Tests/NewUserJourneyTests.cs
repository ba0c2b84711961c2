using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Vantage6.Cli.Tests;

/// <summary>The seed's quick start, as a new user types it: wizard, start, list, files, import, shell, version, stop.</summary>
public class NewUserJourneyTests
{
    private static readonly string ExampleImportFile = Path.GetFullPath(typeof(NewUserJourneyTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ExampleImportFile").Value!);

    // The seed's shell examples in C#: an organization, a user whose password works, a node whose api key works.
    private const string ShellScript = """
        var org = db.Organization.New(name: "Shell Org", domain: "shell.example", country: "Netherlands");
        org.Save();
        var researcher = db.Role.GetByName("Researcher");
        db.User.New(username: "shelly", password: "Shell-Passw0rd!", firstname: "Shel", lastname: "Ly", roles: [researcher],
            organization: db.Organization.GetByName("Shell Org")).Save();
        var collab = db.Collaboration.New(name: "shell-collab", encrypted: false, organizations: [org]);
        collab.Save();
        db.Node.New(name: "shell-node", organization: org, collaboration: collab, apiKey: "5f0c2d9e-4b1a-4d7e-8c3f-2a6b9e1d7c44").Save();
        db.User.UsernameExists("shelly")
        """;

    private static async Task<int> StatusAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Wizard_Start_List_Files_Import_Shell_Version_Stop()
    {
        using var sandbox = new Sandbox();
        var port = Sandbox.FreePort();
        var database = Path.Combine(sandbox.Root, "demo.sqlite");
        // One answer per line, in the order of the wizard; a wrong port and NOTSET are asked again.
        var answers = string.Join('\n',
            "demo",                     // configuration name
            "My demo server",           // description
            "127.0.0.1",                // ip
            "not-a-port",               // port (refused)
            port.ToString(),            // port
            $"sqlite:///{database}",    // database URI (absolute)
            "",                         // allow drop all: default True
            "NOTSET",                   // logging level (not offered)
            "2",                        // logging level: INFO by number
            "",                         // constant JWT secret: default yes
            "n",                        // two-factor authentication
            "",                         // server url: default
            "",                         // VPN: default no
            "n",                        // RabbitMQ
            "n",                        // community store
            "") + "\n";                 // more stores: default no
        var created = sandbox.Run("new --user", answers);
        Assert.True(created.ExitCode == 0, created.Output);
        Assert.Contains("The port must be a number", created.Output);
        Assert.Contains("Choose one of: DEBUG, INFO, WARNING, ERROR, CRITICAL", created.Output);
        var file = Path.Combine(sandbox.UserConfigDirectory, "demo.yaml");
        Assert.Contains($"New configuration created: {file}", created.Output);
        Assert.Contains("You can start the server by running vserver start --user", created.Output);
        var yaml = File.ReadAllText(file);
        Assert.Contains($"port: {port}\n", yaml);           // a real number, not '7601'
        Assert.Contains("allow_drop_all: true\n", yaml);     // a real boolean, not 'True'
        Assert.Contains("level: INFO\n", yaml);
        Assert.Contains("description: My demo server\n", yaml);
        Assert.DoesNotContain("two_factor_auth", yaml);
        Assert.Matches(@"jwt_secret_key: [0-9a-f]{8}-[0-9a-f]{4}-4", yaml);

        var started = sandbox.Run("start --name demo --user");
        Assert.True(started.ExitCode == 0, started.Output + started.Errors);
        Assert.Contains($"Server demo is running at http://127.0.0.1:{port}/api", started.Output);
        var pid = Sandbox.RecordedPid(sandbox.PidFile("demo"));
        Assert.NotNull(pid);
        Assert.True(Sandbox.ProcessIsAlive(pid.Value));
        Assert.False(Sandbox.PortIsFree(port));
        Assert.True(File.Exists(database));

        var list = sandbox.Run("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("demo                     Running          User", list.Output);

        var files = sandbox.Run("files --name demo --user");
        Assert.Equal(0, files.ExitCode);
        Assert.Contains($"Configuration file = {file}", files.Output);
        Assert.Contains($"Log file           = {Path.Combine(sandbox.Root, "cache", "vantage6", "log", "server", "demo", "server_user.log")}", files.Output);
        Assert.Contains($"Database           = sqlite:///{database}", files.Output);

        // Batch import of the seed's example file; its users and node keys work at the running server.
        var imported = sandbox.Run(["import", "--name", "demo", "--user", ExampleImportFile]);
        Assert.True(imported.ExitCode == 0, imported.Output + imported.Errors);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
        Assert.Equal(200, await StatusAsync(http, "token/user", new { username = "frank@iknl.nl", password = "password" }));
        Assert.Equal(200, await StatusAsync(http, "token/node", new { api_key = "123e4567-e89b-12d3-a456-426614174001" }));
        Assert.Equal(401, await StatusAsync(http, "token/user", new { username = "frank@iknl.nl", password = "wrong" }));

        // The shell, reading a script from standard input as a user would pipe it in.
        var shell = sandbox.Run("shell --name demo --user", ShellScript);
        Assert.True(shell.ExitCode == 0, shell.Output + shell.Errors);
        Assert.Contains("Using the shell is not recommended!", shell.Output);
        Assert.Contains("true", shell.Lines);
        Assert.Empty(shell.ErrorLines);
        Assert.Equal(200, await StatusAsync(http, "token/user", new { username = "shelly", password = "Shell-Passw0rd!" }));
        Assert.Equal(200, await StatusAsync(http, "token/node", new { api_key = "5f0c2d9e-4b1a-4d7e-8c3f-2a6b9e1d7c44" }));

        var version = sandbox.Run("version --name demo --user");
        Assert.Equal(0, version.ExitCode);
        Assert.Contains("{'server': '4.14.0\\n', 'cli': '4.14.0'}", version.Output);

        var stopped = sandbox.Run("stop --name demo --user");
        Assert.True(stopped.ExitCode == 0, stopped.Output);
        Assert.Contains("Stopped the vantage6-demo-user-server server.", stopped.Output);
        Assert.False(Sandbox.ProcessIsAlive(pid.Value));
        Assert.True(Sandbox.PortIsFree(port));
        Assert.False(File.Exists(sandbox.PidFile("demo")));

        var afterStop = sandbox.Run("list");
        Assert.Contains("demo                     Not running      User", afterStop.Output);
    }

    [Fact]
    public void Wizard_EndOfInput_AbortsAndWritesNothing()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run("new --user --name half", "A description\n127.0.0.1\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("[error] - Configuration creation aborted.", result.Lines[^1]);
        Assert.False(File.Exists(Path.Combine(sandbox.UserConfigDirectory, "half.yaml")));
    }

    [Fact]
    public async Task Wizard_CtrlC_Aborts()
    {
        if (OperatingSystem.IsWindows()) return;
        using var sandbox = new Sandbox();
        using var process = sandbox.Begin("new --user --name stopped", keepInputOpen: true);
        var output = new System.Text.StringBuilder();
        var buffer = new char[1024];
        while (!output.ToString().Contains("Enter a human-readable description:"))
        {
            var read = await process.StandardOutput.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (read == 0) break;
            output.Append(buffer, 0, read);
        }
        Sandbox.Interrupt(process);
        output.Append(await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(process.WaitForExit(10000));
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("[error] - Configuration creation aborted.", output.ToString());
        Assert.False(File.Exists(Path.Combine(sandbox.UserConfigDirectory, "stopped.yaml")));
    }
}
