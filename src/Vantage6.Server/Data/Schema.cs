namespace Vantage6.Server.Data;

/// <summary>
/// The vantage6 4.x schema, written once for both SQLite and PostgreSQL so a database we create
/// is the one the reference would have created (the Python server can still open it).
/// </summary>
internal static class Schema
{
    /// <summary>Column kinds, translated per dialect.</summary>
    internal enum Kind { Pk, PkFkAuthenticatable, Int, Str, Str7, Str13, Str32, Str50, Text, DateTime, Bool, Blob, Operation, Scope }

    internal sealed record Column(string Name, Kind Kind, string? References = null);
    internal sealed record Table(string Name, Column[] Columns, string[][] Unique);

    private static Column C(string n, Kind k, string? fk = null) => new(n, k, fk);
    private static Table T(string name, Column[] cols, params string[][] unique) => new(name, cols, unique);

    /// <summary>Tables in creation order (referenced tables first).</summary>
    internal static readonly Table[] Tables =
    [
        T("authenticatable", [C("id", Kind.Pk), C("type", Kind.Str50), C("ip", Kind.Str), C("last_seen", Kind.DateTime), C("status", Kind.Str)]),
        T("rule", [C("id", Kind.Pk), C("name", Kind.Text), C("operation", Kind.Operation), C("scope", Kind.Scope), C("description", Kind.Str)]),
        T("organization", [C("id", Kind.Pk), C("name", Kind.Str), C("domain", Kind.Str), C("address1", Kind.Str), C("address2", Kind.Str),
            C("zipcode", Kind.Str), C("country", Kind.Str), C("_public_key", Kind.Blob)], ["name"]),
        T("collaboration", [C("id", Kind.Pk), C("name", Kind.Str), C("encrypted", Kind.Bool)], ["name"]),
        T("user", [C("id", Kind.PkFkAuthenticatable), C("username", Kind.Str), C("password", Kind.Str), C("firstname", Kind.Str),
            C("lastname", Kind.Str), C("email", Kind.Str), C("organization_id", Kind.Int, "organization"),
            C("failed_login_attempts", Kind.Int), C("last_login_attempt", Kind.DateTime), C("otp_secret", Kind.Str32),
            C("last_email_failed_login_sent", Kind.DateTime), C("last_email_recover_password_sent", Kind.DateTime)],
            ["username"], ["email"]),
        T("node", [C("id", Kind.PkFkAuthenticatable), C("name", Kind.Str), C("api_key", Kind.Str),
            C("collaboration_id", Kind.Int, "collaboration"), C("organization_id", Kind.Int, "organization")], ["name"]),
        T("Member", [C("organization_id", Kind.Int, "organization"), C("collaboration_id", Kind.Int, "collaboration")]),
        T("role", [C("id", Kind.Pk), C("name", Kind.Text), C("description", Kind.Text), C("organization_id", Kind.Int, "organization"),
            C("is_default_role", Kind.Bool)]),
        T("algorithmstore", [C("id", Kind.Pk), C("name", Kind.Str), C("url", Kind.Str), C("collaboration_id", Kind.Int, "collaboration")]),
        T("study", [C("id", Kind.Pk), C("name", Kind.Str), C("collaboration_id", Kind.Int, "collaboration")], ["name"]),
        T("role_rule_association", [C("role_id", Kind.Int, "role"), C("rule_id", Kind.Int, "rule")]),
        T("StudyMember", [C("organization_id", Kind.Int, "organization"), C("study_id", Kind.Int, "study")]),
        T("nodeconfig", [C("id", Kind.Pk), C("node_id", Kind.Int, "node"), C("key", Kind.Str), C("value", Kind.Str)]),
        T("task", [C("id", Kind.Pk), C("name", Kind.Str), C("description", Kind.Str), C("image", Kind.Str),
            C("collaboration_id", Kind.Int, "collaboration"), C("study_id", Kind.Int, "study"), C("job_id", Kind.Int),
            C("parent_id", Kind.Int, "task"), C("init_org_id", Kind.Int, "organization"), C("init_user_id", Kind.Int, "user"),
            C("created_at", Kind.DateTime), C("algorithm_store_id", Kind.Int, "algorithmstore")]),
        T("Permission", [C("role_id", Kind.Int, "role"), C("user_id", Kind.Int, "user")]),
        T("UserPermission", [C("rule_id", Kind.Int, "rule"), C("user_id", Kind.Int, "user")]),
        T("run", [C("id", Kind.Pk), C("input", Kind.Text), C("task_id", Kind.Int, "task"), C("organization_id", Kind.Int, "organization"),
            C("result", Kind.Text), C("assigned_at", Kind.DateTime), C("started_at", Kind.DateTime), C("finished_at", Kind.DateTime),
            C("status", Kind.Text), C("log", Kind.Text), C("cleanup_at", Kind.DateTime), C("blob_storage_used", Kind.Bool)]),
        T("taskdatabase", [C("id", Kind.Pk), C("task_id", Kind.Int, "task"), C("database", Kind.Str), C("parameters", Kind.Str)]),
        T("algorithmport", [C("id", Kind.Pk), C("port", Kind.Int), C("run_id", Kind.Int, "run"), C("label", Kind.Str)]),
    ];

