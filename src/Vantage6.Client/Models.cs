using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Vantage6.Client;

/// <summary>A to-one relation as the API renders it: <c>{"id", "link", "methods"}</c>.</summary>
public sealed class ResourceLink
{
    /// <summary>Id of the related resource.</summary>
    public int Id { get; init; }

    /// <summary>Server-relative path of the related resource (including the API path).</summary>
    public string? Link { get; init; }

    /// <summary>HTTP methods the related resource's route accepts.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];
}

/// <summary>
/// A to-many relation: either a server-relative list link (<see cref="Link"/>) or, when the request
/// asked the server to embed it, the related resources themselves (<see cref="Items"/>).
/// </summary>
[JsonConverter(typeof(ResourceListConverterFactory))]
public sealed class ResourceList<T>
{
    /// <summary>The list endpoint with its filter, when the relation was not embedded.</summary>
    public string? Link { get; init; }

    /// <summary>The embedded resources, when they were included.</summary>
    public IReadOnlyList<T>? Items { get; init; }
}

internal sealed class ResourceListConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ResourceList<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class Converter<T> : JsonConverter<ResourceList<T>>
    {
        public override ResourceList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.String => new ResourceList<T> { Link = reader.GetString() },
                _ => new ResourceList<T> { Items = JsonSerializer.Deserialize<List<T>>(ref reader, options) },
            };

        public override void Write(Utf8JsonWriter writer, ResourceList<T> value, JsonSerializerOptions options)
        {
            if (value.Items is not null) JsonSerializer.Serialize(writer, value.Items, options);
            else writer.WriteStringValue(value.Link);
        }
    }
}

/// <summary>An organization.</summary>
public sealed class Organization
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Unique name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Internet domain.</summary>
    public string? Domain { get; init; }
    /// <summary>First address line.</summary>
    public string? Address1 { get; init; }
    /// <summary>Second address line.</summary>
    public string? Address2 { get; init; }
    /// <summary>Postal code.</summary>
    public string? Zipcode { get; init; }
    /// <summary>Country.</summary>
    public string? Country { get; init; }
    /// <summary>Base64 of the organization's public key PEM; empty when none was uploaded.</summary>
    public string? PublicKey { get; init; }
    /// <summary>List link of the organization's collaborations.</summary>
    public string? Collaborations { get; init; }
    /// <summary>List link of the organization's nodes.</summary>
    public string? Nodes { get; init; }
    /// <summary>List link of the organization's users.</summary>
    public string? Users { get; init; }
}

/// <summary>Fields of a new organization (only <see cref="Name"/> is required).</summary>
public sealed class NewOrganization
{
    /// <summary>Unique name.</summary>
    public required string Name { get; init; }
    /// <summary>Internet domain.</summary>
    public string? Domain { get; init; }
    /// <summary>First address line.</summary>
    public string? Address1 { get; init; }
    /// <summary>Second address line.</summary>
    public string? Address2 { get; init; }
    /// <summary>Postal code.</summary>
    public string? Zipcode { get; init; }
    /// <summary>Country.</summary>
    public string? Country { get; init; }
    /// <summary>Base64 of a public key PEM.</summary>
    public string? PublicKey { get; init; }
}

/// <summary>Changes to an organization; null fields stay as they are.</summary>
public sealed class OrganizationUpdate
{
    /// <summary>New name.</summary>
    public string? Name { get; init; }
    /// <summary>New domain.</summary>
    public string? Domain { get; init; }
    /// <summary>New first address line.</summary>
    public string? Address1 { get; init; }
    /// <summary>New second address line.</summary>
    public string? Address2 { get; init; }
    /// <summary>New postal code.</summary>
    public string? Zipcode { get; init; }
    /// <summary>New country.</summary>
    public string? Country { get; init; }
    /// <summary>New public key (base64 of the PEM).</summary>
    public string? PublicKey { get; init; }
}

