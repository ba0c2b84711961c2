using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Server.Realtime;

/// <summary>
/// The configuration a node reports with <c>node_info_update</c>, stored as key/value rows
/// (api-federation §5.6): the rows are replaced on every report and deleted when the node goes offline.
/// </summary>
public sealed class NodeConfigStore(IServiceScopeFactory scopes)
{
    public async Task ReplaceAsync(int nodeId, JsonElement report)
    {
        var rows = Flatten(report).Select(kv => new NodeConfig { NodeId = nodeId, Key = kv.Key, Value = kv.Value }).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.NodeConfigs.Where(c => c.NodeId == nodeId).ExecuteDeleteAsync();
        db.NodeConfigs.AddRange(rows);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
    }

    public async Task DeleteAsync(int nodeId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        await db.NodeConfigs.Where(c => c.NodeId == nodeId).ExecuteDeleteAsync();
    }

    /// <summary>
    /// Top-level list → one row per item; object → its keys (a list value one row per item, else one row);
    /// scalar → one row. Values as text, booleans as <c>true</c>/<c>false</c>.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Flatten(JsonElement report)
    {
        if (report.ValueKind != JsonValueKind.Object) yield break;
        foreach (var top in report.EnumerateObject())
        {
            switch (top.Value.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var item in top.Value.EnumerateArray()) yield return new(top.Name, Text(item));
                    break;
                case JsonValueKind.Object:
                    foreach (var inner in top.Value.EnumerateObject())
                    {
                        if (inner.Value.ValueKind == JsonValueKind.Array)
                            foreach (var item in inner.Value.EnumerateArray()) yield return new(inner.Name, Text(item));
                        else yield return new(inner.Name, Text(inner.Value));
                    }
                    break;
                default:
                    yield return new(top.Name, Text(top.Value));
                    break;
            }
        }
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
