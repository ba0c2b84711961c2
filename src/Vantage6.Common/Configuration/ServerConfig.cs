namespace Vantage6.Common.Configuration;

/// <summary>Everything the server reads from its YAML configuration, with defaults applied.</summary>
public sealed record ServerConfig
{
    public string SourceFile { get; init; } = "<memory>";
    public string Description { get; init; } = "";
    /// <summary>Legacy (3.x) server type; <c>test</c> makes access tokens last one day.</summary>
    public string? Type { get; init; }
    public string Ip { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 7601;
    public string ApiPath { get; init; } = "/api";
    public string Uri { get; init; } = "sqlite://";
    public bool AllowDropAll { get; init; }
    /// <summary>HMAC key for all tokens; generated per start when the file has none.</summary>
    public string JwtSecretKey { get; init; } = NewSecret();
    public bool JwtSecretGenerated { get; init; } = true;
    public string ServerName { get; init; } = "cotopaxi";
    public string? ServerUrl { get; init; }
    public int AccessTokenSeconds { get; init; } = 6 * 3600;
    public int RefreshTokenSeconds { get; init; } = 48 * 3600;
    public bool TwoFactorAuth { get; init; }
    public PasswordPolicyConfig PasswordPolicy { get; init; } = new();
    public IReadOnlyList<string> CorsAllowedOrigins { get; init; } = ["*"];
    public SmtpConfig? Smtp { get; init; }
    public string SupportEmail { get; init; } = "support@vantage6.ai";
    public int EmailTokenValidityMinutes { get; init; } = 60;
    public VpnServerConfig? VpnServer { get; init; }
    public int? RunsDataCleanupDays { get; init; }
    public bool RunsDataCleanupIncludeInput { get; init; }
    public string? RabbitMqUri { get; init; }
    public LoggingConfig Logging { get; init; } = new();
    public string? LogDirectory { get; init; }
    public string? DataDirectory { get; init; }
    /// <summary>Notes found while loading (e.g. an invalid token lifetime replaced by its default); logged at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>
    /// Folder of the blob store for large inputs and results (<c>large_result_store: {type: local, directory: …}</c>);
    /// null when blob storage is off. A relative folder is taken inside the instance's data folder.
    /// </summary>
    public string? BlobDirectory { get; init; }
    /// <summary>Largest JSON request body (<c>max_body_size_mb</c>, default 16); bigger uploads use /blobstream.</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>256 random bits from a CSPRNG, for when no <c>jwt_secret_key</c> is configured.</summary>
    public static string NewSecret() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}

public sealed class PasswordPolicyConfig
{
    public int MaxFailedAttempts { get; init; } = 5;
    public int InactivationMinutes { get; init; } = 15;
    public int BetweenUserEmailsMinutes { get; init; } = 60;
}

public sealed class SmtpConfig
{
    public string Server { get; init; } = "localhost";
    public int Port { get; init; } = 1025;
    public string Username { get; init; } = "support@vantage6.ai";
    public string Password { get; init; } = "";
    public bool UseTls { get; init; } = true;
    public bool UseSsl { get; init; }
    public string EmailFrom { get; init; } = "noreply@vantage6.ai";
}

public sealed class VpnServerConfig
{
    public string? Url { get; init; }
    public string? RedirectUrl { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public string? PortalUsername { get; init; }
    public string? PortalUserpass { get; init; }
}

public sealed class LoggingConfig
{
    public string Level { get; init; } = "INFO";
    public string File { get; init; } = "server.log";
    public bool UseConsole { get; init; } = true;
    public int BackupCount { get; init; } = 5;
    public int MaxSizeKb { get; init; } = 1024;
    public string Format { get; init; } = "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s";
    public string DateFormat { get; init; } = "%Y-%m-%d %H:%M:%S";
    public IReadOnlyDictionary<string, string> Loggers { get; init; } = new Dictionary<string, string>();
    public static readonly string[] Levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
}
