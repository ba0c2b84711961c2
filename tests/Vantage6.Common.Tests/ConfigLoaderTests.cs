using Vantage6.Common.Configuration;

namespace Vantage6.Common.Tests;

/// <summary>
/// Loading server configuration files: the flat 4.14 format (cli-and-config §3), the legacy
/// <c>application</c>/<c>environments</c> format (§1.6) and the seed documentation's example.
/// </summary>
public class ConfigLoaderTests
{
    private const string File = "/etc/vantage6/server/demo.yaml";

    /// <summary>The seed documentation's "Example configuration file", copied as it is (placeholders included).</summary>
    private const string SeedExample = """
        application:
          ...
        environments:
          test:

            # Human readable description of the server instance. This is to help
            # your peers to identify the server
            description: Test

            # Should be prod, acc, test or dev. In case the type is set to test
            # the JWT-tokens expiration is set to 1 day (default is 6 hours). The
            # other types can be used in future releases of vantage6
            type: test

            # IP adress to which the server binds. In case you specify 0.0.0.0
            # the server listens on all interfaces
            ip: 0.0.0.0

            # Port to which the server binds
            port: 5000

            # API path prefix. (i.e. https://yourdomain.org/api_path/<endpoint>). In the
            # case you use a referse proxy and use a subpath, make sure to include it
            # here also.
            api_path: /api

            # The URI to the server database. This should be a valid SQLAlchemy URI,
            # e.g. for an Sqlite database: sqlite:///database-name.sqlite,
            # or Postgres: postgresql://username:password@172.17.0.1/database).
            uri: sqlite:///test.sqlite

            # This should be set to false in production as this allows to completely
            # wipe the database in a single command. Useful to set to true when
            # testing/developing.
            allow_drop_all: True

            # The secret key used to generate JWT authorization tokens. This should
            # be kept secret as others are able to generate access tokens if they
            # know this secret. This parameter is optional. In case it is not
            # provided in the configuration it is generated each time the server
            # starts. Thereby invalidating all previous distributed keys.
            # OPTIONAL
            jwt_secret_key: super-secret-key! # recommended but optional

            # Settings for the logger
            logging:

              # Controls the logging output level. Could be one of the following
              # levels: CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET
              level:        DEBUG

              # Filename of the log-file, used by RotatingFileHandler
              file:         test.log

              # Whether the output is shown in the console or not
              use_console:  True

              # The number of log files that are kept, used by RotatingFileHandler
              backup_count: 5

              # Size in kB of a single log file, used by RotatingFileHandler
              max_size:     1024

              # format: input for logging.Formatter,
              format:       "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s"
              datefmt:      "%Y-%m-%d %H:%M:%S"

            # Configure a smtp mail server for the server to use for administrative
            # purposes. e.g. allowing users to reset their password.
            # OPTIONAL
            smtp:
              port: 587
              server: smtp.yourmailserver.com
              username: your-username
              password: super-secret-password

            # Set an email address you want to direct your users to for support
            # (defaults to the address you set above in the SMTP server or otherwise
            # to support@vantage6.ai)
            support_email: your-support@email.com

            # set how long reset token provided via email are valid (default 1 hour)
            email_token_validity_minutes: 60

            # If algorithm containers need direct communication between each other
            # the server also requires a VPN server. (!) This must be a EduVPN
            # instance as vantage6 makes use of their API (!)
            # OPTIONAL
            vpn_server:
                # the URL of your VPN server
                url: https://your-vpn-server.ext

                # OATH2 settings, make sure these are the same as in the
                # configuration file of your EduVPN instance
                redirect_url: http://localhost
                client_id: your_VPN_client_user_name
                client_secret: your_VPN_client_user_password

                # Username and password to acccess the EduVPN portal
                portal_username: your_eduvpn_portal_user_name
                portal_userpass: your_eduvpn_portal_user_password

          prod:
            ...
        """;

    /// <summary>The seven required logging keys, indented for a top-level <c>logging:</c>.</summary>
    private const string Logging = """
        logging:
          level: INFO
          file: demo.log
          use_console: true
          backup_count: 5
          max_size: 1024
          format: "%(asctime)s - %(message)s"
          datefmt: "%Y-%m-%d %H:%M:%S"
        """;

    /// <summary>The required flat keys (no api_path, no optional keys).</summary>
    private const string Minimal = $"""
        description: demo
        ip: 127.0.0.1
        port: 7601
        uri: sqlite:///demo.sqlite
        allow_drop_all: false
        {Logging}
        """;