/// <summary>A user account.</summary>
public sealed class User
{
    /// <summary>Id (shared id space with nodes).</summary>
    public int Id { get; init; }
    /// <summary>Login name.</summary>
    public string Username { get; init; } = "";
    /// <summary>First name.</summary>
    public string? Firstname { get; init; }
    /// <summary>Last name.</summary>
    public string? Lastname { get; init; }
    /// <summary>E-mail address.</summary>
    public string? Email { get; init; }
    /// <summary><c>online</c>/<c>offline</c>, or null when never connected by socket.</summary>
    public string? Status { get; init; }
    /// <summary>Last authenticated request (UTC).</summary>
    public DateTime? LastSeen { get; init; }
    /// <summary>The user's organization.</summary>
    public ResourceLink? Organization { get; init; }
    /// <summary>List link of the user's roles.</summary>
    public string? Roles { get; init; }
    /// <summary>List link of the user's directly assigned rules.</summary>
    public string? Rules { get; init; }
}

/// <summary>Fields of a new user.</summary>
public sealed class NewUser
{
    /// <summary>Login name (starts with a letter; letters, digits, <c>.</c>, <c>_</c>, <c>-</c>).</summary>
    public required string Username { get; init; }
    /// <summary>Password satisfying the server's password policy.</summary>
    public required string Password { get; init; }
    /// <summary>E-mail address.</summary>
    public required string Email { get; init; }
    /// <summary>First name.</summary>
    public string? Firstname { get; init; }
    /// <summary>Last name.</summary>
    public string? Lastname { get; init; }
    /// <summary>Organization; default the caller's own.</summary>
    public int? OrganizationId { get; init; }
    /// <summary>Role ids to assign.</summary>
    public IReadOnlyList<int>? Roles { get; init; }
    /// <summary>Rule ids to assign directly.</summary>
    public IReadOnlyList<int>? Rules { get; init; }
}

/// <summary>Changes to a user; null fields stay as they are, a given list replaces the whole set.</summary>
public sealed class UserUpdate
{
    /// <summary>New login name (only for oneself).</summary>
    public string? Username { get; init; }
    /// <summary>New e-mail address.</summary>
    public string? Email { get; init; }
    /// <summary>New first name.</summary>
    public string? Firstname { get; init; }
    /// <summary>New last name.</summary>
    public string? Lastname { get; init; }
    /// <summary>The complete new set of role ids.</summary>
    public IReadOnlyList<int>? Roles { get; init; }
    /// <summary>The complete new set of directly assigned rule ids.</summary>
    public IReadOnlyList<int>? Rules { get; init; }
}

/// <summary>A role: a named set of rules.</summary>
public sealed class Role
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Description.</summary>
    public string? Description { get; init; }
    /// <summary>True for the roles the server ships with.</summary>
    public bool IsDefaultRole { get; init; }
    /// <summary>Organization the role belongs to; null for global roles.</summary>
    public ResourceLink? Organization { get; init; }
    /// <summary>List link of the role's rules.</summary>
    public string? Rules { get; init; }
    /// <summary>List link of the users holding the role.</summary>
    public string? Users { get; init; }
}

/// <summary>A permission rule: resource name, scope and operation.</summary>
public sealed class Rule
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Resource name, e.g. <c>task</c>.</summary>
    public string Name { get; init; } = "";
    /// <summary><c>OWN</c>, <c>ORGANIZATION</c>, <c>COLLABORATION</c> or <c>GLOBAL</c>.</summary>
    public string Scope { get; init; } = "";
    /// <summary><c>VIEW</c>, <c>EDIT</c>, <c>CREATE</c>, <c>DELETE</c>, <c>SEND</c> or <c>RECEIVE</c>.</summary>
    public string Operation { get; init; } = "";
    /// <summary>Human-readable description.</summary>
    public string? Description { get; init; }
}

/// <summary>A collaboration of organizations.</summary>
public sealed class Collaboration
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Unique name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Whether task inputs and results are end-to-end encrypted.</summary>
    public bool Encrypted { get; init; }
    /// <summary>Member organizations (link, or embedded when requested).</summary>
    public ResourceList<Organization>? Organizations { get; init; }
    /// <summary>List link of the collaboration's nodes.</summary>
    public string? Nodes { get; init; }
    /// <summary>List link of the collaboration's tasks.</summary>
    public string? Tasks { get; init; }
    /// <summary>List link of the collaboration's studies.</summary>
    public string? Studies { get; init; }
}

