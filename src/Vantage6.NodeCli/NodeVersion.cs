namespace Vantage6.NodeCli;

internal static class NodeVersion
{
    public static string Current => Vantage6.Common.ServerVersion.Compatible;
}