    /// <summary>
    /// Indexes on the foreign keys the API filters on. The reference creates none; we add them only to
    /// tables we create ourselves, so an existing vantage6 database is left exactly as it is.
    /// </summary>
    internal static readonly Dictionary<string, string[][]> Indexes = new()
    {
        ["run"] = [["task_id"], ["organization_id"]],
        ["task"] = [["collaboration_id"], ["parent_id"], ["job_id"], ["init_org_id"]],
        ["taskdatabase"] = [["task_id"]],
        ["algorithmport"] = [["run_id"]],
        ["Member"] = [["organization_id"], ["collaboration_id"]],
        ["StudyMember"] = [["study_id"]],
        ["Permission"] = [["user_id"]],
        ["UserPermission"] = [["user_id"]],
        ["role_rule_association"] = [["role_id"]],
        ["node"] = [["organization_id"], ["collaboration_id"]],
        ["nodeconfig"] = [["node_id"]],
        ["user"] = [["organization_id"]],
    };

    internal static IEnumerable<string> CreateIndexSql(Table t) =>
        Indexes.GetValueOrDefault(t.Name, []).Select(cols =>
            $"CREATE INDEX IF NOT EXISTS {Quote($"ix_{t.Name.ToLowerInvariant()}_{string.Join("_", cols)}")} ON {Quote(t.Name)} ({string.Join(", ", cols.Select(Quote))})");

    internal static string Quote(string identifier) => "\"" + identifier + "\"";

    internal static string CreateTableSql(Table t, bool sqlite)
    {
        var lines = new List<string>();
        foreach (var c in t.Columns) lines.Add($"{Quote(c.Name)} {TypeSql(c.Kind, sqlite)}");
        if (sqlite && t.Columns.Any(c => c.Kind is Kind.Pk or Kind.PkFkAuthenticatable)) lines.Add("PRIMARY KEY (id)");
        foreach (var u in t.Unique) lines.Add($"UNIQUE ({string.Join(", ", u.Select(Quote))})");
        foreach (var c in t.Columns)
        {
            if (c.Kind == Kind.PkFkAuthenticatable) lines.Add("FOREIGN KEY(id) REFERENCES authenticatable (id)");
            if (c.References is not null) lines.Add($"FOREIGN KEY({Quote(c.Name)}) REFERENCES {Quote(c.References)} (id)");
        }
        return $"CREATE TABLE IF NOT EXISTS {Quote(t.Name)} (\n\t{string.Join(",\n\t", lines)}\n)";
    }

    internal static string AddColumnSql(string table, Column c, bool sqlite) =>
        $"ALTER TABLE {Quote(table)} ADD COLUMN {Quote(c.Name)} {TypeSql(c.Kind == Kind.Pk ? Kind.Int : c.Kind, sqlite)}";

    private static string TypeSql(Kind k, bool sqlite) => (k, sqlite) switch
    {
        (Kind.Pk, true) => "INTEGER NOT NULL",
        (Kind.Pk, false) => "SERIAL PRIMARY KEY",
        (Kind.PkFkAuthenticatable, true) => "INTEGER NOT NULL",
        (Kind.PkFkAuthenticatable, false) => "INTEGER NOT NULL PRIMARY KEY",
        (Kind.Int, _) => "INTEGER",
        (Kind.Str, true) => "VARCHAR",
        (Kind.Str, false) => "VARCHAR",
        (Kind.Str7, _) => "VARCHAR(7)",
        (Kind.Str13, _) => "VARCHAR(13)",
        (Kind.Str32, _) => "VARCHAR(32)",
        (Kind.Str50, _) => "VARCHAR(50)",
        (Kind.Text, _) => "TEXT",
        (Kind.DateTime, true) => "DATETIME",
        (Kind.DateTime, false) => "TIMESTAMP WITHOUT TIME ZONE",
        (Kind.Bool, _) => "BOOLEAN",
        (Kind.Blob, true) => "BLOB",
        (Kind.Blob, false) => "BYTEA",
        (Kind.Operation, true) => "VARCHAR(7)",
        (Kind.Operation, false) => "operation",
        (Kind.Scope, true) => "VARCHAR(13)",
        (Kind.Scope, false) => "scope",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };
}
