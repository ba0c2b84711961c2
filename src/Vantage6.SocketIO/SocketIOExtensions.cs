using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vantage6.SocketIO.Hub;

namespace Vantage6.SocketIO;

public static class SocketIOExtensions
{
    /// <summary>Registers the <see cref="SocketServer"/> (and an in-process backplane unless one is registered).</summary>
    public static IServiceCollection AddSocketIO(this IServiceCollection services, Action<SocketIOOptions>? configure = null)
    {
        var options = new SocketIOOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.TryAddSingleton<ISocketBackplane, InProcessBackplane>();
        services.AddSingleton<SocketServer>();
        return services;
    }

    /// <summary>Serves Engine.IO/Socket.IO at <paramref name="path"/>, with or without trailing slash.</summary>
    public static IEndpointConventionBuilder MapSocketIO(this WebApplication app, string path = "/socket.io")
    {
        app.UseWebSockets();
        var server = app.Services.GetRequiredService<SocketServer>();
        return app.Map(path.TrimEnd('/') + "/", server.HandleAsync);
    }
}
