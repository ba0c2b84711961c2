using System.CommandLine;

namespace Vantage6.Cli;

/// <summary><c>vserver remove</c>: deletes a configuration and its log folder, never a running server's (§2.11).</summary>
internal static class RemoveCommand
{
    public static Command Create()
    {
        var ctx = InstanceOptions.WithConfig();
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask for confirmation" };
        var command = new Command("remove", "Delete a server configuration file and its log folder (the data folder and database stay).");
        command.WithHelp(null,
            "vserver remove --name demo",
            "vserver remove --name demo --user --force");
        ctx.AddTo(command);
        command.Options.Add(force);
        command.SetAction(result =>
        {
            var resolved = ctx.Resolve(result);
            var instance = resolved.Instance;
            if (RunningServer.Find(instance) is not null)
                throw new CliException($"Server {instance.Name} is still running! Please stop the server before deleting it.");
            if (!result.GetValue(force)
                && !Prompt.Confirm("This server will be deleted permanently including its configuration. Are you sure?", defaultValue: false))
            {
                Out.Info("Server will not be deleted");
                return 0;
            }
            // The log folder may be set in the file; read it before the file is gone (an unreadable file keeps the default).
            string logDirectory;
            try { logDirectory = instance.LogDirectory(resolved.Load()); }
            catch (Vantage6.Common.Configuration.ConfigurationException) { logDirectory = instance.Locations.LogDirectory; }

            Out.Info($"Removing configuration file: {resolved.File}");
            try { File.Delete(resolved.File); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"Could not delete file: {resolved.File}: {e.Message}");
            }
            if (Directory.Exists(logDirectory))
            {
                Out.Info($"Removing log directory: {logDirectory}");
                Directory.Delete(logDirectory, recursive: true);
            }
            return 0;
        });
        return command;
    }
}
