using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vantage6.Admin.Import;

/// <summary>
/// Reads and checks an import file completely before anything touches the database, so that a bad
/// file is reported with its location and nothing is written.
/// </summary>
public static class ImportFileReader
{
    private static readonly string[] TopKeys = ["organizations", "collaborations"];
    private static readonly string[] OrganizationKeys = ["name", "domain", "address1", "address2", "zipcode", "country", "public_key"];
    private static readonly string[] ParticipantKeys = ["name", "api_key"];

    public static ImportFile ReadFile(string path) => Read(File.ReadAllText(path));

    public static ImportFile Read(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ImportException($"line {e.Start.Line}, column {e.Start.Column}", $"invalid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: "" or null })
            return new ImportFile([], []);
        var root = Mapping(stream.Documents[0].RootNode, "file");
        CheckKeys(root, "file", TopKeys);
        var organizations = List(root, "organizations", "").Select((n, i) => ReadOrganization(n, $"organizations[{i}]")).ToList();
        var collaborations = List(root, "collaborations", "").Select((n, i) => ReadCollaboration(n, $"collaborations[{i}]")).ToList();
        CheckUnique(organizations.Select(o => (o.Name, $"{o.Location}.name")), "organization name");
        var users = organizations.SelectMany(o => o.Users).ToList();
        CheckUnique(users.Select(u => (u.Username, $"{u.Location}.username")), "username");
        CheckUnique(users.Where(u => u.Columns.GetValueOrDefault("email") is not null)
            .Select(u => (u.Columns["email"]!, $"{u.Location}.email")), "email");
        CheckUnique(collaborations.Select(c => (c.Name, $"{c.Location}.name")), "collaboration name");
        CheckUnique(collaborations.SelectMany(c => c.Participants.Select(p => (p.NodeName(c.Name), $"{p.Location}.name"))), "node name");
        return new ImportFile(organizations, collaborations);
    }

    private static OrganizationItem ReadOrganization(YamlNode node, string at)
    {
        var map = Mapping(node, at);
        CheckKeys(map, at, [.. OrganizationKeys, "users"]);
        foreach (var key in OrganizationKeys)
            if (!map.Children.ContainsKey(new YamlScalarNode(key))) throw Error(map, at, $"the key '{key}' is missing (all of {string.Join(", ", OrganizationKeys)} must be present)");
        var name = RequiredText(map, "name", at);
        var users = List(map, "users", at + ".").Select((n, i) => ReadUser(n, $"{at}.users[{i}]")).ToList();
        return new OrganizationItem(at, name, Text(map, "domain", at), Text(map, "address1", at), Text(map, "address2", at),
            Text(map, "zipcode", at), Text(map, "country", at), PublicKey(map, at), users);
    }

    /// <summary>base64 text of a PEM public key; stored as the decoded bytes. Empty is allowed, null is not.</summary>
    private static byte[] PublicKey(YamlMappingNode map, string at)
    {
        var node = map.Children[new YamlScalarNode("public_key")];
        var text = Text(map, "public_key", at) ?? throw Error(node, $"{at}.public_key", "the public key may be empty but not null");
        if (text.Length == 0) return [];
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { throw Error(node, $"{at}.public_key", "not valid base64 text"); }
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(Encoding.UTF8.GetString(bytes));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw Error(node, $"{at}.public_key", "not the base64 text of a PEM public key");
        }
        return bytes;
    }

