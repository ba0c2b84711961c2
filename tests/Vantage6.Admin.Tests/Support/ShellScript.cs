using Vantage6.Admin.Shell;
using Vantage6.Common;

namespace Vantage6.Admin.Tests.Support;

/// <summary>Runs a shell script against a fixture's database and returns everything it printed, line by line.</summary>
public static class ShellScript
{
    public static async Task<string[]> RunAsync(AdminFixture fixture, string script)
    {
        var output = new StringWriter();
        var context = new ShellContext(fixture.Config, fixture.ConfigFile, "test", InstanceScope.User, fixture.DataDirectory, fixture.DataDirectory);
        await ShellRunner.RunAsync(context, new StringReader(script), output, new ConsoleMessages(output, colour: false), interactive: false);
        return output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }
}
