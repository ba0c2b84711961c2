using System.CommandLine;
using Vantage6.Admin;
using Vantage6.Admin.Import;
using Vantage6.Common;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary><c>vserver import</c>: batch import of organizations, users and collaborations (cli-and-config §2.8, §4).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var instance = InstanceOptions.WithConfig();
        var dropAll = new Option<bool>("--drop-all") { Description = "Drop all tables first (only when allow_drop_all is true)" };
        // Accepted for compatibility with the reference's container-based import; they do nothing here.
        var image = new Option<string?>("--image", "-i") { Description = "Ignored (no container is used)" };
        var mountSrc = new Option<string?>("--mount-src") { Description = "Ignored (no container is used)" };
        var keep = new Option<bool>("--keep") { Description = "Ignored (no container is used)" };
        var autoRemove = new Option<bool>("--auto-remove") { Description = "Ignored (no container is used)" };
        var wait = new Option<string?>("--wait") { Description = "Ignored (the import always runs to the end)" };
        var file = new Argument<FileInfo>("FILE") { Description = "YAML import file" };
        file.AcceptExistingOnly();

        var command = new Command("import", """
            Import organizations, users and collaborations from a YAML file, in one transaction.

            Example:
              vserver import --config server.yaml examples/import.yaml
            """);
        instance.AddTo(command);
        foreach (var o in new Option[] { dropAll, image, mountSrc, keep, autoRemove, wait })
            command.Options.Add(o);
        command.Arguments.Add(file);
        command.SetAction(async (result, ct) =>
        {
            var resolved = instance.Resolve(result);
            var serverConfig = resolved.Load();
            var dataDir = resolved.Instance.DataDirectory(serverConfig);
            try
            {
                await ImportRunner.RunAsync(serverConfig, dataDir, result.GetValue(file)!.FullName, result.GetValue(dropAll),
                    ConsoleMessages.Standard(), ct);
            }
            catch (ImportException e)
            {
                throw new CliException($"Import failed, nothing was written: {e.Message}");
            }
            return 0;
        });
        return command;
    }
}
