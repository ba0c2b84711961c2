namespace Vantage6.Common.Configuration;

/// <summary>
/// Loads a server configuration file: the flat 4.14 format, or the legacy
/// <c>application</c> / <c>environments: {dev,test,acc,prod}</c> format of the documentation.
/// </summary>
public static class ServerConfigLoader
{
    public static readonly string[] Environments = ["dev", "test", "acc", "prod"];
    private static readonly string[] RequiredFlatKeys = ["description", "ip", "port", "uri", "allow_drop_all", "logging"];

    /// <summary>What each required key must hold, for the message when it is missing.</summary>
    private static readonly Dictionary<string, string> RequiredExpectations = new()
    {
        ["description"] = "a string",
        ["ip"] = "a string (the address to bind to)",
        ["port"] = "an integer",
        ["uri"] = "a string (the database URI)",
        ["allow_drop_all"] = "true or false",
        ["logging"] = "a mapping with level, file, use_console, backup_count, max_size, format and datefmt",
    };

    public static ServerConfig Load(string file, string? environment = null)
    {
        if (!System.IO.File.Exists(file))
            throw new ConfigurationException($"Could not find configuration file \"{file}\"");
        return FromMapping(YamlDocument.LoadMapping(file), Path.GetFullPath(file), environment);
    }

    public static ServerConfig FromYaml(string yaml, string file = "<inline>", string? environment = null) =>
        FromMapping(YamlDocument.ParseMapping(yaml, file), file, environment);

    public static ServerConfig FromMapping(IReadOnlyDictionary<string, object?> top, string file, string? environment)
    {
        var root = new YamlSection(file, "", top);
        var section = SelectSection(root, environment);
        return Read(section);
    }

    /// <summary>Picks the flat mapping, or the requested environment of a legacy file.</summary>
    private static YamlSection SelectSection(YamlSection root, string? environment)
    {
        bool legacy = (root.Has("application") || root.Has("environments"))
                      && !RequiredFlatKeys.All(k => root.Keys.Contains(k));
        if (!legacy)
        {
            if (environment is not null && environment != "application")
                throw new ConfigurationException(
                    $"Invalid configuration '{root.File}': --environment {environment} was given, but the file has no 'environments' section");
            return root;
        }
        var envs = root.Section("environments");
        if (envs is not null)
            foreach (var k in envs.Keys)
                if (!Environments.Contains(k))
                    throw ConfigurationException.ForKey(root.File, $"environments.{k}", "is not an environment: use dev, test, acc or prod");

        if (environment is null)
        {
            // Empty sections and placeholders that are not mappings (the documentation's "prod: ...") do not count.
            var candidates = new List<(string Name, YamlSection Section)>();
            if (NonEmptyMapping(root, "application") is { } app) candidates.Add(("application", app));
            foreach (var env in Environments)
                if (envs is not null && NonEmptyMapping(envs, env) is { } s) candidates.Add((env, s));
            if (candidates.Count == 1) return candidates[0].Section;
            if (candidates.FirstOrDefault(c => c.Name == "prod").Section is { } prod) return prod;
            throw new ConfigurationException(candidates.Count == 0
                ? $"Invalid configuration '{root.File}': it has no environment with settings (application, dev, test, acc or prod)"
                : $"Invalid configuration '{root.File}': it has several environments ({string.Join(", ", candidates.Select(c => c.Name))}); choose one with --environment");
        }
        if (environment == "application")
            return root.Section("application") ?? throw ConfigurationException.ForKey(root.File, "application", "is missing (selected with --environment application)");
        if (!Environments.Contains(environment))
            throw new ConfigurationException($"Unknown environment '{environment}': use application, dev, test, acc or prod");
        return envs?.Section(environment)
               ?? throw ConfigurationException.ForKey(root.File, $"environments.{environment}", "is missing (selected with --environment)");
    }

    private static YamlSection? NonEmptyMapping(YamlSection parent, string key) =>
        parent.Raw(key) is IReadOnlyDictionary<string, object?> { Count: > 0 } ? parent.Section(key) : null;

