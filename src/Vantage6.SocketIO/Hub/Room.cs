namespace Vantage6.SocketIO.Hub;

/// <summary>
/// The sockets of one room on this instance. Most rooms hold one socket (a node's organization room),
/// so a single member is kept without a set; broadcasts iterate an array snapshot that is rebuilt only
/// after the membership changed.
/// </summary>
internal sealed class Room
{
    private readonly object _gate = new();
    private Socket? _single;
    private HashSet<Socket>? _many;
    private Socket[]? _snapshot;

    /// <summary>Set when the room became empty and left the namespace: adding must use a new room.</summary>
    public bool Retired { get; private set; }

    /// <summary>False when the room was retired meanwhile.</summary>
    public bool TryAdd(Socket socket)
    {
        lock (_gate)
        {
            if (Retired) return false;
            if (_many is not null) { if (_many.Add(socket)) _snapshot = null; }
            else if (_single is null) { _single = socket; _snapshot = null; }
            else if (!ReferenceEquals(_single, socket))
            {
                _many = [_single, socket];
                _single = null;
                _snapshot = null;
            }
            return true;
        }
    }

    /// <summary>Removes the socket; true when the room is now empty and retired.</summary>
    public bool RemoveAndRetireIfEmpty(Socket socket)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_single, socket)) { _single = null; _snapshot = null; }
            else if (_many?.Remove(socket) == true) _snapshot = null;
            if (_single is null && (_many is null || _many.Count == 0)) Retired = true;
            return Retired;
        }
    }

    public bool Contains(Socket socket)
    {
        lock (_gate) return ReferenceEquals(_single, socket) || _many?.Contains(socket) == true;
    }

    public Socket[] Members()
    {
        lock (_gate) return _snapshot ??= _many is not null ? [.. _many] : _single is not null ? [_single] : [];
    }
}
