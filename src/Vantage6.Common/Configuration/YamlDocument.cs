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
        var parser = new Parser(new StringReader(text));
        try { stream.Load(parser); }
        catch (YamlException e)
        {
            // End is where the problem was found; Start may be the beginning of the enclosing block.
            var context = e.Start.Line != e.End.Line ? $" (in the block that starts at line {e.Start.Line})" : "";
            throw new ConfigurationException(
                $"Invalid configuration '{file}': not valid YAML at line {e.End.Line}, column {e.End.Column}{context}: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet fails this way on some unterminated constructs (e.g. an unclosed '[' at the end of
            // the file); the last event read tells where the parser was.
            var mark = parser.Current?.Start;
            var where = mark is null ? "" : $" after line {mark.Value.Line}, column {mark.Value.Column}";
            throw new ConfigurationException(
                $"Invalid configuration '{file}': not valid YAML{where}: unexpected end of the document ({e.Message})");
        }
        if (stream.Documents.Count == 0) throw new ConfigurationException($"Invalid configuration '{file}': the file is empty");
        if (Convert(stream.Documents[0].RootNode, file) is IReadOnlyDictionary<string, object?> map) return map;
        throw new ConfigurationException($"Invalid configuration '{file}': the top level must be a mapping of keys");
    }

    private static object? Convert(YamlNode node, string file) => node switch
    {
        YamlMappingNode m => ConvertMapping(m, file),
        YamlSequenceNode s => s.Children.Select(c => Convert(c, file)).ToList(),
        YamlScalarNode sc when sc.Style == ScalarStyle.Plain && IsNull(sc.Value) => null,
        YamlScalarNode sc => sc.Value ?? "",
        _ => null,
    };

    private static IReadOnlyDictionary<string, object?> ConvertMapping(YamlMappingNode m, string file)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (keyNode, valueNode) in m.Children)
        {
            if (keyNode is not YamlScalarNode { Value: var key })
                throw new ConfigurationException(
                    $"Invalid configuration '{file}': the key at line {keyNode.Start.Line}, column {keyNode.Start.Column} is not a plain name");
            if (!result.TryAdd(key ?? "", Convert(valueNode, file)))
                throw new ConfigurationException(
                    $"Invalid configuration '{file}': duplicate key '{key}' at line {keyNode.Start.Line}, column {keyNode.Start.Column}");
        }
        return result;
    }

    private static bool IsNull(string? v) => v is null || v is "" or "~" or "null" or "Null" or "NULL";
}
