namespace Vantage6.Server.Auth;

/// <summary>Endpoint metadata: which kinds of caller may use it, and whether it wants a refresh token.</summary>
public sealed record EndpointAccess(Callers Callers, bool RefreshToken = false);

public static class EndpointAccessExtensions
{
    /// <summary>Requires a valid access token of one of <paramref name="callers"/>.</summary>
    public static TBuilder For<TBuilder>(this TBuilder builder, Callers callers) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EndpointAccess(callers));

    /// <summary>Requires a valid refresh token of a user or node.</summary>
    public static TBuilder ForRefreshToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EndpointAccess(Callers.UserOrNode, RefreshToken: true));
}
