using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace Vantage6.Admin.Shell;

/// <summary>
/// <c>db.X</c> for one table: <c>Get()</c>, <c>Get(id)</c>, <c>Exists(field, value)</c>, <c>Help()</c>
/// (cli-and-config §5.3). Tables with lookup helpers derive from it.
/// </summary>
public class EntitySet<T>(ShellSession session) where T : class
{
    protected ShellSession Session { get; } = session;
    protected DbSet<T> Rows => Session.Db.Set<T>();

    /// <summary>All rows, by id.</summary>
    public List<T> Get()
    {
        var hasId = Session.Db.Model.FindEntityType(typeof(T))!.FindProperty("Id") is not null;
        return hasId ? Rows.OrderBy(e => EF.Property<int>(e, "Id")).ToList() : Rows.ToList();
    }

    /// <summary>The row with this id, or null.</summary>
    public T? Get(int id) => Rows.Find(id);

    /// <summary>Whether a row has this value in a column (C# property name or column name).</summary>
    public bool Exists(string field, object? value)
    {
        var property = FindProperty(field);
        var row = Expression.Parameter(typeof(T), "row");
        var target = property.PropertyType;
        var constant = Expression.Constant(ConvertTo(value, target), target);
        var test = Expression.Lambda<Func<T, bool>>(Expression.Equal(Expression.Property(row, property), constant), row);
        return Rows.Any(test);
    }

    /// <summary>Prints the table, its properties, relations and methods, in the reference's layout.</summary>
    public void Help()
    {
        var entity = Session.Db.Model.FindEntityType(typeof(T))!;
        var output = Session.Out;
        output.WriteLine($"Table: {entity.GetTableName()!.ToLowerInvariant()}");
        output.WriteLine();
        output.WriteLine("Properties: ");
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name == "Id" ? 0 : 1))
            output.WriteLine($" ->{p.Name}");
        output.WriteLine();
        output.WriteLine("Relations: ");
        foreach (var r in Relations.Names.GetValueOrDefault(typeof(T), [])) output.WriteLine($" ->{r}");
        output.WriteLine();
        output.WriteLine("Methods: ");
        var methods = GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetBaseDefinition().DeclaringType != typeof(object) && !m.IsSpecialName)
            .Select(m => m.Name).Distinct().Order(StringComparer.Ordinal);
        foreach (var m in methods) output.WriteLine($" ->{m}");
        output.WriteLine();
    }

    public override string ToString() => $"db.{(typeof(T).Name == "TaskEntity" ? "Task" : typeof(T).Name)} (try .Help())";

    private PropertyInfo FindProperty(string field)
    {
        var entity = Session.Db.Model.FindEntityType(typeof(T))!;
        var match = entity.GetProperties().FirstOrDefault(p =>
            string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.GetColumnName(), field, StringComparison.OrdinalIgnoreCase));
        return match?.PropertyInfo ?? throw new ArgumentException($"{typeof(T).Name} has no field '{field}'");
    }

    private static object? ConvertTo(object? value, Type target)
    {
        if (value is null) return null;
        var type = Nullable.GetUnderlyingType(target) ?? target;
        if (type.IsInstanceOfType(value)) return value;
        if (type.IsEnum) return Enum.Parse(type, value.ToString()!, ignoreCase: true);
        return System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
    }
}
