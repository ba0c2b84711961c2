using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Vantage6.Server.Data;

/// <summary>
/// An EF Core compiled query for hot paths (it skips the per-call expression tree work), compiled once per
/// database model: a compiled query must not be shared between providers (SQLite and PostgreSQL models
/// can live in one process, e.g. in tests).
/// </summary>
internal sealed class CompiledQuery<TDelegate>(Func<TDelegate> compile) where TDelegate : class
{
    private readonly ConditionalWeakTable<IModel, TDelegate> _byModel = new();
    private readonly ConditionalWeakTable<IModel, TDelegate>.CreateValueCallback _create = _ => compile();

    public TDelegate For(V6DbContext db) => _byModel.GetValue(db.Model, _create);
}
