using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Vantage6.Admin.Shell;

/// <summary>How the shell prints the value of an expression: entities by their columns, lists one item per line.</summary>
public static class ResultFormatter
{
    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        byte[] bytes => $"byte[{bytes.Length}]",
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        IFormattable f when value.GetType().IsPrimitive || value is decimal || value.GetType().IsEnum => f.ToString(null, CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IEnumerable list => FormatList(list.Cast<object?>().ToList()),
        _ when IsEntity(value.GetType()) => FormatEntity(value),
        _ => value.ToString() ?? "",
    };

    private static string FormatList(List<object?> items) => items.Count switch
    {
        0 => "[]",
        _ when items.All(i => i is not null && IsEntity(i.GetType())) => "[\n" + string.Join(",\n", items.Select(i => "  " + Format(i))) + "\n]",
        _ => "[" + string.Join(", ", items.Select(Format)) + "]",
    };

    private static bool IsEntity(Type type) => type.Namespace == typeof(Vantage6.Server.Data.Entities.User).Namespace;

    /// <summary><c>Organization { Id = 1, Name = "IKNL", ... }</c>; secrets and keys are shown by length only.</summary>
    private static string FormatEntity(object entity)
    {
        var type = entity.GetType();
        var parts = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name == "Id" ? 0 : 1)
            .Select(p => $"{p.Name} = {Format(p.GetValue(entity))}");
        return $"{(type.Name == "TaskEntity" ? "Task" : type.Name)} {{ {string.Join(", ", parts)} }}";
    }
}
