using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vantage6.Common.Configuration;

/// <summary>Reads a YAML file into plain dictionaries, lists and strings (scalars stay text).</summary>
public static class YamlDocument
{
    public static IReadOnlyDictionary<string, object?> LoadMapping(string file)
    {
        string text;
        try { text = System.IO.File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Cannot read configuration file '{file}': {e.Message}");
        }
        return ParseMapping(text, file);
    }

    public static IReadOnlyDictionary<string, object?> ParseMapping(string text, string file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ConfigurationException(
                $"Invalid configuration '{file}': not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        if (stream.Documents.Count == 0) throw new ConfigurationException($"Invalid configuration '{file}': the file is empty");
        if (Convert(stream.Documents[0].RootNode) is IReadOnlyDictionary<string, object?> map) return map;
        throw new ConfigurationException($"Invalid configuration '{file}': the top level must be a mapping of keys");
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value)) as IReadOnlyDictionary<string, object?>,
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode sc when sc.Style == ScalarStyle.Plain && IsNull(sc.Value) => null,
        YamlScalarNode sc => sc.Value ?? "",
        _ => null,
    };

    private static bool IsNull(string? v) => v is null || v is "" or "~" or "null" or "Null" or "NULL";
}