/// <summary>A node: the data station of one organization in one collaboration.</summary>
public sealed class Node
{
    /// <summary>Id (shared id space with users).</summary>
    public int Id { get; init; }
    /// <summary>Unique name.</summary>
    public string Name { get; init; } = "";
    /// <summary>VPN address, if any.</summary>
    public string? Ip { get; init; }
    /// <summary><c>online</c> or <c>offline</c>.</summary>
    public string? Status { get; init; }
    /// <summary>Last authenticated request or ping (UTC).</summary>
    public DateTime? LastSeen { get; init; }
    /// <summary>The node's organization.</summary>
    public ResourceLink? Organization { get; init; }
    /// <summary>The node's collaboration.</summary>
    public ResourceLink? Collaboration { get; init; }
    /// <summary>Configuration the node reported while online.</summary>
    public IReadOnlyList<NodeConfigEntry>? Config { get; init; }
    /// <summary>The API key; only present in the answer of node creation (and never again).</summary>
    public string? ApiKey { get; init; }
}

/// <summary>One reported node configuration value.</summary>
public sealed class NodeConfigEntry
{
    /// <summary>Key, e.g. <c>database_labels</c>.</summary>
    public string Key { get; init; } = "";
    /// <summary>Value as text.</summary>
    public string Value { get; init; } = "";
}

/// <summary>A study: a named subset of a collaboration's organizations.</summary>
public sealed class Study
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Unique name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The study's collaboration.</summary>
    public ResourceLink? Collaboration { get; init; }
    /// <summary>Member organizations (link, or embedded when requested and on create/update).</summary>
    public ResourceList<Organization>? Organizations { get; init; }
    /// <summary>List link of the study's tasks.</summary>
    public string? Tasks { get; init; }
}

/// <summary>A task: one algorithm request sent to several organizations (one run each).</summary>
public sealed class AlgorithmTask
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Name.</summary>
    public string? Name { get; init; }
    /// <summary>Description.</summary>
    public string? Description { get; init; }
    /// <summary>Algorithm image (with digest when resolved through an algorithm store).</summary>
    public string? Image { get; init; }
    /// <summary>Job id shared by a task and its subtasks.</summary>
    public int? JobId { get; init; }
    /// <summary>Creation time (UTC).</summary>
    public DateTime? CreatedAt { get; init; }
    /// <summary>Status computed from the runs (see <see cref="TaskStatuses"/>).</summary>
    public string? Status { get; init; }
    /// <summary>When the last run finished, for completed tasks.</summary>
    public DateTime? FinishedAt { get; init; }
    /// <summary>The collaboration.</summary>
    public ResourceLink? Collaboration { get; init; }
    /// <summary>The study, if the task was created for one.</summary>
    public ResourceLink? Study { get; init; }
    /// <summary>The algorithm store the image was resolved with.</summary>
    public ResourceLink? AlgorithmStore { get; init; }
    /// <summary>The parent task of a subtask.</summary>
    public ResourceLink? Parent { get; init; }
    /// <summary>The initiating organization (results are encrypted for it).</summary>
    public ResourceLink? InitOrg { get; init; }
    /// <summary>The initiating user.</summary>
    public ResourceLink? InitUser { get; init; }
    /// <summary>Requested databases.</summary>
    public IReadOnlyList<TaskDatabase>? Databases { get; init; }
    /// <summary>The runs (link, or embedded when requested).</summary>
    public ResourceList<Run>? Runs { get; init; }
    /// <summary>The raw results (link, or embedded when requested).</summary>
    public ResourceList<RunResult>? Results { get; init; }
    /// <summary>List link of the subtasks.</summary>
    public string? Children { get; init; }
}

/// <summary>A database of a task as stored: label and the other keys as JSON text.</summary>
public sealed class TaskDatabase
{
    /// <summary>Database label on the nodes.</summary>
    public string Label { get; init; } = "";
    /// <summary>JSON object text of the other keys (query, sheet name, preprocessing, arguments).</summary>
    public string? Parameters { get; init; }
}