    private static ServerConfig Load(string yaml, string? environment = null) =>
        ServerConfigLoader.FromYaml(yaml, File, environment);

    private static ConfigurationException Fails(string yaml, string? environment = null) =>
        Assert.Throws<ConfigurationException>(() => Load(yaml, environment));

    /// <summary>Indents a block so it can be placed under a legacy environment key.</summary>
    private static string Indent(string yaml, int spaces) =>
        string.Join("\n", yaml.Split('\n').Select(l => l.Length == 0 ? l : new string(' ', spaces) + l));

    private static string Without(string yaml, string key) =>
        string.Join("\n", yaml.Split('\n').Where(l => !l.StartsWith(key + ":", StringComparison.Ordinal)));

    // ------------------------------------------------------------------ seed example (legacy)

    [Fact]
    public void SeedExample_LoadsTestEnvironment()
    {
        var c = Load(SeedExample, "test");
        Assert.Equal(File, c.SourceFile);
        Assert.Equal("Test", c.Description);
        Assert.Equal("test", c.Type);
        Assert.Equal("0.0.0.0", c.Ip);
        Assert.Equal(5000, c.Port);
        Assert.Equal("/api", c.ApiPath);
        Assert.Equal("sqlite:///test.sqlite", c.Uri);
        Assert.True(c.AllowDropAll);
        Assert.Equal("super-secret-key!", c.JwtSecretKey); // the trailing comment is not part of the value
        Assert.False(c.JwtSecretGenerated);

        Assert.Equal("DEBUG", c.Logging.Level);
        Assert.Equal("test.log", c.Logging.File);
        Assert.True(c.Logging.UseConsole);
        Assert.Equal(5, c.Logging.BackupCount);
        Assert.Equal(1024, c.Logging.MaxSizeKb);
        Assert.Equal("%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s", c.Logging.Format);
        Assert.Equal("%Y-%m-%d %H:%M:%S", c.Logging.DateFormat);

        Assert.NotNull(c.Smtp);
        Assert.Equal(587, c.Smtp!.Port);
        Assert.Equal("smtp.yourmailserver.com", c.Smtp.Server);
        Assert.Equal("your-username", c.Smtp.Username);
        Assert.Equal("super-secret-password", c.Smtp.Password);
        Assert.True(c.Smtp.UseTls);
        Assert.False(c.Smtp.UseSsl);
        Assert.Equal("noreply@vantage6.ai", c.Smtp.EmailFrom);
        Assert.Equal("your-support@email.com", c.SupportEmail);
        Assert.Equal(60, c.EmailTokenValidityMinutes);

        Assert.NotNull(c.VpnServer);
        Assert.Equal("https://your-vpn-server.ext", c.VpnServer!.Url);
        Assert.Equal("http://localhost", c.VpnServer.RedirectUrl);
        Assert.Equal("your_VPN_client_user_name", c.VpnServer.ClientId);
        Assert.Equal("your_VPN_client_user_password", c.VpnServer.ClientSecret);
        Assert.Equal("your_eduvpn_portal_user_name", c.VpnServer.PortalUsername);
        Assert.Equal("your_eduvpn_portal_user_password", c.VpnServer.PortalUserpass);

        // type: test → access tokens last one day; refresh keeps its 48 h default.
        Assert.Equal(24 * 3600, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);
        Assert.Equal("cotopaxi", c.ServerName);
        Assert.Equal(["*"], c.CorsAllowedOrigins);
    }

    [Fact]
    public void SeedExample_WithoutEnvironment_PicksTheOnlyRealSection()
    {
        // "application: ..." and "prod: ..." are placeholders, not settings: test is the only section.
        Assert.Equal("Test", Load(SeedExample).Description);
    }

    [Fact]
    public void SeedExample_PlaceholderSectionChosenExplicitly_IsRefused()
    {
        var e = Fails(SeedExample, "prod");
        Assert.Contains("'environments.prod'", e.Message);
        Assert.Contains("mapping", e.Message);
        Assert.Contains("'application'", Fails(SeedExample, "application").Message);
    }

    // ------------------------------------------------------------------ flat defaults