    private static ServerConfig Read(YamlSection c)
    {
        var warnings = new List<string>();
        foreach (var key in RequiredFlatKeys) c.Require(key, RequiredExpectations[key]);

        string apiPath = c.String("api_path") ?? "/api";
        if (!c.Has("api_path") && !c.Keys.Contains("api_path"))
            warnings.Add("No 'api_path' in the configuration: using '/api'");
        apiPath = apiPath.TrimEnd('/');
        if (apiPath.Length > 0 && !apiPath.StartsWith('/')) apiPath = "/" + apiPath;

        string? type = c.String("type");
        var (access, refresh) = TokenLifetimes(c, type, warnings);
        if (!c.Has("cors_allowed_origins"))
            warnings.Add("No 'cors_allowed_origins' in the configuration: every origin may call this server; list your UI's origin");
        string? secret = c.String("jwt_secret_key");
        if (string.IsNullOrEmpty(secret)) secret = null;

        var smtpSection = c.Section("smtp");
        SmtpConfig? smtp = null;
        int emailValidity = c.Int("email_token_validity_minutes", min: 1) ?? 60;
        if (smtpSection is not null && smtpSection.Keys.Any())
        {
            smtp = new SmtpConfig
            {
                Server = smtpSection.String("server") ?? "localhost",
                Port = smtpSection.Int("port", min: 1) ?? 1025,
                Username = smtpSection.String("username") ?? "support@vantage6.ai",
                Password = smtpSection.String("password") ?? "",
                UseTls = smtpSection.Bool("MAIL_USE_TLS") ?? true,
                UseSsl = smtpSection.Bool("MAIL_USE_SSL") ?? false,
                EmailFrom = smtpSection.String("email_from") ?? "noreply@vantage6.ai",
            };
            emailValidity = smtpSection.Int("email_token_validity_minutes", min: 1) ?? emailValidity;
        }

        string? blobDirectory = null;
        if (c.Section("large_result_store") is { } store && store.Keys.Any())
        {
            var storeType = store.String("type") ?? "local";
            if (storeType == "local") blobDirectory = store.String("directory") ?? "blobs";
            else warnings.Add($"large_result_store type '{storeType}' is not supported by this server (only 'local'); blob storage is off");
        }
        var policy = c.Section("password_policy");
        var vpn = c.Section("vpn_server");
        var dirs = c.Section("directories");
        var port = c.Int("port", required: true, min: 0)!.Value;
        int? cleanup = c.Int("runs_data_cleanup_days");
        if (cleanup is < 1)
        {
            warnings.Add($"runs_data_cleanup_days is {cleanup}: it must be at least 1, so old results are not removed");
            cleanup = null;
        }

        return new ServerConfig
        {
            SourceFile = c.File,
            Description = c.String("description", required: true) ?? "",
            Type = type,
            Ip = c.String("ip", required: true) ?? "127.0.0.1",
            Port = port == 0 ? 7601 : port,
            ApiPath = apiPath,
            Uri = c.String("uri", required: true) ?? "",
            AllowDropAll = c.Bool("allow_drop_all", required: true) ?? false,
            JwtSecretKey = secret ?? ServerConfig.NewSecret(),
            JwtSecretGenerated = secret is null,
            ServerName = c.String("server_name") ?? "cotopaxi",
            ServerUrl = c.String("server_url"),
            AccessTokenSeconds = access,
            RefreshTokenSeconds = refresh,
            TwoFactorAuth = c.Bool("two_factor_auth") ?? false,
            PasswordPolicy = new PasswordPolicyConfig
            {
                MaxFailedAttempts = policy?.Int("max_failed_attempts", min: 1) ?? 5,
                InactivationMinutes = policy?.Int("inactivation_minutes", min: 0) ?? 15,
                BetweenUserEmailsMinutes = policy?.Int("between_user_emails_minutes", min: 0) ?? 60,
            },
            CorsAllowedOrigins = c.StringOrList("cors_allowed_origins") ?? ["*"],
            MaxBodyBytes = (c.Int("max_body_size_mb", min: 1) ?? 16) * 1024 * 1024,
            BlobDirectory = blobDirectory,
            Smtp = smtp,
            SupportEmail = c.String("support_email") ?? "support@vantage6.ai",
            EmailTokenValidityMinutes = emailValidity,
            VpnServer = vpn is null ? null : new VpnServerConfig
            {
                Url = vpn.String("url"),
                RedirectUrl = vpn.String("redirect_url"),
                ClientId = vpn.String("client_id"),
                ClientSecret = vpn.String("client_secret"),
                PortalUsername = vpn.String("portal_username"),
                PortalUserpass = vpn.String("portal_userpass"),
            },
            RunsDataCleanupDays = cleanup,
            RunsDataCleanupIncludeInput = c.Bool("runs_data_cleanup_include_input") ?? false,
            RabbitMqUri = c.Section("rabbitmq")?.String("uri"),
            Logging = ReadLogging(c.Section("logging", required: true)!),
            LogDirectory = dirs?.String("log"),
            DataDirectory = dirs?.String("data"),
            Warnings = warnings,
        };
    }