/// <summary>A database to use for a new task.</summary>
public sealed class DatabaseSelection
{
    /// <summary>Database label on the nodes (an identifier).</summary>
    public required string Label { get; init; }
    /// <summary>Query for SQL and SPARQL databases.</summary>
    public string? Query { get; init; }
    /// <summary>Sheet of an Excel database.</summary>
    public string? SheetName { get; init; }
    /// <summary>Preprocessing steps (a JSON array of objects with <c>function</c>).</summary>
    public JsonNode? Preprocessing { get; init; }
    /// <summary>Extra arguments (a JSON object).</summary>
    public JsonNode? Arguments { get; init; }
}

/// <summary>The algorithm input: the function to run and its arguments.</summary>
public sealed class TaskInput
{
    /// <summary>Name of the algorithm function.</summary>
    public required string Method { get; init; }
    /// <summary>Positional arguments (serialized as they are).</summary>
    public IReadOnlyList<object?>? Args { get; init; }
    /// <summary>Keyword arguments (names kept exactly; values serialized as they are).</summary>
    public IReadOnlyDictionary<string, object?>? Kwargs { get; init; }

    /// <summary>The UTF-8 JSON plaintext <c>{"method", "args", "kwargs"}</c> that nodes hand to the algorithm.</summary>
    public byte[] ToJsonBytes()
    {
        var plain = new JsonSerializerOptions(JsonSerializerDefaults.General);
        var o = new JsonObject
        {
            ["method"] = Method,
            ["args"] = JsonSerializer.SerializeToNode(Args ?? [], plain),
            ["kwargs"] = JsonSerializer.SerializeToNode(Kwargs ?? new Dictionary<string, object?>(), plain),
        };
        return System.Text.Encoding.UTF8.GetBytes(o.ToJsonString(plain));
    }
}

/// <summary>Everything needed to create a task.</summary>
public sealed class NewTask
{
    /// <summary>Collaboration to run in (or give <see cref="StudyId"/>).</summary>
    public int? CollaborationId { get; init; }
    /// <summary>Study to run in (its collaboration is used).</summary>
    public int? StudyId { get; init; }
    /// <summary>Target organizations; each gets its own (encrypted) copy of the input.</summary>
    public required IReadOnlyList<int> Organizations { get; init; }
    /// <summary>Algorithm image.</summary>
    public required string Image { get; init; }
    /// <summary>Algorithm input.</summary>
    public required TaskInput Input { get; init; }
    /// <summary>Task name (left out when empty; the server then stores an empty name).</summary>
    public string? Name { get; init; }
    /// <summary>Task description.</summary>
    public string? Description { get; init; }
    /// <summary>Databases the algorithm uses.</summary>
    public IReadOnlyList<DatabaseSelection>? Databases { get; init; }
    /// <summary>Algorithm store to resolve the image with.</summary>
    public int? StoreId { get; init; }
    /// <summary>This server's URL as the algorithm store knows it (when the server has none configured).</summary>
    public string? ServerUrl { get; init; }
}

/// <summary>A run: the part of a task executed by one organization.</summary>
public sealed class Run
{
    /// <summary>Id.</summary>
    public int Id { get; init; }
    /// <summary>Input as stored: encrypted or base64 text, or a blob id when <see cref="BlobStorageUsed"/>.</summary>
    public string? Input { get; init; }
    /// <summary>Run status (see <see cref="TaskStatuses"/>).</summary>
    public string? Status { get; init; }
    /// <summary>Creation time (UTC).</summary>
    public DateTime? AssignedAt { get; init; }
    /// <summary>Start time (UTC).</summary>
    public DateTime? StartedAt { get; init; }
    /// <summary>End time (UTC).</summary>
    public DateTime? FinishedAt { get; init; }
    /// <summary>The algorithm's log.</summary>
    public string? Log { get; init; }
    /// <summary>When the result data was cleaned up.</summary>
    public DateTime? CleanupAt { get; init; }
    /// <summary>Whether input and result are blob ids.</summary>
    public bool? BlobStorageUsed { get; init; }
    /// <summary>The executing organization.</summary>
    public ResourceLink? Organization { get; init; }
    /// <summary>The task: only <see cref="AlgorithmTask.Id"/> unless the task was included.</summary>
    public AlgorithmTask? Task { get; init; }
    /// <summary>Link to the run's result.</summary>
    public ResourceLink? Results { get; init; }
    /// <summary>The executing node (empty fields when there is none).</summary>
    public RunNode? Node { get; init; }
}

