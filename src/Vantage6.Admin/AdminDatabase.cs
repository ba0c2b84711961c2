using Microsoft.EntityFrameworkCore;
using Vantage6.Common.Configuration;
using Vantage6.Server;
using Vantage6.Server.Data;

namespace Vantage6.Admin;

/// <summary>Opens the database of a server configuration the way the server itself does.</summary>
public static class AdminDatabase
{
    /// <summary>The configured URI, unless <c>VANTAGE6_DB_URI</c> overrides it (as for <c>vserver start</c>).</summary>
    public static string EffectiveUri(ServerConfig config) =>
        Environment.GetEnvironmentVariable("VANTAGE6_DB_URI") is { Length: > 0 } uri ? uri : config.Uri;

    public static V6DbContext Open(string uri, string dataDirectory)
    {
        var database = DatabaseUri.Parse(uri, dataDirectory);
        if (database.SqliteFile is { } file)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            // A database created here gets the same journal mode as one the server creates.
            if (SqliteTuning.IsNewFile(file)) SqliteTuning.EnableWal(database.ConnectionString + ";Foreign Keys=False");
        }
        var options = new DbContextOptionsBuilder<V6DbContext>();
        ServerHost.ConfigureDatabase(options, database);
        return new V6DbContext(options.Options);
    }
}
