using System.CommandLine;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using YamlDotNet.Serialization;

namespace Vantage6.Cli;

/// <summary>
/// <c>vserver new</c>: the configuration wizard (cli-and-config §2.2). Every question can also be answered with an
/// option, and <c>--defaults</c> takes the default for the rest, so scripts can create a configuration without a terminal.
/// </summary>
internal static class NewCommand
{
    public static Command Create()
    {
        var ctx = InstanceOptions.NameOnly();
        var description = new Option<string?>("--description") { Description = "Human-readable description" };
        var ip = new Option<string?>("--ip") { Description = "Address the server listens on (default 0.0.0.0)" };
        var port = new Option<int?>("--port", "-p") { Description = "Port the server listens on (default 7601)" };
        var uri = new Option<string?>("--uri") { Description = "Database URI (default sqlite:///default.sqlite, in the data folder)" };
        var allowDropAll = new Option<bool?>("--allow-drop-all") { Description = "Whether all tables may be dropped: true or false (default true)" };
        var logLevel = new Option<string?>("--log-level") { Description = "DEBUG, INFO, WARNING, ERROR or CRITICAL (default DEBUG)" };
        logLevel.AcceptOnlyFromAmong(LoggingConfig.Levels);
        var jwt = new Option<bool?>("--constant-jwt-secret") { Description = "Write a fixed JWT secret: true or false (default true)" };
        var twoFactor = new Option<bool?>("--two-factor-auth") { Description = "Enforce two-factor authentication: true or false (default true)" };
        var serverUrl = new Option<string?>("--server-url") { Description = "URL users reach the server at (default http://localhost:<port>/api)" };
        var rabbit = new Option<string?>("--rabbitmq-uri") { Description = "URI of an external RabbitMQ message queue" };
        var store = new Option<bool?>("--community-store") { Description = "Offer the community algorithm store: true or false (default true)" };
        var defaults = new Option<bool>("--defaults", "-y") { Description = "Ask nothing: take the default for every question not given as an option" };

        var command = new Command("new", "Create a new server configuration file with a wizard (system folder by default, --user for your own folder).");
        command.WithHelp("Each question can be answered with an option instead; --defaults answers the rest with their defaults.",
            "vserver new",
            "vserver new --name demo --user",
            "vserver new --name demo --user --defaults --port 7602 --uri sqlite:///demo.sqlite --two-factor-auth false");
        ctx.AddTo(command);
        foreach (var o in new Option[] { description, ip, port, uri, allowDropAll, logLevel, jwt, twoFactor, serverUrl, rabbit, store, defaults })
            command.Options.Add(o);
        command.SetAction(result =>
        {
            var scope = ctx.Scope(result);
            Prompt.AbortMessage = "Aborted by user!";
            string name;
            try { name = ctx.GivenName(result) ?? ServerInstance.CheckName(Prompt.Text("Please enter a configuration-name:")); }
            catch (PromptAbortedException) { throw new CliException("Aborted by user!"); }
            var instance = new ServerInstance(name, scope);

            if (InstanceOptions.FindByName(name, scope) is { } existing)
            {
                ServerConfigLoader.Load(existing); // an invalid existing file is reported as such
                throw new CliException($"Configuration {name} already exists!");
            }
            var answers = new WizardAnswers
            {
                Description = result.GetValue(description),
                Ip = result.GetValue(ip),
                Port = result.GetValue(port),
                Uri = result.GetValue(uri),
                AllowDropAll = result.GetValue(allowDropAll),
                LogLevel = result.GetValue(logLevel),
                ConstantJwtSecret = result.GetValue(jwt),
                TwoFactorAuth = result.GetValue(twoFactor),
                ServerUrl = result.GetValue(serverUrl),
                RabbitMqUri = result.GetValue(rabbit),
                CommunityStore = result.GetValue(store),
                UseDefaults = result.GetValue(defaults),
            };
            CheckGiven(answers, instance.Locations.DataDirectory);
            var directory = EnsureWritableFolder(scope);

            Prompt.AbortMessage = "Configuration creation aborted.";
            SortedDictionary<string, object?> config;
            try { config = ServerConfigWizard.Ask(name, instance.Locations.DataDirectory, answers); }
            catch (PromptAbortedException) { throw new CliException("Configuration creation aborted."); }

            var yaml = new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(config);
            var file = Path.Combine(directory, name + ".yaml");
            ServerConfigLoader.FromYaml(yaml, file); // never write a file the server would refuse
            File.WriteAllText(file, yaml);
            Out.Info($"New configuration created: {file}");
            Out.Info($"You can start the server by running vserver start{instance.ScopeFlag}");
            return 0;
        });
        return command;
    }

    private static void CheckGiven(WizardAnswers given, string dataDirectory)
    {
        if (given.Port is { } p && ServerConfigWizard.CheckPort(p.ToString()) is { } portProblem) throw new CliException($"--port: {portProblem}");
        if (given.Ip is { } ip && ServerConfigWizard.CheckIp(ip) is { } ipProblem) throw new CliException($"--ip: {ipProblem}");
        if (given.Uri is { } uri && ServerConfigWizard.CheckUri(uri, dataDirectory) is { } uriProblem) throw new CliException($"--uri: {uriProblem}");
    }

    /// <summary>Step 4 of §2.2: the scope's configuration folder must exist (created if needed) and be writable.</summary>
    private static string EnsureWritableFolder(InstanceScope scope)
    {
        var directory = ConfigFolders.WriteDirectory(scope);
        try
        {
            if (!Directory.Exists(directory))
            {
                Out.Warn($"Target directory '{directory}' for configuration file does not exist. Attempting to create it.");
                Directory.CreateDirectory(directory);
            }
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return directory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Out.Warn($"No write permissions at '{directory}'.");
            if (scope == InstanceScope.System) Out.Info("Create a new server using 'vserver new --user' instead!");
            throw new CliException("Your user does not have write access to all folders. Exiting");
        }
    }
}
