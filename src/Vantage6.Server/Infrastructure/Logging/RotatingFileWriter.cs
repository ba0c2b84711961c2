using System.Text;

namespace Vantage6.Server.Infrastructure.Logging;

/// <summary>
/// Python's <c>RotatingFileHandler</c>: appends records to a file and, before a record would push
/// it past the size limit, renames it to <c>.1</c> (shifting older backups up and dropping the
/// oldest). Every record is flushed at once because the CLI follows the file.
/// </summary>
internal sealed class RotatingFileWriter : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly object _gate = new();
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _backupCount;
    private FileStream? _stream;
    private long _size;
    private bool _disposed;

    /// <param name="maxBytes">Size limit; 0 or less never rotates.</param>
    /// <param name="backupCount">Rotated files to keep; 0 empties the file instead of keeping a backup.</param>
    public RotatingFileWriter(string path, long maxBytes, int backupCount)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _backupCount = Math.Max(0, backupCount);
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }

    public string FilePath => _path;

    public void Write(string record)
    {
        var bytes = Utf8.GetBytes(record + "\n");
        lock (_gate)
        {
            if (_disposed) return;
            try
            {
                var stream = _stream ??= Open();
                // A record larger than the limit still goes into a fresh file rather than rotating forever.
                if (_maxBytes > 0 && _size > 0 && _size + bytes.Length > _maxBytes)
                {
                    Rollover();
                    stream = _stream = Open();
                }
                stream.Write(bytes);
                stream.Flush();
                _size += bytes.Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Like Python's handleError: logging must never take the server down.
                Console.Error.WriteLine($"--- Logging error --- could not write to {_path}: {e.Message}");
                _stream?.Dispose();
                _stream = null;
            }
        }
    }

    private FileStream Open()
    {
        var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _size = stream.Length;
        return stream;
    }

    private void Rollover()
    {
        _stream?.Dispose();
        _stream = null;
        if (_backupCount == 0) { File.Delete(_path); return; }
        File.Delete(Backup(_backupCount));
        for (int i = _backupCount - 1; i >= 1; i--)
            if (File.Exists(Backup(i))) File.Move(Backup(i), Backup(i + 1), overwrite: true);
        File.Move(_path, Backup(1), overwrite: true);
    }

    private string Backup(int index) => _path + "." + index;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _stream?.Dispose();
            _stream = null;
        }
    }
}
