namespace Vantage6.Server.Api;

/// <summary>Name rules shared by organizations, collaborations, nodes and studies.</summary>
public static class Names
{
    /// <summary>Not empty, not purely numeric (names must never look like ids), at most 128 characters.</summary>
    public static readonly Func<object, string?>[] Checks =
    [
        v => ((string)v).Length == 0 ? "Name cannot be empty" : null,
        v => ((string)v).Length > 0 && ((string)v).All(char.IsDigit) ? "Name cannot a number" : null,
        v => ((string)v).Length > 128 ? "Name cannot be longer than 128 characters" : null,
    ];
}
