using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vantage6.Node;

/// <summary>
/// Node policies evaluated before each start (node-protocol §2.9). Ids are compared numerically; organization
/// names are looked up through <c>GET /organization?name=</c>. The reason of a refusal goes to the node log.
/// </summary>
public sealed class Policies(NodePolicies policies)
{
    private const string BasicsPrefix = "harbor2.vantage6.ai/algorithms/basics";
    private static readonly char[] RegexChars = ['*', '\\', '?', '$', '^', '[', ']', '(', ')', '{', '}', '|', '+'];

    /// <summary>Null when allowed, else the reason.</summary>
    public async Task<string?> CheckAsync(string image, int? initOrg, int? initUser, int? storeId,
        Func<string, Task<JsonNode?>> get)
    {
        if (image.StartsWith(BasicsPrefix, StringComparison.Ordinal) && !policies.AllowBasicsAlgorithm)
            return $"the basics algorithm '{image}' is not allowed by this node (allow_basics_algorithm: false)";
        if (policies.AllowedUsers is not null || policies.AllowedOrganizations is not null)
        {
            var allowed = initUser is { } u && (policies.AllowedUsers ?? []).Any(e => int.TryParse(e, out var id) && id == u);
            if (!allowed && initOrg is { } o)
            {
                foreach (var entry in policies.AllowedOrganizations ?? [])
                {
                    if (int.TryParse(entry, out var id)) { if (id == o) { allowed = true; break; } continue; }
                    var reply = await get($"/organization?name={Uri.EscapeDataString(entry)}");
                    if (reply?["data"] is JsonArray data && data.Any(d => (string?)d?["name"] == entry && (int?)d?["id"] == o)) { allowed = true; break; }
                }
            }
            if (!allowed)
                return $"the task was created by user id={initUser?.ToString() ?? "?"} of organization id={initOrg?.ToString() ?? "?"}, "
                       + "who are not in this node's allowed_users / allowed_organizations";
        }
        var algorithmOk = policies.AllowedAlgorithms is null || policies.AllowedAlgorithms.Any(e => Matches(e, image));
        var storeOk = true;
        if (policies.AllowedAlgorithmStores is { } stores)
        {
            storeOk = false;
            if (storeId is { } sid && await get($"/algorithmstore/{sid}") is { } store && (string?)store["url"] is { } url)
                storeOk = stores.Any(e => IsRegex(e) ? Regex.IsMatch(url, "^(?:" + e + ")") : e == url);
        }
        var ok = policies.AllowEitherWhitelistOrStore ? algorithmOk || storeOk : algorithmOk && storeOk;
        if (ok) return null;
        return !algorithmOk
            ? $"the image '{image}' is not in this node's allowed_algorithms"
            : $"the algorithm store of the task is not in this node's allowed_algorithm_stores";
    }

    public static bool IsRegex(string entry) => entry.IndexOfAny(RegexChars) >= 0 || entry.Contains("\\.");

    public static bool Matches(string entry, string image)
    {
        if (IsRegex(entry))
        {
            try { return Regex.IsMatch(image, "^(?:" + entry + ")"); }
            catch (ArgumentException) { return false; }
        }
        if (entry == image) return true;
        var bare = Runtimes.ProcessRuntime.StripTag(image);
        return entry == bare || Normalize(entry) == Normalize(bare);
    }

    private static string Normalize(string image) =>
        image.StartsWith("docker.io/", StringComparison.Ordinal) ? image["docker.io/".Length..] : image;
}
