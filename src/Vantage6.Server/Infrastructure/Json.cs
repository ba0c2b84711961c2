using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vantage6.Server.Infrastructure;

public static class Json
{
    /// <summary>Options for every response: snake_case names, nulls kept, reference datetime format.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Links contain '&'; the relaxed encoder keeps them readable (still valid JSON).
        o.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.Converters.Add(new ReferenceDateTimeConverter());
        return o;
    }

    /// <summary>ISO 8601 without offset, UTC, microseconds only when non-zero (as the reference prints).</summary>
    public static string FormatDateTime(DateTime v)
    {
        v = v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v;
        var micro = (v.Ticks % TimeSpan.TicksPerSecond) / 10;
        return micro == 0
            ? v.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
            : v.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." + micro.ToString("D6", CultureInfo.InvariantCulture);
    }

    private sealed class ReferenceDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(FormatDateTime(value));
    }
}
