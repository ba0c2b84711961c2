using System.Text.Json.Nodes;

namespace Vantage6.Node;

/// <summary>
/// The node's real-time channel (node-protocol §1, namespace <c>/tasks</c>). The node works fully without it (REST
/// polling); when connected it shortens the time until runs start and kills arrive.
/// </summary>
public interface ITaskChannel : IAsyncDisposable
{
    bool IsConnected { get; }

    /// <summary>Server asks for a full queue sync (<c>sync</c>), also after every reconnect.</summary>
    event Func<Task>? SyncRequested;

    /// <summary><c>new_task</c> with the task id.</summary>
    event Func<int, Task>? NewTask;

    /// <summary><c>kill_containers</c> payload.</summary>
    event Func<JsonNode, Task>? KillRequested;

    /// <summary><c>expired_token</c> / <c>invalid_token</c>: reconnect with a fresh token.</summary>
    event Func<bool, Task>? TokenRejected;

    Task ConnectAsync(string accessToken, CancellationToken ct);
    Task EmitAsync(string eventName, JsonNode? payload);
    Task DisconnectAsync();
}
