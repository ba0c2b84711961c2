using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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

    /// <summary>
    /// Serves Engine.IO/Socket.IO at <paramref name="path"/> (with or without trailing slash). Put it first
    /// in the pipeline: a websocket request lives as long as its connection, and each middleware it passed
    /// would stay on its stack all that time; the Engine.IO server answers its own errors and CORS.
    /// </summary>
    public static IApplicationBuilder UseSocketIO(this IApplicationBuilder app, string path = "/socket.io")
    {
        var server = app.ApplicationServices.GetRequiredService<SocketServer>();
        var exact = new PathString(path.TrimEnd('/'));
        var slashed = new PathString(path.TrimEnd('/') + "/");
        return app.Use((context, next) =>
            context.Request.Path.Equals(exact, StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.Equals(slashed, StringComparison.OrdinalIgnoreCase)
                ? server.HandleAsync(context)
                : next(context));
    }
}
