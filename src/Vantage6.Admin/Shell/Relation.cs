using System.Collections;
using Vantage6.Server.Data;

namespace Vantage6.Admin.Shell;

/// <summary>
/// A many-to-many relation of one object, e.g. <c>user.Roles</c>: the related objects as loaded,
/// plus additions and removals that the next save writes to the association table.
/// </summary>
public sealed class Relation<T> : IReadOnlyList<T>, IPendingRelation where T : class
{
    private readonly ShellSession _session;
    private readonly object _owner;
    private readonly Func<int> _ownerId;
    private readonly Func<T, int> _itemId;
    private readonly Action<V6DbContext, int, int> _insertRow;
    private readonly Action<V6DbContext, int, int> _deleteRow;
    private readonly List<T> _items;
    private readonly List<T> _added = [];
    private readonly List<T> _removed = [];

    internal Relation(ShellSession session, object owner, Func<int> ownerId, Func<T, int> itemId, List<T> loaded,
        Action<V6DbContext, int, int> insertRow, Action<V6DbContext, int, int> deleteRow)
    {
        (_session, _owner, _ownerId, _itemId, _items, _insertRow, _deleteRow) = (session, owner, ownerId, itemId, loaded, insertRow, deleteRow);
    }

    public T this[int index] => _items[index];
    public int Count => _items.Count;

    /// <summary>Relates the object (saved or not); written at the next <c>Save()</c>.</summary>
    public void Add(T item)
    {
        _session.Track(item);
        _session.Track(_owner);
        _items.Add(item);
        if (!_removed.Remove(item)) _added.Add(item);
        _session.Pending(this);
    }

    public void AddRange(IEnumerable<T> items)
    {
        foreach (var item in items) Add(item);
    }

    public bool Remove(T item)
    {
        if (!_items.Remove(item)) return false;
        if (!_added.Remove(item)) _removed.Add(item);
        _session.Pending(this);
        return true;
    }

    void IPendingRelation.Write(V6DbContext db)
    {
        var owner = _ownerId();
        foreach (var item in _removed) _deleteRow(db, owner, _itemId(item));
        foreach (var item in _added) _insertRow(db, owner, _itemId(item));
    }

    void IPendingRelation.Saved()
    {
        _added.Clear();
        _removed.Clear();
    }

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public override string ToString() => ResultFormatter.Format(_items);
}
