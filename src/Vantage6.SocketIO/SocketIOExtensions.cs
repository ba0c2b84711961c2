using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Vantage6.SocketIO.Engine;
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
    /// Lets Kestrel hand connections that open with a websocket handshake to <paramref name="path"/> straight
    /// to the Engine.IO server, without the HTTP layer (see <see cref="SocketConnectionMiddleware"/>).
    /// Optional: without it the same requests are served through <see cref="UseSocketIO"/>.
    /// </summary>
    public static IWebHostBuilder UseSocketIOConnections(this IWebHostBuilder builder, string path = "/socket.io") =>
        builder.ConfigureKestrel(options => options.ConfigureEndpointDefaults(listen => listen.Use(next =>
            new SocketConnectionMiddleware(next, listen.ApplicationServices.GetRequiredService<SocketServer>().Engine, path).OnConnectionAsync)));

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
