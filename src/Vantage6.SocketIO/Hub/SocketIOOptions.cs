using System.Text.Json;
using Vantage6.SocketIO.Engine;

namespace Vantage6.SocketIO.Hub;

public sealed class SocketIOOptions
{
    public EngineOptions Engine { get; } = new();
    /// <summary>How event arguments are serialized.</summary>
    public JsonSerializerOptions Json { get; set; } = new(JsonSerializerDefaults.Web);
}
