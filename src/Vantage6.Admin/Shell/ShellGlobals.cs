using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Admin.Shell;

/// <summary>What a shell script sees as global names: <c>db</c> and <c>ctx</c> (cli-and-config §5.2).</summary>
public sealed class ShellGlobals(ShellDb db, ShellContext ctx)
{
#pragma warning disable IDE1006 // lower-case names as in the reference's shell
    public ShellDb db { get; } = db;
    public ShellContext ctx { get; } = ctx;
#pragma warning restore IDE1006
}

/// <summary>The server context of the shell: configuration and instance folders.</summary>
public sealed record ShellContext(ServerConfig Config, string ConfigFile, string Name, InstanceScope Scope, string DataDir, string LogDir)
{
    public string GetDatabaseUri() => AdminDatabase.EffectiveUri(Config);
}
