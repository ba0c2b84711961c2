using Vantage6.Common.Configuration;

namespace Vantage6.Admin.Import;

/// <summary><c>vserver import</c> without the command line: configuration in, database written (cli-and-config §2.8).</summary>
public static class ImportRunner
{
    /// <summary>Throws <see cref="ImportException"/> for a bad file; nothing is written then.</summary>
    public static async Task RunAsync(ServerConfig config, string dataDirectory, string importFile, bool dropAll, IMessages messages,
        CancellationToken ct = default)
    {
        messages.Info($"Reading {importFile}");
        var file = ImportFileReader.ReadFile(importFile);
        await using var db = AdminDatabase.Open(AdminDatabase.EffectiveUri(config), dataDirectory);
        try
        {
            await new BatchImporter(db, messages).ImportAsync(file, dropAll, config.AllowDropAll, ct);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException e)
        {
            // A constraint the file checks did not foresee; the transaction has been rolled back.
            throw new ImportException("database", e.InnerException?.Message ?? e.Message);
        }
    }
}