    private static LoggingConfig ReadLogging(YamlSection l)
    {
        string level = l.String("level", required: true) ?? "";
        if (!LoggingConfig.Levels.Contains(level))
            throw l.Invalid("level", $"must be one of {string.Join(", ", LoggingConfig.Levels)}, got '{level}'");
        var loggers = new Dictionary<string, string>();
        foreach (var item in l.List("loggers") ?? [])
            if (item is IReadOnlyDictionary<string, object?> m && m.GetValueOrDefault("name") is string n && m.GetValueOrDefault("level") is string lv)
                loggers[n] = lv.ToUpperInvariant();
        return new LoggingConfig
        {
            Level = level,
            File = l.String("file", required: true) ?? "server.log",
            UseConsole = l.Bool("use_console", required: true) ?? true,
            BackupCount = l.Int("backup_count", required: true, min: 1) ?? 5,
            MaxSizeKb = l.Int("max_size", required: true, min: 17) ?? 1024,
            Format = l.String("format", required: true) ?? "",
            DateFormat = l.String("datefmt", required: true) ?? "",
            Loggers = loggers,
        };
    }

    /// <summary>Access and refresh lifetimes per api-core §2.1, with the legacy <c>type: test</c> one-day default.</summary>
    private static (int Access, int Refresh) TokenLifetimes(YamlSection c, string? type, List<string> warnings)
    {
        int defaultAccess = type == "test" ? 24 * 3600 : 6 * 3600;
        int access = defaultAccess;
        if (c.Has("token_expires_hours"))
        {
            var hours = c.Number("token_expires_hours");
            if (hours is null || double.IsNaN(hours.Value))
                warnings.Add($"Invalid value for 'token_expires_hours': {c.Raw("token_expires_hours")}. Using default value: {defaultAccess / 3600} hours");
            else if ((int)(hours.Value * 3600) < 1800)
                warnings.Add($"Invalid value for 'token_expires_hours': {c.Raw("token_expires_hours")}. Tokens must be valid for at least 1800 seconds. Using default value: {defaultAccess / 3600} hours");
            else access = (int)(hours.Value * 3600);
        }
        int refresh = 48 * 3600;
        if (c.Has("refresh_token_expires_hours"))
        {
            var hours = c.Number("refresh_token_expires_hours");
            if (hours is null || double.IsNaN(hours.Value))
                warnings.Add($"Invalid value for 'refresh_token_expires_hours': {c.Raw("refresh_token_expires_hours")}. Using default value: 48 hours");
            else if ((int)(hours.Value * 3600) < access + 1)
                warnings.Add($"Invalid value for 'refresh_token_expires_hours': {c.Raw("refresh_token_expires_hours")}. Tokens must be valid for at least {access + 1} seconds. Using default value: 48 hours. Note that refresh tokens should be valid at least 1 seconds longer than access tokens.");
            else refresh = (int)(hours.Value * 3600);
        }
        return (access, refresh);
    }
}