    private static UserItem ReadUser(YamlNode node, string at)
    {
        var map = Mapping(node, at);
        var columns = new Dictionary<string, string?>();
        var probe = new Vantage6.Server.Data.Entities.User();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = KeyText(keyNode, at);
            if (!UserColumns.IsKnown(key)) throw Error(keyNode, $"{at}.{key}", "unknown key (not a user column)");
            var value = ScalarText(valueNode, $"{at}.{key}");
            if (key == UserColumns.Password) continue;
            try { UserColumns.Apply(probe, key, value); }
            catch (FormatException) { throw Error(valueNode, $"{at}.{key}", $"'{value}' is not a valid {key}"); }
            columns[key] = value;
        }
        return new UserItem(at, RequiredText(map, "username", at), RequiredText(map, UserColumns.Password, at), columns);
    }

    private static CollaborationItem ReadCollaboration(YamlNode node, string at)
    {
        // Other keys (e.g. 'domain' in the dev-network template) are ignored, as by the reference.
        var map = Mapping(node, at);
        var name = RequiredText(map, "name", at);
        bool encrypted = true;
        if (Text(map, "encrypted", at) is { } flag)
            encrypted = Boolean(flag) ?? throw Error(Child(map, "encrypted")!, $"{at}.encrypted", $"'{flag}' is not true or false");
        var participants = List(map, "participants", at + ".").Select((n, i) => ReadParticipant(n, $"{at}.participants[{i}]", name)).ToList();
        var tasks = List(map, "tasks", at + ".").Select((n, i) => ScalarText(n, $"{at}.tasks[{i}]") is { Length: > 0 } image
            ? image : throw Error(n, $"{at}.tasks[{i}]", "a task needs an image name")).ToList();
        return new CollaborationItem(at, name, encrypted, participants, tasks);
    }

    private static ParticipantItem ReadParticipant(YamlNode node, string at, string collaboration)
    {
        var map = node as YamlMappingNode;
        var name = map is null ? null : Text(map, "name", at);
        var key = map is null ? null : Text(map, "api_key", at);
        if (map is null || string.IsNullOrEmpty(name) || string.IsNullOrEmpty(key))
            throw Error(node, at, $"Collaboration participants should contain the fields 'name' and 'api_key'. This is not the case for participant {Describe(node)} in collaboration {collaboration}");
        CheckKeys(map, at, ParticipantKeys);
        // Canonical UUID text only: parsing and printing again must give the same text.
        if (!Guid.TryParse(key, out var uuid) || uuid.ToString("D") != key)
            throw Error(Child(map, "api_key")!, $"{at}.api_key", $"API key '{key}' is not a valid UUID!");
        return new ParticipantItem(at, name, key);
    }

    private static void CheckUnique(IEnumerable<(string Value, string Location)> items, string what)
    {
        var seen = new HashSet<string>();
        foreach (var (value, location) in items)
            if (!seen.Add(value)) throw new ImportException(location, $"duplicate {what} '{value}' in the file");
    }

    private static void CheckKeys(YamlMappingNode map, string at, IReadOnlyCollection<string> allowed)
    {
        foreach (var keyNode in map.Children.Keys)
        {
            var key = KeyText(keyNode, at);
            if (!allowed.Contains(key)) throw Error(keyNode, at.Length == 0 || at == "file" ? key : $"{at}.{key}", $"unknown key (expected one of: {string.Join(", ", allowed)})");
        }
    }

    private static YamlMappingNode Mapping(YamlNode node, string at) =>
        node as YamlMappingNode ?? throw Error(node, at, "expected a mapping of keys to values");

    /// <summary>An optional list; a missing or empty value is an empty list.</summary>
    private static IReadOnlyList<YamlNode> List(YamlMappingNode map, string key, string prefix)
    {
        var node = Child(map, key);
        if (node is null || IsNull(node)) return [];
        return node is YamlSequenceNode seq ? seq.Children.ToList() : throw Error(node, prefix + key, "expected a list");
    }

    private static string RequiredText(YamlMappingNode map, string key, string at) =>
        Text(map, key, at) is { Length: > 0 } text ? text : throw Error(Child(map, key) ?? map, $"{at}.{key}", "a value is required");

    private static string? Text(YamlMappingNode map, string key, string at) =>
        Child(map, key) is { } node ? ScalarText(node, $"{at}.{key}") : null;

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    /// <summary>A scalar as written (so <c>54331</c> stays the text "54331"); plain empty/null/~ is null.</summary>
    private static string? ScalarText(YamlNode node, string at)
    {
        if (node is not YamlScalarNode scalar) throw Error(node, at, "expected a single value");
        return IsNull(scalar) ? null : scalar.Value ?? "";
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: "" or "~" or "null" or "Null" or "NULL" or null };

    private static string KeyText(YamlNode node, string at) => node is YamlScalarNode { Value: { } key } ? key : throw Error(node, at, "keys must be plain names");

    private static bool? Boolean(string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => null,
    };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "null",
        YamlMappingNode m => "{" + string.Join(", ", m.Children.Select(c => $"{Describe(c.Key)}: {Describe(c.Value)}")) + "}",
        YamlSequenceNode q => "[" + string.Join(", ", q.Children.Select(Describe)) + "]",
        _ => node.ToString(),
    };

    private static ImportException Error(YamlNode node, string at, string problem) => new($"{at} (line {node.Start.Line})", problem);
}
