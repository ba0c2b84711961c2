using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>
/// Answers given on the command line; a given answer skips its question. With <see cref="UseDefaults"/> every
/// other question takes its default (no VPN, RabbitMQ only with <see cref="RabbitMqUri"/>, no extra stores).
/// </summary>
internal sealed record WizardAnswers
{
    public string? Description { get; init; }
    public string? Ip { get; init; }
    public int? Port { get; init; }
    public string? Uri { get; init; }
    public bool? AllowDropAll { get; init; }
    public string? LogLevel { get; init; }
    public bool? ConstantJwtSecret { get; init; }
    public bool? TwoFactorAuth { get; init; }
    public string? ServerUrl { get; init; }
    public string? RabbitMqUri { get; init; }
    public bool? CommunityStore { get; init; }
    public bool UseDefaults { get; init; }
}

/// <summary>
/// The questions of <c>vserver new</c> (cli-and-config §2.2 server wizard) and the mapping they produce. Native
/// choices: no NOTSET level, real YAML numbers and booleans, answers checked as they are given.
/// </summary>
internal static class ServerConfigWizard
{
    private static readonly string[] QuietLoggers =
        ["urllib3", "socketIO-client", "socketio.server", "engineio.server", "sqlalchemy.engine", "requests_oauthlib.oauth2_session"];

    public static SortedDictionary<string, object?> Ask(string name, string dataDirectory, WizardAnswers given)
    {
        bool Defaults() => given.UseDefaults;
        var config = new SortedDictionary<string, object?>(StringComparer.Ordinal);

        config["description"] = given.Description ?? (Defaults() ? "" : Prompt.Text("Enter a human-readable description:", allowEmpty: true));
        config["ip"] = given.Ip ?? (Defaults() ? "0.0.0.0" : Prompt.Text("ip:", "0.0.0.0", CheckIp));
        var port = given.Port ?? (Defaults() ? 7601 : int.Parse(Prompt.Text("Enter port to which the server listens:", "7601", CheckPort)));
        config["port"] = port;
        config["uri"] = given.Uri ?? (Defaults() ? "sqlite:///default.sqlite" : Prompt.Text("Database URI:", "sqlite:///default.sqlite", u => CheckUri(u, dataDirectory)));
        config["allow_drop_all"] = given.AllowDropAll ?? (Defaults() || Prompt.Select("Allowed to drop all tables: ", ["True", "False"]) == "True");
        var level = given.LogLevel ?? (Defaults() ? "DEBUG" : Prompt.Select("Which level of logging would you like?", LoggingConfig.Levels));
        if (given.ConstantJwtSecret ?? (Defaults() || Prompt.Confirm("Do you want a constant JWT secret?")))
            config["jwt_secret_key"] = Guid.NewGuid().ToString();
        if (given.TwoFactorAuth ?? (Defaults() || Prompt.Confirm("Do you want to enforce two-factor authentication?")))
            config["two_factor_auth"] = true;
        config["server_url"] = given.ServerUrl ?? (Defaults()
            ? $"http://localhost:{port}/api"
            : Prompt.Text("What is the server url exposed to the users? If you are running a development server running locally, " +
                          "this is the same as the server url. If you are running a production server, this is the url that users will connect to.",
                $"http://localhost:{port}/api"));

        if (!Defaults() && Prompt.Confirm("Do you want to add a VPN server?", defaultValue: false))
            config["vpn_server"] = Sorted(new()
            {
                ["url"] = Prompt.Text("VPN server URL:"),
                ["portal_username"] = Prompt.Text("VPN portal username:"),
                ["portal_userpass"] = Prompt.Password("VPN portal password:"),
                ["client_id"] = Prompt.Text("VPN client username:"),
                ["client_secret"] = Prompt.Password("VPN client password:"),
                ["redirect_url"] = Prompt.Text("Redirect url (should be local address of server)", "http://localhost"),
            });

        if (given.RabbitMqUri is { } rabbit)
            config["rabbitmq"] = Sorted(new() { ["uri"] = rabbit, ["start_with_server"] = false });
        else if (!Defaults() && Prompt.Confirm("Do you want to add a RabbitMQ message queue?"))
            config["rabbitmq"] = Sorted(new()
            {
                ["uri"] = Prompt.Text("Enter the URI for your RabbitMQ:"),
                ["start_with_server"] = Prompt.Confirm("Do you want to run RabbitMQ locally? (Use only for testing)"),
            });

        var stores = new List<object?>();
        if (given.CommunityStore ?? (Defaults() || Prompt.Confirm(
                "Do you want to make the algorithms from the community algorithm store available to your users?")))
            stores.Add(Sorted(new() { ["name"] = "Community store", ["url"] = "https://store.cotopaxi.vantage6.ai" }));
        while (!Defaults() && Prompt.Confirm("Do you want to add more algorithm stores?", defaultValue: false))
            stores.Add(Sorted(new() { ["name"] = Prompt.Text("Enter the name of the store:"), ["url"] = Prompt.Text("Enter the URL of the store:") }));
        config["algorithm_stores"] = stores;

        config["api_path"] = "/api";
        config["logging"] = Sorted(new()
        {
            ["backup_count"] = 5,
            ["datefmt"] = "%Y-%m-%d %H:%M:%S",
            ["file"] = $"{name}.log",
            ["format"] = "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s",
            ["level"] = level,
            ["loggers"] = QuietLoggers.Select(l => (object?)Sorted(new() { ["level"] = "warning", ["name"] = l })).ToList(),
            ["max_size"] = 1024,
            ["use_console"] = true,
        });
        return config;
    }

    public static string? CheckPort(string text) =>
        int.TryParse(text, out var p) && p is > 0 and < 65536 ? null : "The port must be a number from 1 to 65535.";

    public static string? CheckIp(string text) =>
        text.Length > 0 && !text.Any(char.IsWhiteSpace) ? null : "Give an address such as 0.0.0.0 or 127.0.0.1.";

    public static string? CheckUri(string text, string dataDirectory)
    {
        try
        {
            DatabaseUri.Parse(text, dataDirectory);
            return null;
        }
        catch (ConfigurationException e) { return e.Message; }
    }

    private static SortedDictionary<string, object?> Sorted(Dictionary<string, object?> values) => new(values, StringComparer.Ordinal);
}