/// <summary>The node of a run.</summary>
public sealed class RunNode
{
    /// <summary>Id.</summary>
    public int? Id { get; init; }
    /// <summary>Name.</summary>
    public string? Name { get; init; }
    /// <summary>VPN address.</summary>
    public string? Ip { get; init; }
    /// <summary>Online status.</summary>
    public string? Status { get; init; }
}

/// <summary>A run's result as stored on the server (still encrypted or base64).</summary>
public sealed class RunResult
{
    /// <summary>Run id.</summary>
    public int Id { get; init; }
    /// <summary>Encrypted or base64 result, a blob id, empty, or null when not reported yet.</summary>
    public string? Result { get; init; }
    /// <summary>Whether <see cref="Result"/> is a blob id.</summary>
    public bool? BlobStorageUsed { get; init; }
    /// <summary>The task.</summary>
    public ResourceLink? Task { get; init; }
    /// <summary>The run.</summary>
    public ResourceLink? Run { get; init; }
}

/// <summary>A decrypted run result: the algorithm's output as UTF-8 JSON text.</summary>
public sealed class TaskResult
{
    /// <summary>Run id.</summary>
    public int RunId { get; init; }
    /// <summary>Task id.</summary>
    public int? TaskId { get; init; }
    /// <summary>The decrypted output text; null when the run has not reported a result.</summary>
    public string? Json { get; init; }

    /// <summary>The output parsed as JSON (null when absent or empty).</summary>
    public JsonNode? Parse() => string.IsNullOrEmpty(Json) ? null : JsonNode.Parse(Json);

    /// <summary>
    /// The output deserialized into <typeparamref name="T"/> (default when absent or empty); without
    /// <paramref name="options"/>, JSON names are matched as snake_case (<c>row_count</c> → <c>RowCount</c>).
    /// </summary>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) =>
        string.IsNullOrEmpty(Json) ? default : JsonSerializer.Deserialize<T>(Json, options ?? ClientJson.Options);
}

/// <summary>Status strings of tasks and runs.</summary>
public static class TaskStatuses
{
    /// <summary>Waiting for the node.</summary>
    public const string Pending = "pending";
    /// <summary>Being started.</summary>
    public const string Initializing = "initializing";
    /// <summary>Running.</summary>
    public const string Active = "active";
    /// <summary>Finished successfully.</summary>
    public const string Completed = "completed";

    /// <summary>True for <c>completed</c> and every failure status (anything but pending, initializing, active).</summary>
    public static bool IsFinished(string? status) => status is not (Pending or Initializing or Active or null);
}

/// <summary>Paging and sorting of list calls.</summary>
public sealed class ListOptions
{
    /// <summary>Page size of each request (server default 10); all pages are fetched unless <see cref="Page"/> is set.</summary>
    public int? PerPage { get; init; }
    /// <summary>Fetch only this page.</summary>
    public int? Page { get; init; }
    /// <summary>Sort fields, comma-separated, <c>-</c> for descending (e.g. <c>-id</c>).</summary>
    public string? Sort { get; init; }
}

/// <summary>Polling of <see cref="TaskClient.WaitAsync"/>: first interval, growth factor and cap (1 s, ×1.5, 300 s by default).</summary>
public sealed class WaitOptions
{
    /// <summary>Wait before the second status request.</summary>
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Factor applied to the interval after each request.</summary>
    public double Factor { get; init; } = 1.5;
    /// <summary>Longest interval.</summary>
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Give up (with <see cref="TimeoutException"/>) after this long; null waits forever.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>Who is logged in: filled by <see cref="V6Client.AuthenticateAsync"/>.</summary>
public sealed class Identity
{
    /// <summary>User id.</summary>
    public int UserId { get; init; }
    /// <summary>Login name.</summary>
    public string Username { get; init; } = "";
    /// <summary>First name.</summary>
    public string? Firstname { get; init; }
    /// <summary>Organization id.</summary>
    public int OrganizationId { get; init; }
    /// <summary>Organization name.</summary>
    public string OrganizationName { get; init; } = "";
}
