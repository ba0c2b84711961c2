using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vantage6.Server.Infrastructure;

public enum FieldType { String, Integer, Boolean, Email, IntegerList, Any }

/// <summary>One body field: its type, whether it is required, and extra checks returning an error text.</summary>
public sealed record FieldSpec(string Name, FieldType Type, bool Required, bool NullIsAbsent, Func<object, string?>[] Checks)
{
    /// <summary>Accept a JSON number where a string is expected (e.g. an <c>mfa_code</c> sent as 123456).</summary>
    public bool NumberAsString { get; init; }
}

/// <summary>
/// Strict request-body validation with the reference's error texts: unknown keys, nulls, missing
/// required keys, wrong types, lengths and ranges all end up in one <c>errors</c> object.
/// </summary>
public sealed class BodySchema
{
    private readonly Dictionary<string, FieldSpec> _fields = new();

    /// <summary><c>{"id": int ≥ 1}</c>: the body of the add/remove/kill/reset endpoints.</summary>
    public static readonly BodySchema IdOnly = new BodySchema().Integer("id", required: true, checks: AtLeast(1));

    public BodySchema Add(FieldSpec spec) { _fields[spec.Name] = spec; return this; }

    public BodySchema String(string name, bool required = false, bool nullIsAbsent = false, params Func<object, string?>[] checks) =>
        Add(new FieldSpec(name, FieldType.String, required, nullIsAbsent, checks));

    public BodySchema Integer(string name, bool required = false, bool nullIsAbsent = false, params Func<object, string?>[] checks) =>
        Add(new FieldSpec(name, FieldType.Integer, required, nullIsAbsent, checks));

    public BodySchema Boolean(string name, bool required = false, bool nullIsAbsent = false) =>
        Add(new FieldSpec(name, FieldType.Boolean, required, nullIsAbsent, []));

    public BodySchema Email(string name, bool required = false, bool nullIsAbsent = false) =>
        Add(new FieldSpec(name, FieldType.Email, required, nullIsAbsent, []));

    public BodySchema IntegerList(string name, bool required = false, bool nullIsAbsent = false, params Func<object, string?>[] elementChecks) =>
        Add(new FieldSpec(name, FieldType.IntegerList, required, nullIsAbsent, elementChecks));

    public BodySchema Any(string name, bool required = false) => Add(new FieldSpec(name, FieldType.Any, required, false, []));

