using System.Text.Json.Nodes;

namespace Vantage6.Client;

/// <summary><c>/task</c>: create with per-organization (encrypted) input, wait, kill, delete.</summary>
public sealed class TaskClient : ResourceClient
{
    internal TaskClient(V6Client client) : base(client) { }

    /// <summary>
    /// Lists tasks (all pages; newest first), filtered by collaboration, initiating organization or
    /// user, study, parent task, job, name/image (SQL LIKE), status, or only top-level tasks
    /// (<paramref name="isUserCreated"/> true) / only subtasks (false).
    /// </summary>
    public Task<IReadOnlyList<AlgorithmTask>> ListAsync(int? collaborationId = null, int? initOrgId = null, int? initUserId = null,
        int? studyId = null, int? parentId = null, int? jobId = null, string? name = null, string? image = null, string? status = null,
        bool? isUserCreated = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<AlgorithmTask>("task",
            new Query().Add("collaboration_id", collaborationId).Add("init_org_id", initOrgId).Add("init_user_id", initUserId)
                .Add("study_id", studyId).Add("parent_id", parentId).Add("job_id", jobId).Add("name", name).Add("image", image)
                .Add("status", status).Add("is_user_created", isUserCreated is null ? null : isUserCreated.Value ? 1 : 0),
            options, cancellationToken);

    /// <summary>Reads one task, optionally with its runs and raw results embedded.</summary>
    public Task<AlgorithmTask> GetAsync(int id, bool includeRuns = false, bool includeResults = false, CancellationToken cancellationToken = default)
    {
        var include = string.Join(",", new[] { includeRuns ? "runs" : null, includeResults ? "results" : null }.OfType<string>());
        return Client.GetAsync<AlgorithmTask>(Client.Api($"task/{id}", new Query().Add("include", include.Length > 0 ? include : null)), cancellationToken);
    }

    /// <summary>
    /// Creates a task. The input is serialized to JSON and, per target organization, encrypted with that
    /// organization's public key when the collaboration is encrypted (base64 otherwise); with a server
    /// blob store each input is uploaded first and referenced by its id.
    /// </summary>
    public async Task<AlgorithmTask> CreateAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        if (task.Organizations.Count == 0) throw new ArgumentException("A task needs at least one organization.", nameof(task));
        if (task.CollaborationId is null && task.StudyId is null) throw new ArgumentException("Give a collaboration or a study.", nameof(task));
        foreach (var db in task.Databases ?? [])
            if (!IsIdentifier(db.Label))
                throw new ArgumentException($"Database label '{db.Label}' is not an identifier (letters, digits and underscores, not starting with a digit).", nameof(task));

        var collaborationId = task.CollaborationId
            ?? (await Client.Studies.GetAsync(task.StudyId!.Value, cancellationToken: cancellationToken)).Collaboration?.Id
            ?? throw new V6ApiException(200, "The study has no collaboration.", null);
        var encrypted = (await Client.Collaborations.GetAsync(collaborationId, cancellationToken: cancellationToken)).Encrypted;
        var blob = await Client.BlobStoreEnabledAsync(cancellationToken);
        var plaintext = task.Input.ToJsonBytes();
        var organizations = new JsonArray();
        foreach (var org in task.Organizations)
            organizations.Add(new JsonObject { ["id"] = org, ["input"] = await Client.EncodeInputAsync(plaintext, encrypted, org, blob, cancellationToken) });

        var body = new JsonObject
        {
            ["image"] = task.Image,
            ["description"] = task.Description ?? "",
            ["organizations"] = organizations,
        };
        if (!string.IsNullOrEmpty(task.Name)) body["name"] = task.Name;
        if (task.CollaborationId is not null) body["collaboration_id"] = task.CollaborationId;
        if (task.StudyId is not null) body["study_id"] = task.StudyId;
        if (task.Databases is not null) body["databases"] = System.Text.Json.JsonSerializer.SerializeToNode(task.Databases, ClientJson.Options);
        if (task.StoreId is not null) body["store_id"] = task.StoreId;
        if (task.ServerUrl is not null) body["server_url"] = task.ServerUrl;
        return await Client.SendAsync<AlgorithmTask>(HttpMethod.Post, Client.Api("task"), body, cancellationToken);
    }

