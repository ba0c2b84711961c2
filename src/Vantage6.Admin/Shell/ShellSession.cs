using Microsoft.EntityFrameworkCore;
using Vantage6.Server.Auth;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;

namespace Vantage6.Admin.Shell;

/// <summary>
/// One shell's unit of work on the database (cli-and-config §5.3): objects stay tracked, and every
/// save commits the whole session, hashing passwords and api keys that were set since the last save.
/// </summary>
public sealed class ShellSession(V6DbContext db, TextWriter output) : IAsyncDisposable
{
    private static readonly AsyncLocal<ShellSession?> Ambient = new();
    private readonly List<Action> _afterInsert = [];
    private readonly HashSet<IPendingRelation> _pendingRelations = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Dictionary<string, object>> _relations = new();

    public V6DbContext Db { get; } = db;
    /// <summary>Where <c>Help()</c> and printed results go.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>The session of the running script; entity extension members (<c>org.Save()</c>, <c>user.Roles</c>) use it.</summary>
    public static ShellSession Current
    {
        get => Ambient.Value ?? throw new InvalidOperationException("No shell session is active");
        set => Ambient.Value = value;
    }

    /// <summary>Adds the object when new, then commits every change of the session.</summary>
    public void Save(object entity)
    {
        Track(entity);
        SaveChanges();
    }

    public void Delete(object entity)
    {
        Db.Remove(entity);
        SaveChanges();
    }

    /// <summary>Makes a new object part of the session so that the next save writes it.</summary>
    internal void Track(object entity)
    {
        if (Db.Entry(entity).State == EntityState.Detached) Db.Add(entity);
    }

    /// <summary>Work that needs the database id of a new object (foreign keys, association rows); runs at the next save.</summary>
    internal void AfterInsert(Action action) => _afterInsert.Add(action);

    internal void Pending(IPendingRelation relation) => _pendingRelations.Add(relation);

    /// <summary>
    /// The relation with unsaved changes if there is one, else a fresh read: the same rows may have been
    /// changed from the other side (<c>collaboration.Organizations</c> vs <c>organization.Collaborations</c>).
    /// </summary>
    internal T Relation<T>(object owner, string name, Func<T> create) where T : class, IPendingRelation
    {
        var byName = _relations.GetOrCreateValue(owner);
        if (byName.TryGetValue(name, out var cached) && _pendingRelations.Contains((IPendingRelation)cached)) return (T)cached;
        var relation = create();
        byName[name] = relation;
        return relation;
    }

    private void SaveChanges()
    {
        using var transaction = Db.Database.BeginTransaction();
        try
        {
            HashNewSecrets();
            Db.SaveChanges();
            if (_afterInsert.Count > 0 || _pendingRelations.Count > 0)
            {
                foreach (var action in _afterInsert) action();
                foreach (var relation in _pendingRelations) relation.Write(Db);
                Db.SaveChanges();
            }
            transaction.Commit();
        }
        catch
        {
            ForgetUnsavedChanges();
            throw;
        }
        _afterInsert.Clear();
        foreach (var relation in _pendingRelations) relation.Saved();
        _pendingRelations.Clear();
        // Association rows have no identity of their own; keeping them tracked would only block re-adding one.
        foreach (var entry in Db.ChangeTracker.Entries().Where(e => e.Entity is Member or StudyMember or UserRole or UserRule or RoleRule).ToList())
            entry.State = EntityState.Detached;
    }

    /// <summary>
    /// After a failed save the session goes on as if the failed changes had never been made, so that one
    /// bad object does not make every later save fail too.
    /// </summary>
    private void ForgetUnsavedChanges()
    {
        foreach (var entry in Db.ChangeTracker.Entries().ToList())
        {
            if (entry.State == EntityState.Added) entry.State = EntityState.Detached;
            else if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                entry.CurrentValues.SetValues(entry.OriginalValues);
                entry.State = EntityState.Unchanged;
            }
        }
        _afterInsert.Clear();
        _pendingRelations.Clear();
    }

    /// <summary>As the reference's property setters: a password or api key assigned in the shell is stored as a bcrypt hash.</summary>
    private void HashNewSecrets()
    {
        foreach (var entry in Db.ChangeTracker.Entries<User>())
            if (IsNewValue(entry, nameof(User.Password)) && entry.Entity.Password is { } password)
                entry.Entity.Password = PasswordHasher.Hash(password);
        foreach (var entry in Db.ChangeTracker.Entries<Node>())
            if (IsNewValue(entry, nameof(Node.ApiKey)) && entry.Entity.ApiKey is { } key)
                entry.Entity.ApiKey = PasswordHasher.Hash(key);
    }

    private static bool IsNewValue<T>(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<T> entry, string property) where T : class
    {
        if (entry.State == EntityState.Added) return true;
        if (entry.State != EntityState.Modified) return false;
        var p = entry.Property(property);
        return p.IsModified && !Equals(p.OriginalValue, p.CurrentValue);
    }

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

/// <summary>A list relation with additions or removals that the next save writes as association rows.</summary>
internal interface IPendingRelation
{
    void Write(V6DbContext db);
    void Saved();
}
