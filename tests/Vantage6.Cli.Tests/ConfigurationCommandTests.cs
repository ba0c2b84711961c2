namespace Vantage6.Cli.Tests;

/// <summary>new with options, remove, files on the documentation's legacy format, and help on every command.</summary>
public class ConfigurationCommandTests
{
    [Fact]
    public void New_WithOptions_WritesRealScalars_AndRefusesASecondTime()
    {
        using var sandbox = new Sandbox();
        var created = sandbox.Run("new --name flags --user --defaults --port 7702 --allow-drop-all false --log-level WARNING");
        Assert.True(created.ExitCode == 0, created.Output);
        var file = Path.Combine(sandbox.UserConfigDirectory, "flags.yaml");
        var yaml = File.ReadAllText(file);
        Assert.Contains("port: 7702\n", yaml);
        Assert.Contains("allow_drop_all: false\n", yaml);
        Assert.Contains("level: WARNING\n", yaml);
        Assert.Contains("two_factor_auth: true\n", yaml);
        Assert.Contains("uri: sqlite:///default.sqlite\n", yaml);
        Assert.Contains("url: https://store.cotopaxi.vantage6.ai", yaml);
        // Keys are sorted at the top level.
        var keys = yaml.Split('\n').Where(l => l.Length > 0 && char.IsLetter(l[0])).Select(l => l.Split(':')[0]).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);

        var again = sandbox.Run("new --name flags --user --defaults --port 7703");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("[error] - Configuration flags already exists!", Assert.Single(again.Lines));
        Assert.Equal(yaml, File.ReadAllText(file));
    }

    [Fact]
    public void New_AtSystemLevel_WritesTheDocumentedSystemFolder()
    {
        using var sandbox = new Sandbox();
        var created = sandbox.Run("new --name shared --defaults");
        Assert.True(created.ExitCode == 0, created.Output);
        Assert.True(File.Exists(Path.Combine(sandbox.SystemConfigDirectory, "shared.yaml")));
        Assert.Contains("You can start the server by running vserver start\n", created.Output.ReplaceLineEndings("\n"));
        Assert.Contains("shared                   Not running      System", sandbox.Run("list").Output);
    }

    [Fact]
    public void SystemAndUser_TheLastOneGivenWins()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.Run("new --name mine --user --defaults").ExitCode);
        Assert.Equal(0, sandbox.Run("files --name mine --system --user").ExitCode);
        var system = sandbox.Run("files --name mine --user --system");
        Assert.Equal(1, system.ExitCode);
        Assert.Equal("[error] - Configuration mine does not exist in the system folders!", Assert.Single(system.Lines));
    }

    [Fact]
    public void New_RejectsABadName()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run(["new", "--name", "bad/name", "--user", "--defaults"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("[error] - Name 'bad/name' is not allowed. Please use only the following characters: a-zA-Z0-9_.-", Assert.Single(result.Lines));
    }

    [Fact]
    public void Remove_AsksFirst_ThenDeletesConfigurationAndLogs()
    {
        using var sandbox = new Sandbox();
        Assert.Equal(0, sandbox.Run("new --name gone --user --defaults").ExitCode);
        var file = Path.Combine(sandbox.UserConfigDirectory, "gone.yaml");

        var declined = sandbox.Run("remove --name gone --user", "n\n");
        Assert.Equal(0, declined.ExitCode);
        Assert.Contains("Server will not be deleted", declined.Output);
        Assert.True(File.Exists(file));

        var logs = Path.Combine(sandbox.Root, "cache", "vantage6", "log", "server", "gone");
        Directory.CreateDirectory(logs);
        var confirmed = sandbox.Run("remove --name gone --user", "y\n");
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Contains($"Removing configuration file: {file}", confirmed.Output);
        Assert.False(File.Exists(file));
        Assert.False(Directory.Exists(logs));
    }

    [Fact]
    public void Files_ReadsTheDocumentationsEnvironmentsFormat()
    {
        using var sandbox = new Sandbox();
        var file = Path.Combine(sandbox.Root, "legacy.yaml");
        File.WriteAllText(file, """
            application: {}
            environments:
              prod:
                description: legacy
                ip: 127.0.0.1
                port: 7601
                uri: sqlite:///legacy.sqlite
                allow_drop_all: true
                logging: {level: INFO, file: legacy.log, use_console: true, backup_count: 5, max_size: 1024, format: '%(message)s', datefmt: ''}
            """);
        var result = sandbox.Run("files --config legacy.yaml --user --environment prod");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"Configuration file = {file}", result.Output);
        Assert.Contains($"Database           = sqlite:///{Path.Combine(sandbox.UserDataDirectory("legacy"), "legacy.sqlite")}", result.Output);
    }

    [Theory]
    [InlineData("new")]
    [InlineData("start")]
    [InlineData("stop")]
    [InlineData("attach")]
    [InlineData("files")]
    [InlineData("list")]
    [InlineData("version")]
    [InlineData("remove")]
    public void EveryCommand_HasHelpWithExamples(string command)
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run($"{command} --help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"vserver {command}", result.Output);
        Assert.Contains("Examples:", result.Output);
    }

    [Theory]
    [InlineData("start --bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("nosuch", "Unrecognized command or argument 'nosuch'")]
    [InlineData("--version", "Unrecognized command or argument '--version'")]
    public void UsageErrors_ExitWithTwo_OnStandardError(string arguments, string message)
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains($"Error: {message}", result.Errors);
        Assert.StartsWith("Usage: vserver", result.Errors);
    }

    [Fact]
    public void RootHelp_ListsTheCommands_ButNotTheInternalOne()
    {
        using var sandbox = new Sandbox();
        var result = sandbox.Run("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "new", "start", "stop", "attach", "files", "list", "version", "remove" })
            Assert.Matches($@"\n\s+{command}\s", result.Output);
        Assert.DoesNotMatch(@"\n\s+run\s", result.Output);
    }
}
