using Vantage6.Common.Configuration;

namespace Vantage6.Server.Blobs;

/// <summary>
/// Large run inputs and results as files named by UUID in one folder. Uploads are streamed to a
/// temporary file and renamed when complete, so a reader never sees half a blob.
/// </summary>
public sealed class BlobStore
{
    private readonly string? _directory;

    public BlobStore(ServerConfig config, ServerRunOptions run)
    {
        if (config.BlobDirectory is { } dir)
        {
            _directory = Path.IsPathRooted(dir) ? dir : Path.Combine(run.DataDirectory, dir);
            Directory.CreateDirectory(_directory);
        }
    }

    public bool Enabled => _directory is not null;

    private string PathOf(Guid id) => Path.Combine(_directory!, id.ToString("D"));

    public async Task<Guid> SaveAsync(Stream content, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var temp = PathOf(id) + ".part";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, 81920, ct);
            File.Move(temp, PathOf(id));
            return id;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Stream? OpenRead(Guid id)
    {
        var path = PathOf(id);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null;
    }

    /// <summary>
    /// Deletes blob files older than <paramref name="minAge"/> that no run refers to: uploads never used
    /// by a task, and blobs of runs removed by any delete path or cleared by the clean-up job.
    /// </summary>
    public async Task<int> SweepOrphansAsync(Data.V6DbContext db, TimeSpan minAge, CancellationToken ct = default)
    {
        if (!Enabled) return 0;
        var cutoff = DateTime.UtcNow - minAge;
        var candidates = Directory.EnumerateFiles(_directory!)
            .Where(f => Guid.TryParse(Path.GetFileName(f), out _) && File.GetLastWriteTimeUtc(f) < cutoff)
            .Select(Path.GetFileName).ToList();
        int deleted = 0;
        foreach (var chunk in candidates.Chunk(500))
        {
            var names = chunk.ToList();
            var used = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                db.Runs.Where(r => names.Contains(r.Input) || names.Contains(r.Result)).Select(r => new { r.Input, r.Result }), ct);
            var referenced = used.SelectMany(u => new[] { u.Input, u.Result }).ToHashSet();
            foreach (var name in names.Where(n => !referenced.Contains(n)))
            {
                File.Delete(Path.Combine(_directory!, name!));
                deleted++;
            }
        }
        return deleted;
    }

    /// <summary>Deletes the blobs named by these values (non-UUID values are ignored).</summary>
    public void Delete(IEnumerable<string?> ids)
    {
        if (!Enabled) return;
        foreach (var value in ids)
            if (Guid.TryParse(value, out var id)) File.Delete(PathOf(id));
    }
}