    [Fact]
    public void MinimalFlatConfig_LoadsWithDefaults()
    {
        var c = Load(Minimal);
        Assert.Equal("demo", c.Description);
        Assert.Equal("127.0.0.1", c.Ip);
        Assert.Equal(7601, c.Port);
        Assert.Equal("sqlite:///demo.sqlite", c.Uri);
        Assert.False(c.AllowDropAll);
        Assert.Null(c.Type);

        Assert.Equal("/api", c.ApiPath);
        Assert.Contains(c.Warnings, w => w.Contains("api_path") && w.Contains("/api"));
        Assert.Equal("cotopaxi", c.ServerName);
        Assert.Null(c.ServerUrl);
        Assert.Equal(6 * 3600, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);
        Assert.False(c.TwoFactorAuth);
        Assert.Equal(5, c.PasswordPolicy.MaxFailedAttempts);
        Assert.Equal(15, c.PasswordPolicy.InactivationMinutes);
        Assert.Equal(60, c.PasswordPolicy.BetweenUserEmailsMinutes);
        Assert.Equal(["*"], c.CorsAllowedOrigins);
        Assert.Contains(c.Warnings, w => w.Contains("cors_allowed_origins"));
        Assert.Null(c.Smtp);
        Assert.Equal(60, c.EmailTokenValidityMinutes);
        Assert.Equal("support@vantage6.ai", c.SupportEmail);
        Assert.Null(c.VpnServer);
        Assert.Null(c.RunsDataCleanupDays);
        Assert.False(c.RunsDataCleanupIncludeInput);
        Assert.Null(c.RabbitMqUri);
        Assert.Null(c.LogDirectory);
        Assert.Null(c.DataDirectory);
        Assert.Equal(16 * 1024 * 1024, c.MaxBodyBytes);
        Assert.True(c.JwtSecretGenerated);
        Assert.Equal(64, c.JwtSecretKey.Length); // 256 random bits, hex
        Assert.NotEqual(c.JwtSecretKey, Load(Minimal).JwtSecretKey);

        Assert.Equal("INFO", c.Logging.Level);
        Assert.Equal("demo.log", c.Logging.File);
        Assert.Empty(c.Logging.Loggers);
    }

    [Fact]
    public void ApiPathAndCors_WhenGiven_GiveNoWarnings()
    {
        var c = Load(Minimal + "\napi_path: /sub/api/\ncors_allowed_origins: [https://ui.example.org, http://localhost:7600]\n");
        Assert.Equal("/sub/api", c.ApiPath);
        Assert.Equal(["https://ui.example.org", "http://localhost:7600"], c.CorsAllowedOrigins);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("api_path") || w.Contains("cors_allowed_origins"));