    private static bool IsIdentifier(string label) =>
        label.Length > 0 && !char.IsAsciiDigit(label[0]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Deletes a task with its runs and subtasks (running algorithms are killed first); returns the server's message.</summary>
    public Task<string> DeleteAsync(int id, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Delete, Client.Api($"task/{id}"), null, cancellationToken);

    /// <summary>Stops a task: its unfinished runs become <c>killed by user</c> and the nodes stop the algorithms. Returns the server's message.</summary>
    public Task<string> KillAsync(int id, CancellationToken cancellationToken = default) =>
        Client.SendForMessageAsync(HttpMethod.Post, Client.Api("kill/task"), new { id }, cancellationToken);

    /// <summary>The task's status computed from its runs.</summary>
    public async Task<string> GetStatusAsync(int id, CancellationToken cancellationToken = default) =>
        (await Client.SendAsync(HttpMethod.Get, Client.Api($"task/{id}/status"), null, true, cancellationToken)).Json?["status"]?.GetValue<string>()
        ?? throw new V6ApiException(200, "The answer has no status.", null);

    /// <summary>
    /// Polls <c>/task/{id}/status</c> until the task is finished (completed or failed), waiting 1 s,
    /// then 1.5 times longer each round up to 300 s (see <see cref="WaitOptions"/>). Returns the final status.
    /// </summary>
    public async Task<string> WaitAsync(int id, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WaitOptions();
        var started = DateTime.UtcNow;
        var interval = options.InitialInterval;
        while (true)
        {
            var status = await GetStatusAsync(id, cancellationToken);
            if (TaskStatuses.IsFinished(status)) return status;
            if (options.Timeout is { } timeout && DateTime.UtcNow - started + interval > timeout)
                throw new TimeoutException($"Task {id} is still '{status}' after {timeout}.");
            await Task.Delay(interval, cancellationToken);
            interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * options.Factor), options.MaxInterval.Ticks));
        }
    }

    /// <summary>
    /// Waits for the task (<see cref="WaitAsync"/>) and returns its decrypted results, one per run.
    /// A task that ends in a failure status raises <see cref="V6TaskFailedException"/> carrying the results that exist.
    /// </summary>
    public async Task<IReadOnlyList<TaskResult>> WaitForResultsAsync(int id, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        var status = await WaitAsync(id, options, cancellationToken);
        var results = await Client.Results.FromTaskAsync(id, cancellationToken);
        if (status != TaskStatuses.Completed) throw new V6TaskFailedException(id, status, results);
        return results;
    }
}

/// <summary><c>/run</c>.</summary>
public sealed class RunClient : ResourceClient
{
    internal RunClient(V6Client client) : base(client) { }

    /// <summary>
    /// Lists runs (all pages; newest first), filtered by task, executing organization, node or
    /// collaboration; <paramref name="openOnly"/> keeps unfinished runs; <paramref name="includeTask"/> embeds the task.
    /// </summary>
    public Task<IReadOnlyList<Run>> ListAsync(int? taskId = null, int? organizationId = null, int? nodeId = null, int? collaborationId = null,
        bool openOnly = false, bool includeTask = false, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.ListAsync<Run>("run",
            new Query().Add("task_id", taskId).Add("organization_id", organizationId).Add("node_id", nodeId)
                .Add("collaboration_id", collaborationId).Add("state", openOnly ? "open" : null).Add("include", includeTask ? "task" : null),
            options, cancellationToken);

    /// <summary>Reads one run, optionally with its task embedded.</summary>
    public Task<Run> GetAsync(int id, bool includeTask = false, CancellationToken cancellationToken = default) =>
        Client.GetAsync<Run>(Client.Api($"run/{id}", new Query().Add("include", includeTask ? "task" : null)), cancellationToken);

    /// <summary>All runs of a task.</summary>
    public Task<IReadOnlyList<Run>> FromTaskAsync(int taskId, CancellationToken cancellationToken = default) =>
        ListAsync(taskId: taskId, cancellationToken: cancellationToken);

    /// <summary>
    /// The run's input as JSON text: decrypted (needs the key of the executing organization, so only
    /// possible for runs of one's own organization) or base64-decoded; downloaded first when a blob.
    /// </summary>
    public Task<string?> DecryptInputAsync(Run run, CancellationToken cancellationToken = default) =>
        Client.DecodePayloadAsync(run.Input, run.BlobStorageUsed == true, cancellationToken);
}

/// <summary><c>/result</c>: results decrypted with the organization's key.</summary>
public sealed class ResultClient : ResourceClient
{
    internal ResultClient(V6Client client) : base(client) { }

    /// <summary>Reads and decrypts one run's result.</summary>
    public async Task<TaskResult> GetAsync(int runId, CancellationToken cancellationToken = default) =>
        await DecryptAsync(await Client.GetAsync<RunResult>(Client.Api($"result/{runId}"), cancellationToken), cancellationToken);

    /// <summary>Lists and decrypts results (all pages), filtered by task, executing organization or collaboration.</summary>
    public async Task<IReadOnlyList<TaskResult>> ListAsync(int? taskId = null, int? organizationId = null, int? collaborationId = null,
        ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var raw = await Client.ListAsync<RunResult>("result",
            new Query().Add("task_id", taskId).Add("organization_id", organizationId).Add("collaboration_id", collaborationId),
            options, cancellationToken);
        var results = new List<TaskResult>(raw.Count);
        foreach (var r in raw.OrderBy(r => r.Id)) results.Add(await DecryptAsync(r, cancellationToken));
        return results;
    }

    /// <summary>All decrypted results of a task, ordered by run id.</summary>
    public Task<IReadOnlyList<TaskResult>> FromTaskAsync(int taskId, CancellationToken cancellationToken = default) =>
        ListAsync(taskId: taskId, cancellationToken: cancellationToken);

    /// <summary>Decrypts a raw result (blob results are downloaded first).</summary>
    public async Task<TaskResult> DecryptAsync(RunResult result, CancellationToken cancellationToken = default) => new()
    {
        RunId = result.Id,
        TaskId = result.Task?.Id,
        Json = await Client.DecodePayloadAsync(result.Result, result.BlobStorageUsed == true, cancellationToken),
    };
}
