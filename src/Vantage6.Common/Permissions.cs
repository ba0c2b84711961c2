namespace Vantage6.Common;

/// <summary>Rule scope; the member names are what the database stores and the API prints.</summary>
public enum Scope { OWN, ORGANIZATION, COLLABORATION, GLOBAL }

/// <summary>Rule operation; the member names are what the database stores and the API prints.</summary>
public enum Operation { VIEW, EDIT, CREATE, DELETE, SEND, RECEIVE }

public static class PermissionNames
{
    /// <summary>Short codes used in filters and rule definitions (<c>glo</c>, <c>v</c>).</summary>
    public static string Code(this Scope s) => s switch
    {
        Scope.OWN => "own", Scope.ORGANIZATION => "org", Scope.COLLABORATION => "col", _ => "glo",
    };

    public static string Code(this Operation o) => o switch
    {
        Operation.VIEW => "v", Operation.EDIT => "e", Operation.CREATE => "c",
        Operation.DELETE => "d", Operation.SEND => "s", _ => "r",
    };

    /// <summary>The lower-case word used in "You don't have the rule (…)" messages.</summary>
    public static string Word(this Scope s) => s switch
    {
        Scope.OWN => "own", Scope.ORGANIZATION => "organization", Scope.COLLABORATION => "collaboration", _ => "global",
    };

    public static string Word(this Operation o) => o.ToString().ToLowerInvariant();

    public static Scope? ParseScope(string value) => value switch
    {
        "own" or "OWN" => Scope.OWN,
        "org" or "ORGANIZATION" => Scope.ORGANIZATION,
        "col" or "COLLABORATION" => Scope.COLLABORATION,
        "glo" or "GLOBAL" => Scope.GLOBAL,
        _ => null,
    };

    public static Operation? ParseOperation(string value) => value switch
    {
        "v" or "VIEW" => Operation.VIEW,
        "e" or "EDIT" => Operation.EDIT,
        "c" or "CREATE" => Operation.CREATE,
        "d" or "DELETE" => Operation.DELETE,
        "s" or "SEND" => Operation.SEND,
        "r" or "RECEIVE" => Operation.RECEIVE,
        _ => null,
    };
}

/// <summary>Status values of runs (and, derived, of tasks).</summary>
public static class RunStatus
{
    public const string Pending = "pending";
    public const string Initializing = "initializing";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string StartFailed = "start failed";
    public const string NoDockerImage = "non-existing Docker image";
    public const string Crashed = "crashed";
    public const string Killed = "killed by user";
    public const string NotAllowed = "not allowed";
    public const string UnknownError = "unknown error";

    public static readonly string[] All =
        [Pending, Initializing, Active, Completed, Failed, StartFailed, NoDockerImage, Crashed, Killed, NotAllowed, UnknownError];

    public static bool IsOpen(string? s) => s is Pending or Initializing or Active;
    /// <summary>Anything but the three open states and completed, including null and unknown text.</summary>
    public static bool IsFailure(string? s) => !IsOpen(s) && s != Completed;
    public static bool IsFinished(string? s) => !IsOpen(s);
}