        Assert.Equal("", Load(Minimal + "\napi_path: ''\n").ApiPath);
        Assert.Equal("/api", Load(Minimal + "\napi_path: api\n").ApiPath);
        Assert.Equal(["https://ui.example.org"], Load(Minimal + "\ncors_allowed_origins: https://ui.example.org\n").CorsAllowedOrigins);
    }

    [Fact]
    public void SpecExample_AllKeysFlat_Loads()
    {
        var c = Load("""
            description: Demo server
            server_name: demo
            ip: 0.0.0.0
            port: 7601
            api_path: /api
            server_url: https://v6.example.org
            uri: postgresql://vantage6:secret@db.example.org:5432/vantage6
            allow_drop_all: false
            jwt_secret_key: 3b9c1c2e-0d7a-4a8e-9a55-5b7b1f2c9d10
            token_expires_hours: 6
            refresh_token_expires_hours: 48
            two_factor_auth: true
            password_policy: {max_failed_attempts: 7, inactivation_minutes: 20, between_user_emails_minutes: 30}
            cors_allowed_origins: [https://ui.example.org, http://localhost:7600]
            smtp:
              server: smtp.example.org
              port: 587
              username: mailer
              password: mailer-secret
              email_from: noreply@example.org
              email_token_validity_minutes: 45
            support_email: help@example.org
            runs_data_cleanup_days: 30
            runs_data_cleanup_include_input: false
            rabbitmq: {uri: "amqp://v6:pw@mq.example.org:5672/v6", start_with_server: false}
            vpn_server:
              url: https://vpn.example.org
              redirect_url: http://localhost
              client_id: v6-client
              client_secret: v6-client-secret
              portal_username: portal-user
              portal_userpass: portal-pass
            prometheus: {enabled: false, start_with_server: false, exporter_port: 7603}
            large_result_store: {type: azure, container_name: results, connection_string: "..."}
            ui: {enabled: false, port: 7600}
            dev: {host_uri: http://host.docker.internal}
            debug: {socketio: false, flask: false}
            algorithm_stores: [{name: Community store, url: https://store.cotopaxi.vantage6.ai}]
            directories: {log: /var/log/v6, data: /var/lib/v6}
            logging:
              level: DEBUG
              file: demo.log
              use_console: true
              backup_count: 5
              max_size: 1024
              format: "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s"
              datefmt: "%Y-%m-%d %H:%M:%S"
              loggers:
                - {name: urllib3, level: warning}
                - {name: sqlalchemy.engine, level: warning}
            """);
        Assert.Equal("demo", c.ServerName);
        Assert.Equal("https://v6.example.org", c.ServerUrl);
        Assert.Equal("3b9c1c2e-0d7a-4a8e-9a55-5b7b1f2c9d10", c.JwtSecretKey);
        Assert.True(c.TwoFactorAuth);
        Assert.Equal(7, c.PasswordPolicy.MaxFailedAttempts);
        Assert.Equal(20, c.PasswordPolicy.InactivationMinutes);
        Assert.Equal(30, c.PasswordPolicy.BetweenUserEmailsMinutes);
        Assert.Equal("noreply@example.org", c.Smtp!.EmailFrom);
        Assert.Equal(45, c.EmailTokenValidityMinutes);
        Assert.Equal("help@example.org", c.SupportEmail);
        Assert.Equal(30, c.RunsDataCleanupDays);
        Assert.Equal("amqp://v6:pw@mq.example.org:5672/v6", c.RabbitMqUri);
        Assert.Equal("portal-pass", c.VpnServer!.PortalUserpass);
        Assert.Equal("/var/log/v6", c.LogDirectory);
        Assert.Equal("/var/lib/v6", c.DataDirectory);
        Assert.Equal("WARNING", c.Logging.Loggers["urllib3"]);
        Assert.Equal("WARNING", c.Logging.Loggers["sqlalchemy.engine"]);
        // Only the Azure blob store of the example is worth a warning (it is not supported).
        Assert.All(c.Warnings, w => Assert.Contains("large_result_store", w));
    }

    // ------------------------------------------------------------------ required keys

    public static TheoryData<string, string> RequiredKeys => new()
    {
        { "description", "description" },
        { "ip", "ip" },
        { "port", "port" },
        { "uri", "uri" },
        { "allow_drop_all", "allow_drop_all" },
        { "logging", "logging" },
        { "  level", "logging.level" },
        { "  file", "logging.file" },
        { "  use_console", "logging.use_console" },
        { "  backup_count", "logging.backup_count" },
        { "  max_size", "logging.max_size" },
        { "  format", "logging.format" },
        { "  datefmt", "logging.datefmt" },
    };

    [Theory]
    [MemberData(nameof(RequiredKeys))]
    public void MissingRequiredKey_NamesFileKeyAndExpectation(string line, string dottedKey)
    {
        var yaml = line == "logging"
            ? string.Join("\n", Minimal.Split('\n').TakeWhile(l => !l.StartsWith("logging:", StringComparison.Ordinal)))
            : Without(Minimal, line);
        Assert.NotEqual(Minimal, yaml);
        var e = Fails(yaml);
        Assert.Contains(File, e.Message);
        Assert.Contains($"'{dottedKey}'", e.Message);
        Assert.Contains("missing", e.Message);
        Assert.Contains("required", e.Message);
    }

    [Theory]
    [InlineData("port", "integer")]
    [InlineData("allow_drop_all", "true or false")]
    [InlineData("logging", "mapping")]
    [InlineData("logging.backup_count", "integer")]
    [InlineData("logging.max_size", "integer")]
    [InlineData("logging.use_console", "true or false")]
    public void MissingRequiredKey_SaysWhatIsExpected(string dottedKey, string expected)
    {
        var parts = dottedKey.Split('.');
        var yaml = parts.Length == 1
            ? (dottedKey == "logging"
                ? string.Join("\n", Minimal.Split('\n').TakeWhile(l => !l.StartsWith("logging:", StringComparison.Ordinal)))
                : Without(Minimal, dottedKey))
            : Without(Minimal, "  " + parts[1]);
        var e = Fails(yaml);
        Assert.Contains($"'{dottedKey}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EmptyFile_AndNonMappingTopLevel_AreRefused()
    {
        Assert.Contains(File, Fails("").Message);
        Assert.Contains(File, Fails("# only a comment\n").Message);
        Assert.Contains("mapping", Fails("- a\n- b\n").Message);
        Assert.Contains(File, Fails("just a string").Message);
    }

    // ------------------------------------------------------------------ types

    [Fact]
    public void NonNumericPort_NamesPortAndInteger()
    {
        var e = Fails(Minimal.Replace("port: 7601", "port: abc"));
        Assert.Contains(File, e.Message);
        Assert.Contains("'port'", e.Message);
        Assert.Contains("integer", e.Message);
        Assert.Contains("abc", e.Message);
    }

    [Fact]
    public void NumericStrings_AreAcceptedWhereIntegersAreExpected()
    {
        var c = Load(Minimal.Replace("port: 7601", "port: '7602'").Replace("backup_count: 5", "backup_count: \"3\""));
        Assert.Equal(7602, c.Port);
        Assert.Equal(3, c.Logging.BackupCount);
    }

    [Fact]
    public void PortZero_FallsBackTo7601()
    {
        Assert.Equal(7601, Load(Minimal.Replace("port: 7601", "port: 0")).Port);
    }

    [Theory]
    [InlineData("port: -1", "'port'")]
    [InlineData("port: 1.5", "'port'")]
    [InlineData("  backup_count: 0", "'logging.backup_count'")]
    [InlineData("  max_size: 16", "'logging.max_size'")]
    [InlineData("  max_size: [1, 2]", "'logging.max_size'")]
    [InlineData("password_policy: {max_failed_attempts: zero}", "'password_policy.max_failed_attempts'")]
    [InlineData("password_policy: {max_failed_attempts: 0}", "'password_policy.max_failed_attempts'")]
    [InlineData("smtp: {port: mail}", "'smtp.port'")]
    [InlineData("logging: text", "'logging'")]
    [InlineData("smtp: [a, b]", "'smtp'")]
    [InlineData("cors_allowed_origins: {a: b}", "'cors_allowed_origins'")]
    [InlineData("description: {a: b}", "'description'")]
    [InlineData("two_factor_auth: maybe", "'two_factor_auth'")]
    [InlineData("runs_data_cleanup_days: soon", "'runs_data_cleanup_days'")]
    public void WrongTypes_AreRefusedWithTheKey(string line, string quotedKey)
    {
        var key = line.TrimStart().Split(':')[0];
        var yaml = line.StartsWith("  ", StringComparison.Ordinal)
            ? Without(Minimal, "  " + key) + "\n" + line
            : line.StartsWith("logging", StringComparison.Ordinal)
                ? string.Join("\n", Minimal.Split('\n').TakeWhile(l => !l.StartsWith("logging:", StringComparison.Ordinal))) + "\n" + line
                : Without(Minimal, key) + "\n" + line;
        var e = Fails(yaml);
        Assert.Contains(File, e.Message);
        Assert.Contains(quotedKey, e.Message);
    }

    [Theory]
    [InlineData("debug")]
    [InlineData("Info")]
    [InlineData("NOTSET")]
    [InlineData("VERBOSE")]
    public void LoggingLevel_OtherThanUpperCaseLevels_IsRefused(string level)
    {
        var e = Fails(Minimal.Replace("level: INFO", $"level: {level}"));
        Assert.Contains("'logging.level'", e.Message);
        Assert.Contains("DEBUG, INFO, WARNING, ERROR, CRITICAL", e.Message);
        Assert.Contains(level, e.Message);
    }

    [Theory]
    [InlineData("DEBUG")]
    [InlineData("INFO")]
    [InlineData("WARNING")]
    [InlineData("ERROR")]
    [InlineData("CRITICAL")]
    public void LoggingLevel_UpperCase_IsAccepted(string level) =>
        Assert.Equal(level, Load(Minimal.Replace("level: INFO", $"level: {level}")).Logging.Level);

    [Theory]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("'False'", false)]
    [InlineData("\"false\"", false)]
    [InlineData("False", false)]
    [InlineData("no", false)]
    [InlineData("NO", false)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    public void Booleans_FromYamlWordsAndStrings(string value, bool expected)
    {
        var c = Load(Minimal.Replace("allow_drop_all: false", $"allow_drop_all: {value}") + $"\ntwo_factor_auth: {value}\n");
        Assert.Equal(expected, c.AllowDropAll);
        Assert.Equal(expected, c.TwoFactorAuth);
    }

    [Fact]
    public void SmtpBooleans_UseUpperCaseKeys()
    {
        var c = Load(Minimal + "\nsmtp:\n  server: mail.example.org\n  MAIL_USE_TLS: 'no'\n  MAIL_USE_SSL: yes\n");
        Assert.False(c.Smtp!.UseTls);
        Assert.True(c.Smtp.UseSsl);
        Assert.Equal("mail.example.org", c.Smtp.Server);
        Assert.Equal(1025, c.Smtp.Port);
        Assert.Equal("support@vantage6.ai", c.Smtp.Username);
        Assert.Equal("", c.Smtp.Password);
    }

    [Fact]
    public void EmptySmtpSection_MeansNoMail()
    {
        Assert.Null(Load(Minimal + "\nsmtp: {}\n").Smtp);
        Assert.Null(Load(Minimal + "\nsmtp:\n").Smtp);
    }

    [Fact]
    public void EmptyJwtSecret_IsGenerated()
    {
        var c = Load(Minimal + "\njwt_secret_key: ''\n");
        Assert.True(c.JwtSecretGenerated);
        Assert.NotEmpty(c.JwtSecretKey);
    }

    [Fact]
    public void UnknownKeys_AreIgnored()
    {
        var c = Load(Minimal + "\nui_url: http://x\nsomething_new: {a: [1, 2]}\n");
        Assert.Equal("demo", c.Description);
    }

    [Fact]
    public void RunsDataCleanupDays_BelowOne_WarnsAndDisables()
    {
        var c = Load(Minimal + "\nruns_data_cleanup_days: 0\n");
        Assert.Null(c.RunsDataCleanupDays);
        Assert.Contains(c.Warnings, w => w.Contains("runs_data_cleanup_days"));
        Assert.Equal(7, Load(Minimal + "\nruns_data_cleanup_days: 7\nruns_data_cleanup_include_input: yes\n").RunsDataCleanupDays);
    }

    [Fact]
    public void MaxBodySize_InMegabytes()
    {
        Assert.Equal(2 * 1024 * 1024, Load(Minimal + "\nmax_body_size_mb: 2\n").MaxBodyBytes);
    }

    // ------------------------------------------------------------------ token lifetimes

    [Fact]
    public void TokenLifetimes_ValidValues_AreHoursToSeconds()
    {
        var c = Load(Minimal + "\ntoken_expires_hours: 1.5\nrefresh_token_expires_hours: '72'\n");
        Assert.Equal(5400, c.AccessTokenSeconds);
        Assert.Equal(72 * 3600, c.RefreshTokenSeconds);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("expires_hours"));
    }

    [Fact]
    public void AccessLifetime_BelowHalfAnHour_FallsBackToDefaultWithWarning()
    {
        var c = Load(Minimal + "\ntoken_expires_hours: 0.1\n");
        Assert.Equal(6 * 3600, c.AccessTokenSeconds);
        var w = Assert.Single(c.Warnings, w => w.Contains("'token_expires_hours'"));
        Assert.Contains("0.1", w);
        Assert.Contains("at least 1800 seconds", w);
        Assert.Contains("Using default value: 6 hours", w);

        Assert.Equal(1800, Load(Minimal + "\ntoken_expires_hours: 0.5\n").AccessTokenSeconds);
    }

    [Fact]
    public void RefreshLifetime_NotLongerThanAccess_FallsBackTo48WithWarning()
    {
        var c = Load(Minimal + "\ntoken_expires_hours: 10\nrefresh_token_expires_hours: 5\n");
        Assert.Equal(10 * 3600, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);
        var w = Assert.Single(c.Warnings, w => w.Contains("'refresh_token_expires_hours'"));
        Assert.Contains($"at least {10 * 3600 + 1} seconds", w);
        Assert.Contains("Using default value: 48 hours", w);

        // Equal lifetimes are too short as well: refresh must outlive access by at least a second.
        Assert.Equal(48 * 3600, Load(Minimal + "\ntoken_expires_hours: 10\nrefresh_token_expires_hours: 10\n").RefreshTokenSeconds);
    }

    [Fact]
    public void RefreshDefault_IsNotCheckedAgainstALongAccessLifetime()
    {
        var c = Load(Minimal + "\ntoken_expires_hours: 72\n");
        Assert.Equal(72 * 3600, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("expires_hours"));
    }

    [Theory]
    [InlineData("'1.2.3'")]
    [InlineData("six")]
    [InlineData("[1, 2]")]
    public void TokenLifetimes_NonNumeric_FallBackToDefaults(string value)
    {
        var c = Load(Minimal + $"\ntoken_expires_hours: {value}\nrefresh_token_expires_hours: {value}\n");
        Assert.Equal(6 * 3600, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);
        Assert.Contains(c.Warnings, w => w.Contains("'token_expires_hours'") && w.Contains("Using default value: 6 hours"));
        Assert.Contains(c.Warnings, w => w.Contains("'refresh_token_expires_hours'") && w.Contains("Using default value: 48 hours"));
    }

    [Fact]
    public void LegacyTypeTest_MakesAccessTokensLastOneDay()
    {
        var legacy = "environments:\n  test:\n" + Indent(Minimal + "\ntype: test", 4);
        var c = Load(legacy, "test");
        Assert.Equal(86400, c.AccessTokenSeconds);
        Assert.Equal(48 * 3600, c.RefreshTokenSeconds);

        // An invalid value falls back to that one-day default.
        var invalid = Load(Minimal + "\ntype: test\ntoken_expires_hours: 0.1\n");
        Assert.Equal(86400, invalid.AccessTokenSeconds);
        Assert.Contains(invalid.Warnings, w => w.Contains("Using default value: 24 hours"));

        Assert.Equal(6 * 3600, Load(Minimal + "\ntype: prod\n").AccessTokenSeconds);
        Assert.Equal(3600, Load(Minimal + "\ntype: test\ntoken_expires_hours: 1\n").AccessTokenSeconds);
    }

    // ------------------------------------------------------------------ e-mail token validity

    [Fact]
    public void EmailTokenValidity_SmtpKeyWinsOverTopLevel()
    {
        var c = Load(Minimal + "\nemail_token_validity_minutes: 90\nsmtp:\n  server: mail\n  email_token_validity_minutes: 30\n");
        Assert.Equal(30, c.EmailTokenValidityMinutes);
    }

    [Fact]
    public void EmailTokenValidity_FallsBackToTopLevelThen60()
    {
        Assert.Equal(90, Load(Minimal + "\nemail_token_validity_minutes: 90\nsmtp:\n  server: mail\n").EmailTokenValidityMinutes);
        Assert.Equal(90, Load(Minimal + "\nemail_token_validity_minutes: 90\n").EmailTokenValidityMinutes);
        Assert.Equal(60, Load(Minimal + "\nsmtp:\n  server: mail\n").EmailTokenValidityMinutes);
    }

    [Fact]
    public void EmailTokenValidity_NonNumeric_IsRefused()
    {
        var e = Fails(Minimal + "\nsmtp:\n  server: mail\n  email_token_validity_minutes: soon\n");
        Assert.Contains("'smtp.email_token_validity_minutes'", e.Message);
    }

    // ------------------------------------------------------------------ legacy environments

    private static string Env(string name, string description) =>
        $"  {name}:\n" + Indent(Minimal.Replace("description: demo", $"description: {description}"), 4);

    [Fact]
    public void Legacy_SeveralEnvironmentsWithoutChoice_PicksProd()
    {
        var yaml = "environments:\n" + Env("dev", "the dev") + "\n" + Env("prod", "the prod") + "\n" + Env("test", "the test");
        Assert.Equal("the prod", Load(yaml).Description);
        Assert.Equal("the dev", Load(yaml, "dev").Description);
        Assert.Equal("the test", Load(yaml, "test").Description);
    }

    [Fact]
    public void Legacy_ApplicationAndProd_WithoutChoice_PicksProd()
    {
        var yaml = "application:\n" + Indent(Minimal.Replace("description: demo", "description: the app"), 2)
                   + "\nenvironments:\n" + Env("prod", "the prod");
        Assert.Equal("the prod", Load(yaml).Description);
        Assert.Equal("the app", Load(yaml, "application").Description);
    }

    [Fact]
    public void Legacy_ExactlyOneEnvironment_IsPicked()
    {
        Assert.Equal("the acc", Load("environments:\n" + Env("acc", "the acc")).Description);
        Assert.Equal("the app", Load("application:\n" + Indent(Minimal.Replace("description: demo", "description: the app"), 2)).Description);
        // Empty sections do not count.
        Assert.Equal("the dev", Load("environments:\n  test: {}\n  prod:\n" + Env("dev", "the dev")).Description);
    }

    [Fact]
    public void Legacy_SeveralEnvironmentsWithoutProd_RequiresAChoice()
    {
        var yaml = "environments:\n" + Env("dev", "the dev") + "\n" + Env("test", "the test");
        var e = Fails(yaml);
        Assert.Contains(File, e.Message);
        Assert.Contains("--environment", e.Message);
    }

    [Fact]
    public void Legacy_WithoutAnySettings_IsAnError()
    {
        var e = Fails("environments:\n  prod: {}\n  test:\n");
        Assert.Contains(File, e.Message);
        Assert.Contains("no environment", e.Message);
        Assert.Contains("no environment", Fails("application: {}\n").Message);
    }

    [Fact]
    public void Legacy_ChosenEnvironmentMissing_IsAnError()
    {
        var yaml = "environments:\n" + Env("dev", "the dev") + "\n" + Env("prod", "the prod");
        var e = Fails(yaml, "acc");
        Assert.Contains(File, e.Message);
        Assert.Contains("environments.acc", e.Message);
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("PROD")]
    [InlineData("")]
    public void Legacy_UnknownEnvironmentName_IsRefused(string environment)
    {
        var yaml = "environments:\n" + Env("prod", "the prod");
        var e = Fails(yaml, environment);
        Assert.Contains("environment", e.Message);
    }

    [Fact]
    public void Legacy_UnknownEnvironmentSection_IsRefused()
    {
        var e = Fails("environments:\n" + Env("staging", "x"));
        Assert.Contains("environments.staging", e.Message);
    }

    [Fact]
    public void Legacy_SectionIsValidatedOnItsOwn()
    {
        var e = Fails("environments:\n" + Env("prod", "x").Replace("level: INFO", "level: info"));
        Assert.Contains("'environments.prod.logging.level'", e.Message);
    }

    [Fact]
    public void Flat_WithEnvironmentArgument_IsRefused()
    {
        var e = Fails(Minimal, "test");
        Assert.Contains("environments", e.Message);
        // "application" names the whole flat file.
        Assert.Equal("demo", Load(Minimal, "application").Description);
    }

    [Fact]
    public void Flat_WithExtraApplicationKey_StaysFlat()
    {
        // All required flat keys at the top: the file is flat even though it has an 'application' key.
        Assert.Equal("demo", Load(Minimal + "\napplication: {}\n").Description);
    }

    // ------------------------------------------------------------------ YAML errors and files

    [Fact]
    public void InvalidYaml_ReportsTheLine()
    {
        var e = Fails("description: demo\nip: 127.0.0.1\nport: [7601\nuri: x\n");
        Assert.Contains(File, e.Message);
        Assert.Contains("line", e.Message);
        Assert.Matches(@"line \d+", e.Message);

        var mappingInScalar = Fails("description: demo\nip: 127.0.0.1\nport: a: b\n");
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(mappingInScalar.Message, @"line 3\b"), mappingInScalar.Message);

        var tabs = Fails("description: demo\nlogging:\n\tlevel: INFO\n");
        Assert.Contains("line", tabs.Message);
        Assert.Contains("tab", tabs.Message);
    }

    [Fact]
    public void DuplicateKeys_AreReported()
    {
        var e = Fails(Minimal + "\nport: 7602\n");
        Assert.Contains(File, e.Message);
        Assert.Contains("line", e.Message);
        // Different spellings of the same key text are duplicates too.
        Assert.Contains("duplicate", Fails(Minimal + "\n'port': 7602\n").Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NonScalarKeys_AreRefused()
    {
        var e = Fails(Minimal + "\n? [a, b]\n: c\n");
        Assert.Contains(File, e.Message);
        Assert.Contains("line", e.Message);
    }

    [Fact]
    public void UnclosedFlowSequence_IsAConfigurationError()
    {
        var e = Fails(Minimal + "\ncors_allowed_origins: [https://a.example.org\n");
        Assert.Contains(File, e.Message);
        Assert.Contains("YAML", e.Message);
    }

    [Fact]
    public void Load_FromFile_UsesTheFullPath()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"v6cfg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "demo.yaml");
            System.IO.File.WriteAllText(path, Minimal);
            var c = ServerConfigLoader.Load(path);
            Assert.Equal(Path.GetFullPath(path), c.SourceFile);

            System.IO.File.WriteAllText(path, Minimal.Replace("port: 7601", "port: abc"));
            Assert.Contains(Path.GetFullPath(path), Assert.Throws<ConfigurationException>(() => ServerConfigLoader.Load(path)).Message);

            var missing = Path.Combine(dir, "nope.yaml");
            var e = Assert.Throws<ConfigurationException>(() => ServerConfigLoader.Load(missing));
            Assert.Contains("nope.yaml", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
