using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Common.Configuration;
using Vantage6.Server.Api;
using Vantage6.Server.Auth;
using Vantage6.Server.Blobs;
using Vantage6.Server.Data;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Infrastructure.Logging;
using Vantage6.Server.Infrastructure.Mail;
using Vantage6.Server.Jobs;
using Vantage6.Server.Realtime;
using Vantage6.SocketIO;

namespace Vantage6.Server;

/// <summary>Options that depend on how the server is run rather than on its configuration file.</summary>
public sealed class ServerRunOptions
{
    /// <summary>Folder for relative SQLite paths (the instance's data folder).</summary>
    public string DataDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>Log file; null logs to the console only.</summary>
    public string? LogFile { get; init; }
    /// <summary>Address and port to listen on; null takes them from the configuration.</summary>
    public string? Urls { get; init; }
    /// <summary>Used by tests: lets the caller add services (e.g. an in-memory test server).</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }
}

/// <summary>Builds and starts the vantage6 server from a <see cref="ServerConfig"/>.</summary>
public static class ServerHost
{
    public static WebApplication Build(ServerConfig config, ServerRunOptions? run = null)
    {
        run ??= new ServerRunOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ServerHost).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        LoggingSetup.Configure(builder.Logging, config.Logging, run.LogFile);
        builder.WebHost.UseUrls(run.Urls ?? $"http://{HostFor(config.Ip)}:{config.Port}");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = config.MaxBodyBytes;
        });

        var database = DatabaseUri.Parse(config.Uri, run.DataDirectory);
        bool wal = PrepareSqlite(database);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(run);
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddHttpClient(AlgorithmStoreApi.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15));
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(new ApiPaths(config.ApiPath));
        builder.Services.AddDbContextPool<V6DbContext>(o =>
        {
            ConfigureDatabase(o, database);
            if (database.Kind == DatabaseKind.Sqlite)
            {
                o.AddInterceptors(new SqliteConnectionSetupInterceptor(wal));
                PooledSqliteRelationalConnection.Use(o);
            }
        });
        builder.Services.AddSingleton(new CountCache(database.Kind == DatabaseKind.Sqlite ? database.ConnectionString : null));
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<ActorCache>();
        builder.Services.AddSingleton<LastSeenTracker>();
        builder.Services.AddSingleton<LoginService>();
        builder.Services.AddSingleton<NodeKeyIndex>();
        builder.Services.AddSingleton<RecoveryThrottle>();
        builder.Services.AddSingleton<IEventPublisher, InProcessEventPublisher>();
        builder.Services.AddRealtime(config);
        builder.WebHost.UseSocketIOConnections(RealtimeSetup.Path);
        builder.Services.AddSingleton<ClusterLease>();
        builder.Services.AddHostedService<NodeStatusJob>();
        builder.Services.AddHostedService<RunCleanupJob>();
        builder.Services.AddSingleton<MailService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MailService>());
        builder.Services.AddScoped<DatabaseInitializer>();
        builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
        builder.Services.AddRouting();
        run.ConfigureBuilder?.Invoke(builder);

        var app = builder.Build();
        app.UseRealtime();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<CorsMiddleware>(config.CorsAllowedOrigins);
        app.UseRouting();
        app.UseMiddleware<AuthenticationMiddleware>();

        app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /\n", "text/plain"));
        var api = app.MapGroup(config.ApiPath);
        api.MapHealthApi();
        api.MapTokenApi();
        api.MapRecoverApi();
        api.MapUserApi();
        api.MapOrganizationApi();
        api.MapRoleApi();
        api.MapRuleApi();
        api.MapCollaborationApi();
        api.MapNodeApi();
        api.MapStudyApi();
        api.MapTaskApi();
        api.MapRunApi();
        api.MapKillApi();
        api.MapPortApi();
        api.MapVpnApi();
        api.MapColumnApi();
        api.MapBlobstreamApi();
        api.MapAlgorithmStoreApi();
        return app;
    }

    /// <summary>Schema, rules, roles and the root user; run once before serving.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken ct = default)
    {
        var config = app.Services.GetRequiredService<ServerConfig>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("server");
        foreach (var warning in config.Warnings) logger.LogWarning("{Warning}", warning);
        if (config.JwtSecretGenerated)
            logger.LogWarning("No jwt_secret_key in the configuration: a new one is generated, so tokens do not survive a restart");
        var database = app.Services.GetRequiredService<DatabaseUri>();
        logger.LogInformation("Database: {Database}", database.Display);
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync(ct);
        logger.LogInformation("Initialization done");
    }

    /// <summary>Creates the folder of a SQLite file and switches databases we create to WAL; true when WAL is on.</summary>
    private static bool PrepareSqlite(DatabaseUri database)
    {
        if (database.SqliteFile is null) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(database.SqliteFile)!);
        var connection = database.ConnectionString + ";Foreign Keys=False";
        if (SqliteTuning.IsNewFile(database.SqliteFile)) SqliteTuning.EnableWal(connection);
        return SqliteTuning.UsesWal(connection);
    }

    // Id lists (Contains) travel as one parameter (a JSON array in SQLite, an array in PostgreSQL): the SQL then
    // stays the same whatever the list holds, so EF Core reuses it instead of generating it per request.
    public static void ConfigureDatabase(DbContextOptionsBuilder o, DatabaseUri database)
    {
        if (database.Kind == DatabaseKind.Sqlite)
            // The reference never enforces foreign keys in SQLite; deletes are ordered by the application.
            o.UseSqlite(database.ConnectionString + ";Foreign Keys=False",
                s => s.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter));
        else
            PostgresOnly.UseNpgsql(o, database.ConnectionString);
        o.UseQueryTrackingBehavior(QueryTrackingBehavior.TrackAll);
    }

    private static string HostFor(string ip) => ip switch
    {
        "0.0.0.0" or "" => "0.0.0.0",
        "::" => "[::]",
        _ when ip.Contains(':') && !ip.StartsWith('[') => $"[{ip}]",
        _ => ip,
    };
}
