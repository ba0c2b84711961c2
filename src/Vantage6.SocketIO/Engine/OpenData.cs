using System.Text.Json.Serialization;

namespace Vantage6.SocketIO.Engine;

/// <summary>The handshake's open packet data.</summary>
internal sealed record OpenData(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("upgrades")] string[] Upgrades,
    [property: JsonPropertyName("pingInterval")] int PingInterval,
    [property: JsonPropertyName("pingTimeout")] int PingTimeout,
    [property: JsonPropertyName("maxPayload")] int MaxPayload);

[JsonSerializable(typeof(OpenData))]
[JsonSerializable(typeof(string))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;
