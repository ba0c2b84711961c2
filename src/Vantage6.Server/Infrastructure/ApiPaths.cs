namespace Vantage6.Server.Infrastructure;

/// <summary>Builds the server-relative links the API returns (they include the configured api_path).</summary>
public sealed class ApiPaths(string prefix)
{
    public string Prefix { get; } = prefix;

    private static readonly string[] ReadEditDelete = ["GET", "PATCH", "DELETE"];
    private static readonly string[] ReadOnly = ["GET"];
    private static readonly string[] ReadDelete = ["GET", "DELETE"];
    private static readonly string[] ReadEdit = ["GET", "PATCH"];

    public string Path(string resource) => $"{Prefix}/{resource}";

    /// <summary>The to-one link object: <c>{"id", "link", "methods"}</c>, or null.</summary>
    public object? Link(string resource, int? id)
    {
        if (id is null) return null;
        string[] methods = resource switch
        {
            "rule" or "result" => ReadOnly,
            "task" => ReadDelete,
            "run" => ReadEdit,
            _ => ReadEditDelete,
        };
        return new LinkObject(id.Value, $"{Prefix}/{resource}/{id}", methods);
    }

    /// <summary>The to-many link: the list endpoint filtered by the owner.</summary>
    public string Collection(string resource, string filter, int id) => $"{Prefix}/{resource}?{filter}={id}";

    public sealed record LinkObject(int Id, string Link, string[] Methods);
}
