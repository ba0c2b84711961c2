namespace Vantage6.Common;

public static class ServerVersion
{
    /// <summary>The vantage6 version this server is compatible with; nodes derive their image tag from it.</summary>
    public const string Compatible = "4.14.0";
}
