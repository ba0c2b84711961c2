namespace Vantage6.Common.Cli;

/// <summary>A failure the user can fix; printed as one <c>[error]</c> line with exit code 1.</summary>
public sealed class CliException(string message) : Exception(message);
