namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>
/// Maps the Python logger names found in vantage6 configurations (<c>logging.loggers</c>) to the
/// .NET log categories that play the same role. Category rules match case-insensitively by
/// prefix, so names like <c>vantage6.server</c> apply to <c>Vantage6.Server.*</c> unchanged.
/// </summary>
internal static class LoggerNameMap
{
    private const string SqlCommands = "Microsoft.EntityFrameworkCore.Database.Command";
    private const string SocketIo = "Vantage6.SocketIO";

    // Python client libraries without a counterpart in this server.
    private static readonly string[] Ignored = ["urllib3", "requests", "socketIO-client", "socketio.client", "engineio.client"];

    /// <summary>The categories a Python logger name stands for; empty when it has no counterpart.</summary>
    public static IReadOnlyList<string> CategoriesFor(string pythonName)
    {
        var name = pythonName.Trim();
        if (name.Length == 0 || Ignored.Any(i => IsOrIsUnder(name, i))) return [];
        if (IsOrIsUnder(name, "sqlalchemy")) return [SqlCommands];
        if (IsOrIsUnder(name, "socketio") || IsOrIsUnder(name, "engineio")) return [SocketIo];
        return [name];
    }

    private static bool IsOrIsUnder(string name, string parent) =>
        name.Equals(parent, StringComparison.OrdinalIgnoreCase) ||
        name.StartsWith(parent + ".", StringComparison.OrdinalIgnoreCase);
}
