using Microsoft.Data.Sqlite;

namespace Vantage6.Server.Data;

/// <summary>
/// Totals of list pages (e.g. how many tasks a user may see), kept until anything in the database changes.
/// SQLite counts by walking an index, which for tens of thousands of tasks costs more than the rest of a page
/// request. The watch is SQLite's <c>PRAGMA data_version</c> on a connection of its own: it changes whenever any
/// other connection, of this process or another, commits, so a cached total is never stale. Versions of different
/// connections do not compare, so each watch connection keeps its own totals; there are a few of them so that
/// concurrent requests do not queue for one. PostgreSQL has no such cheap signal: there nothing is cached.
/// </summary>
public sealed class CountCache : IDisposable
{
    private readonly Watch[] _watches = [];

    /// <param name="sqliteConnectionString">the SQLite database to watch; null disables the cache</param>
    public CountCache(string? sqliteConnectionString)
    {
        if (sqliteConnectionString is null) return;
        _watches = new Watch[Math.Max(2, Environment.ProcessorCount * 2)];
        for (int i = 0; i < _watches.Length; i++) _watches[i] = new Watch(sqliteConnectionString);
    }

    /// <summary>Where a miss's total is to be stored: the watch and the database version it was looked up at.</summary>
    public readonly record struct Ticket(Watch? Watch, long Version);

    /// <summary>A total counted since the last change; otherwise a <paramref name="ticket"/> for <see cref="Store"/>.</summary>
    public bool TryGet(string query, out int count, out Ticket ticket)
    {
        count = 0;
        ticket = default;
        if (_watches.Length == 0) return false;
        int start = Environment.CurrentManagedThreadId % _watches.Length;
        for (int i = 0; i < _watches.Length; i++)
        {
            var watch = _watches[(start + i) % _watches.Length];
            if (watch.TryGet(query, out count, out var version) is { } hit)
            {
                ticket = new Ticket(watch, version);
                return hit;
            }
        }
        return false; // every watch busy: count this once without the cache
    }

    /// <summary>Keeps a total counted after a miss (a change since the look-up discards it).</summary>
    public static void Store(string query, int count, Ticket ticket) => ticket.Watch?.Store(query, count, ticket.Version);

    public void Dispose()
    {
        foreach (var watch in _watches) watch.Dispose();
    }

    /// <summary>One watch connection and the totals counted at its current version.</summary>
    public sealed class Watch(string connectionString) : IDisposable
    {
        private const int MaxEntries = 256;
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _counts = [];
        private SqliteConnection? _connection;
        private SqliteCommand? _dataVersion;
        private long _version = -1;

        /// <summary>Null when another request is using this watch; else whether the total is cached.</summary>
        internal bool? TryGet(string query, out int count, out long version)
        {
            count = 0;
            version = -1;
            if (!_lock.TryEnter()) return null;
            try
            {
                version = CurrentVersion();
                if (version == _version) return _counts.TryGetValue(query, out count);
                _counts.Clear();
                _version = version;
                return false;
            }
            finally
            {
                _lock.Exit();
            }
        }

        internal void Store(string query, int count, long version)
        {
            lock (_lock)
            {
                if (version != _version) return;
                if (_counts.Count >= MaxEntries) _counts.Clear();
                _counts[query] = count;
            }
        }

        private long CurrentVersion()
        {
            if (_dataVersion is null)
            {
                _connection = new SqliteConnection(connectionString);
                _connection.Open();
                _dataVersion = _connection.CreateCommand();
                _dataVersion.CommandText = "PRAGMA data_version";
            }
            return (long)_dataVersion.ExecuteScalar()!;
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _dataVersion?.Dispose();
                _connection?.Dispose();
                _dataVersion = null;
                _connection = null;
            }
        }
    }
}
