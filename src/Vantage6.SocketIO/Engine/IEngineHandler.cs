namespace Vantage6.SocketIO.Engine;

/// <summary>What sits on top of Engine.IO (the Socket.IO layer): told about sessions and their messages.</summary>
public interface IEngineHandler
{
    /// <summary>A session's message packet, in the order the client sent them.</summary>
    ValueTask OnMessageAsync(EngineSession session, EnginePacket packet);
    /// <summary>Called once when a session ends, for any reason.</summary>
    ValueTask OnCloseAsync(EngineSession session, string reason);
}

/// <summary>Why a session ended; the Socket.IO disconnect reasons.</summary>
public static class CloseReasons
{
    public const string TransportClose = "transport close";
    public const string TransportError = "transport error";
    public const string PingTimeout = "ping timeout";
    public const string ServerDisconnect = "io server disconnect";
    public const string ClientDisconnect = "io client disconnect";
    public const string ServerShutdown = "server shutting down";
    public const string ParseError = "parse error";
}
