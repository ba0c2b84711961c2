namespace Vantage6.Server.Tests.Support;

/// <summary>The configuration file of a test server: quiet logging into its data folder, a fixed JWT secret.</summary>
public static class TestServerYaml
{
    public static string For(string description, string uri, bool allowDropAll, string extra = "") => $"""
        description: {description}
        ip: 127.0.0.1
        port: 7601
        api_path: /api
        uri: {uri}
        allow_drop_all: {(allowDropAll ? "true" : "false")}
        jwt_secret_key: test-secret-key-that-is-long-enough
        logging:
          level: WARNING
          file: test.log
          use_console: false
          backup_count: 1
          max_size: 1024
          format: "%(message)s"
          datefmt: ""
        {extra}
        """;
}
