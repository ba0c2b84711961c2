using System.Text;

namespace Vantage6.Cli;

/// <summary>Copies a growing log file to the console (like <c>tail -f</c>) until cancelled or the server ends.</summary>
internal static class LogFollower
{
    /// <summary>Returns true when cancelled (Ctrl+C), false when the server process ended.</summary>
    public static async Task<bool> FollowAsync(string file, long offset, RunningServer server, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var utf8 = new UTF8Encoding(false).GetDecoder();
        var chars = new char[buffer.Length];
        while (!ct.IsCancellationRequested)
        {
            bool grew = false;
            if (File.Exists(file))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length < offset) offset = 0; // rotated: the new file starts from the beginning
                stream.Seek(offset, SeekOrigin.Begin);
                int read;
                while ((read = await stream.ReadAsync(buffer, CancellationToken.None)) > 0)
                {
                    offset += read;
                    grew = true;
                    var count = utf8.GetChars(buffer, 0, read, chars, 0);
                    Console.Out.Write(chars, 0, count);
                }
                Console.Out.Flush();
            }
            if (!grew && server.HasExited) return false;
            try { await Task.Delay(250, ct); }
            catch (OperationCanceledException) { break; }
        }
        return true;
    }

    /// <summary>Where the last <paramref name="lines"/> lines of a file start, so attach does not replay a huge log.</summary>
    public static long TailOffset(string file, int lines)
    {
        if (!File.Exists(file)) return 0;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = stream.Length;
        var window = (int)Math.Min(length, 256 * 1024);
        stream.Seek(length - window, SeekOrigin.Begin);
        var bytes = new byte[window];
        stream.ReadExactly(bytes);
        var seen = 0;
        for (var i = bytes.Length - 2; i >= 0; i--)
            if (bytes[i] == (byte)'\n' && ++seen == lines) return length - window + i + 1;
        return length - window;
    }

    public static void PrintDetachNote()
    {
        Out.Info("Closing log file. Keyboard Interrupt.");
        Out.Info("Note that your server is still running! Shut it down with vserver stop");
    }
}
