using System.Data.Common;

namespace Vantage6.Common.Configuration;

public enum DatabaseKind { Sqlite, PostgreSql }

/// <summary>A SQLAlchemy-style database URI translated into a provider and an ADO.NET connection string.</summary>
public sealed record DatabaseUri(DatabaseKind Kind, string ConnectionString, string Display, string? SqliteFile)
{
    /// <param name="uri">e.g. <c>sqlite:///relative.sqlite</c>, <c>sqlite:////abs.sqlite</c>, <c>postgresql://u:p@h:5432/db</c></param>
    /// <param name="dataDirectory">folder that relative SQLite paths are resolved against</param>
    public static DatabaseUri Parse(string uri, string dataDirectory)
    {
        if (uri.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = uri["sqlite:".Length..];
            if (rest is "" or "//" or "///" or "///:memory:")
                return new(DatabaseKind.Sqlite, "Data Source=:memory:", "sqlite (in memory)", null);
            if (!rest.StartsWith("///"))
                throw new ConfigurationException($"Invalid database uri '{uri}': expected sqlite:///relative/path.sqlite or sqlite:////absolute/path.sqlite");
            var path = rest[3..];
            if (!Path.IsPathRooted(path)) path = Path.GetFullPath(Path.Combine(dataDirectory, path));
            // The builder quotes values, so a path with ';' or '=' stays one data source.
            var sqlite = new DbConnectionStringBuilder { ["Data Source"] = path };
            return new(DatabaseKind.Sqlite, sqlite.ConnectionString, $"sqlite:///{path}", path);
        }
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? uri[..schemeEnd].ToLowerInvariant() : "";
        if (scheme is "postgresql" or "postgres" || scheme.StartsWith("postgresql+"))
            return ParsePostgres(uri, schemeEnd + 3);
        throw new ConfigurationException(
            $"Invalid database uri '{Redact(uri)}': only sqlite:/// and postgresql:// databases are supported");
    }

    private static DatabaseUri ParsePostgres(string uri, int start)
    {
        var body = uri[start..];
        string query = "";
        var q = body.IndexOf('?');
        if (q >= 0) { query = body[(q + 1)..]; body = body[..q]; }
        string? user = null, password = null;
        var at = body.LastIndexOf('@');
        if (at >= 0)
        {
            var cred = body[..at];
            body = body[(at + 1)..];
            var colon = cred.IndexOf(':');
            user = Uri.UnescapeDataString(colon >= 0 ? cred[..colon] : cred);
            password = colon >= 0 ? Uri.UnescapeDataString(cred[(colon + 1)..]) : null;
        }
        var slash = body.IndexOf('/');
        var hostPort = slash >= 0 ? body[..slash] : body;
        var database = slash >= 0 ? Uri.UnescapeDataString(body[(slash + 1)..]) : "";
        string host = hostPort, port = "5432";
        var pc = hostPort.LastIndexOf(':');
        if (pc >= 0 && !hostPort.EndsWith(']')) { host = hostPort[..pc]; port = hostPort[(pc + 1)..]; }
        if (host.Length > 1 && host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1]; // IPv6 literal
        if (host.Length == 0) host = "localhost";
        if (!int.TryParse(port, out _))
            throw new ConfigurationException($"Invalid database uri '{Redact(uri)}': port '{port}' is not a number");
        // The builder quotes values: a password with ';', '=' or quotes cannot add or change other settings.
        var parts = new DbConnectionStringBuilder { ["Host"] = host, ["Port"] = port };
        if (database.Length > 0) parts["Database"] = database;
        if (user is not null) parts["Username"] = user;
        if (password is not null) parts["Password"] = password;
        foreach (var kv in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = kv.IndexOf('=');
            if (eq <= 0) continue;
            var key = kv[..eq].ToLowerInvariant();
            var value = Uri.UnescapeDataString(kv[(eq + 1)..]);
            if (key == "sslmode") parts["SSL Mode"] = SslMode(value);
            else if (key == "application_name") parts["Application Name"] = value;
        }
        return new(DatabaseKind.PostgreSql, parts.ConnectionString, Redact(uri), null);
    }

    /// <summary>libpq's sslmode values (<c>verify-full</c>) in Npgsql's spelling (<c>VerifyFull</c>).</summary>
    private static string SslMode(string value) => value.ToLowerInvariant() switch
    {
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };

    /// <summary>The uri without its password, for messages and logs.</summary>
    public static string Redact(string uri)
    {
        var s = uri.IndexOf("://", StringComparison.Ordinal);
        var at = uri.LastIndexOf('@');
        if (s < 0 || at < s) return uri;
        var cred = uri[(s + 3)..at];
        var colon = cred.IndexOf(':');
        return colon < 0 ? uri : uri[..(s + 3)] + cred[..colon] + ":***" + uri[at..];
    }
}
