using Vantage6.Common.Configuration;
using Vantage6.SocketIO;

namespace Vantage6.Server.Realtime;

/// <summary>Wires the Socket.IO endpoint and the vantage6 <c>/tasks</c> namespace into the server.</summary>
public static class RealtimeSetup
{
    /// <summary>Path of the Socket.IO endpoint: at the root, not under the API path (node-protocol §1.2).</summary>
    public const string Path = "/socket.io";

    public static IServiceCollection AddRealtime(this IServiceCollection services, ServerConfig config)
    {
        services.AddSocketIO(o => o.Engine.AllowedOrigins = config.CorsAllowedOrigins);
        services.AddSingleton<SocketAuthenticator>();
        services.AddSingleton<RoomPlanner>();
        services.AddSingleton<Presence>();
        services.AddSingleton<NodeConfigStore>();
        services.AddSingleton<TasksEventHandlers>();
        services.AddSingleton<TasksNamespace>();
        services.AddSingleton<EventForwarder>();
        return services;
    }

    /// <summary>First in the pipeline (see <see cref="SocketIOExtensions.UseSocketIO"/>).</summary>
    public static WebApplication UseRealtime(this WebApplication app)
    {
        app.UseSocketIO(Path);
        app.Services.GetRequiredService<TasksNamespace>().Attach();
        app.Services.GetRequiredService<EventForwarder>().Start();
        return app;
    }
}