    /// <summary>Validates and converts; throws the standard 400 unless <paramref name="wrapErrors"/> is given.</summary>
    public Body Validate(JsonElement body, bool partial = false, Func<JsonObject, ApiException>? wrapErrors = null)
    {
        var errors = new JsonObject();
        var values = new Dictionary<string, object?>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["_schema"] = new JsonArray("Invalid input type.");
            throw (wrapErrors ?? ApiException.Validation)(errors);
        }
        foreach (var prop in body.EnumerateObject())
        {
            if (!_fields.TryGetValue(prop.Name, out var spec))
            {
                errors[prop.Name] = new JsonArray("Unknown field.");
                continue;
            }
            if (prop.Value.ValueKind == JsonValueKind.Null)
            {
                if (!spec.NullIsAbsent) errors[prop.Name] = new JsonArray("Field may not be null.");
                continue;
            }
            var (value, error) = Convert(spec, prop.Value);
            if (error is not null) { errors[prop.Name] = error; continue; }
            values[prop.Name] = value;
        }
        if (!partial)
            foreach (var spec in _fields.Values.Where(f => f.Required))
                if (!body.TryGetProperty(spec.Name, out _) && errors[spec.Name] is null)
                    errors[spec.Name] = new JsonArray("Missing data for required field.");
        if (errors.Count > 0) throw (wrapErrors ?? ApiException.Validation)(errors);
        return new Body(values);
    }

    private static (object? Value, JsonNode? Error) Convert(FieldSpec spec, JsonElement e)
    {
        switch (spec.Type)
        {
            case FieldType.String:
            case FieldType.Email:
                string s;
                if (e.ValueKind == JsonValueKind.String) s = e.GetString()!;
                else if (spec.NumberAsString && e.ValueKind == JsonValueKind.Number) s = e.GetRawText();
                else return (null, new JsonArray("Not a valid string."));
                if (spec.Type == FieldType.Email && !IsEmail(s)) return (null, new JsonArray("Not a valid email address."));
                return Check(spec, s);
            case FieldType.Integer:
                var i = ToInt(e);
                return i is null ? (null, new JsonArray("Not a valid integer.")) : Check(spec, i.Value);
            case FieldType.Boolean:
                return e.ValueKind switch
                {
                    JsonValueKind.True => (true, null),
                    JsonValueKind.False => (false, null),
                    _ => (null, new JsonArray("Not a valid boolean.")),
                };
            case FieldType.IntegerList:
                if (e.ValueKind != JsonValueKind.Array) return (null, new JsonArray("Not a valid list."));
                var list = new List<int>();
                var elementErrors = new JsonObject();
                int index = 0;
                foreach (var item in e.EnumerateArray())
                {
                    var v = item.ValueKind == JsonValueKind.Null ? null : ToInt(item);
                    string? err = item.ValueKind == JsonValueKind.Null ? "Field may not be null."
                        : v is null ? "Not a valid integer." : spec.Checks.Select(c => c(v.Value)).FirstOrDefault(m => m is not null);
                    if (err is not null) elementErrors[index.ToString(CultureInfo.InvariantCulture)] = new JsonArray(err);
                    else list.Add(v!.Value);
                    index++;
                }
                return elementErrors.Count > 0 ? (null, elementErrors) : (list, null);
            default:
                return (e.Clone(), null);
        }
    }

    private static (object? Value, JsonNode? Error) Check(FieldSpec spec, object value)
    {
        var messages = spec.Checks.Select(c => c(value)).Where(m => m is not null).ToArray();
        if (messages.Length == 0) return (value, null);
        var arr = new JsonArray();
        foreach (var m in messages) arr.Add(m);
        return (null, arr);
    }

    private static int? ToInt(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            if (e.TryGetInt32(out var i)) return i;
            if (e.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
            return null;
        }
        if (e.ValueKind == JsonValueKind.String &&
            int.TryParse(e.GetString()!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p)) return p;
        return null;
    }

    private static bool IsEmail(string s)
    {
        if (s.Length == 0 || s.Contains(' ') || !s.Contains('@')) return false;
        var at = s.LastIndexOf('@');
        var domain = s[(at + 1)..];
        if (at == 0 || domain.Length == 0) return false;
        if (!domain.Contains('.') && domain != "localhost") return false;
        return MailAddress.TryCreate(s, out var addr) && addr.Address == s;
    }

    // Reusable checks with the reference's texts.
    public static Func<object, string?> MaxLength(int n) => v => ((string)v).Length > n ? $"Longer than maximum length {n}." : null;
    public static Func<object, string?> Length(int min, int max) => v =>
        ((string)v).Length < min || ((string)v).Length > max ? $"Length must be between {min} and {max}." : null;
    public static Func<object, string?> AtLeast(int min) => v => (int)v < min ? $"Must be greater than or equal to {min}." : null;
}

/// <summary>The converted values of a validated body; absent keys are simply not there.</summary>
public sealed class Body(Dictionary<string, object?> values)
{
    public bool Has(string key) => values.ContainsKey(key);
    public string? String(string key) => values.GetValueOrDefault(key) as string;
    public int? Int(string key) => values.GetValueOrDefault(key) as int?;
    public bool? Bool(string key) => values.GetValueOrDefault(key) as bool?;
    public List<int>? IntList(string key) => values.GetValueOrDefault(key) as List<int>;
    public JsonElement? Element(string key) => values.GetValueOrDefault(key) as JsonElement?;
}
