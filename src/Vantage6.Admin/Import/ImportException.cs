namespace Vantage6.Admin.Import;

/// <summary>A problem in the import file or with the data it would create; nothing has been written.</summary>
public sealed class ImportException(string location, string problem) : Exception($"{location}: {problem}")
{
    /// <summary>Where in the file, e.g. <c>organizations[1].users[0].username (line 12)</c>.</summary>
    public string Location { get; } = location;
    public string Problem { get; } = problem;
}
