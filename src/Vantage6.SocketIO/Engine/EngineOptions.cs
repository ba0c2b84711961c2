namespace Vantage6.SocketIO.Engine;

/// <summary>Engine.IO settings announced in the handshake and enforced by the server.</summary>
public sealed class EngineOptions
{
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>Largest polling POST body or websocket message, in bytes.</summary>
    public int MaxPayload { get; set; } = 1_000_000;
    /// <summary>Allowed <c>Origin</c> values; "*" allows every origin.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; set; } = ["*"];
    /// <summary>Most packets in one polling response (the Python client rejects more than 16).</summary>
    public int MaxPacketsPerPoll { get; set; } = 16;
    /// <summary>How often heartbeats are checked; null derives it from the ping settings.</summary>
    public TimeSpan? HeartbeatResolution { get; set; }

    // Fine enough that the spread first pings stay spread (a sweep pings every session that is due).
    internal TimeSpan SweepPeriod =>
        HeartbeatResolution ?? TimeSpan.FromMilliseconds(Math.Clamp(
            Math.Min(PingInterval.TotalMilliseconds, PingTimeout.TotalMilliseconds) / 20, 10, 250));

    internal bool IsOriginAllowed(string origin) =>
        AllowedOrigins.Any(o => o == "*" || string.Equals(o, origin, StringComparison.OrdinalIgnoreCase));
}
