using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Vantage6.Common;
using Vantage6.Server.Auth;
using Vantage6.Server.Blobs;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;
using Vantage6.Server.Infrastructure;
using Vantage6.Server.Realtime;

namespace Vantage6.Server.Api;

/// <summary><c>/task</c> (api-federation §6).</summary>
public static class TaskApi
{
    private const string Resource = "task";
    private static readonly string[] DatabaseKeys = ["label", "query", "sheet_name", "preprocessing", "arguments"];

    private static readonly BodySchema CreateSchema = new BodySchema()
        .String("image", required: true, checks: v => ((string)v).Length < 1 ? "Shorter than minimum length 1." : null)
        .Any("organizations", required: true)
        .Integer("collaboration_id", checks: BodySchema.AtLeast(1))
        .Integer("study_id", checks: BodySchema.AtLeast(1))
        .String("name", checks: Names.Checks)
        .String("description", checks: BodySchema.MaxLength(1024))
        .Integer("store_id", checks: BodySchema.AtLeast(1))
        .String("server_url")
        .Add(new FieldSpec("databases", FieldType.Any, false, true, []));

    public static RouteGroupBuilder MapTaskApi(this RouteGroupBuilder api)
    {
        api.MapGet("/task", List).For(Callers.All);
        api.MapPost("/task", Create).For(Callers.User | Callers.Container);
        api.MapGet("/task/{id:int:min(0)}", Get).For(Callers.All);
        api.MapDelete("/task/{id:int:min(0)}", Delete).For(Callers.User);
        api.MapGet("/task/{id:int:min(0)}/status", Status).For(Callers.User | Callers.Container);
        return api;
    }

    internal static bool Includes(HttpContext ctx, string what) => CollaborationApi.Includes(ctx, what);

    /// <summary>May the caller see this task: ORG-CHECK on its initiating organization, or OWN.</summary>
    internal static bool CanView(Actor actor, string resource, TaskEntity t) =>
        actor.On(resource).AllowedForOrg(Operation.VIEW, t.InitOrgId)
        || (actor.IsUser && actor.Has(resource, Scope.OWN, Operation.VIEW) && t.InitUserId == actor.Id);

    private static async Task<IResult> List(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, CountCache counts)
    {
        var perm = actor.On(Resource);
        var req = ctx.Request;
        var maxScope = perm.MaxScope(Operation.VIEW) ?? throw ApiException.Unauthorized("You lack the permission to do that!");
        if (maxScope == Scope.OWN && !actor.IsUser) throw ApiException.Unauthorized("You lack the permission to do that!");
        bool includeResults = Includes(ctx, "results"), includeRuns = Includes(ctx, "runs");
        if (includeResults)
        {
            var runScope = actor.On("run").MaxScope(Operation.VIEW);
            if (runScope is null || runScope < maxScope)
                throw ApiException.Unauthorized(
                    $"You cannot view the results of all tasks, as you are allowed to view tasks with scope {maxScope.Word()} but you can only view results with scope {runScope?.Word() ?? "None"}");
        }
        async Task<List<object>> Render(List<TaskEntity> rows)
        {
            var context = await TaskViews.Context.LoadAsync(db, rows.ConvertAll(t => t.Id), rows, RunRowsFor(includeRuns, includeResults), nodes: includeRuns);
            return rows.ConvertAll(t => (object)TaskViews.Task(t, context, paths, includeRuns, includeResults));
        }
        // The plain page (the UI's task list): no filter, default order; read with plain SQL.
        if (Pagination.OnlyPaging(req, "include") && ScopeCondition(actor, maxScope) is { } visible)
            return await Pagination.PageAsync(ctx, Pagination.PageRequest.Parse(ctx), page => PlainPage.ReadAsync(db, counts, "task", TaskRows.TaskColumns,
                visible, TaskRows.ReadTask, TaskRows.TaskColumnCount, page.Skip, page.PerPage, newestFirst: true, ctx.RequestAborted), Render);

        IQueryable<TaskEntity> q = db.Tasks.AsNoTracking();
        var orgId = actor.OrganizationId;
        switch (maxScope)
        {
            case Scope.COLLABORATION:
                var collabs = actor.OrganizationCollaborations.ToList();
                q = q.Where(t => t.CollaborationId != null && collabs.Contains(t.CollaborationId.Value));
                break;
            case Scope.ORGANIZATION: q = q.Where(t => t.InitOrgId == orgId); break;
            case Scope.OWN: q = q.Where(t => t.InitUserId == actor.Id); break;
        }
        void RequireCol(int? collaborationId, string message)
        {
            if (!perm.CanForCollaboration(Operation.VIEW, collaborationId)) throw ApiException.Unauthorized(message);
        }
        if (req.Int("collaboration_id") is { } collabId)
        {
            RequireCol(collabId, $"You lack the permission to view tasks from collaboration {collabId}!");
            q = q.Where(t => t.CollaborationId == collabId);
        }
        if (req.Int("init_org_id") is { } initOrg)
        {
            if (!perm.AllowedForOrg(Operation.VIEW, initOrg)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(t => t.InitOrgId == initOrg);
        }
        if (req.Int("init_user_id") is { } initUser)
        {
            var userOrg = await db.Users.AsNoTracking().Where(u => u.Id == initUser).Select(u => new { u.OrganizationId }).FirstOrDefaultAsync()
                          ?? throw ApiException.BadRequest($"User id={initUser} does not exist!");
            bool own = actor.IsUser && initUser == actor.Id && perm.Has(Scope.OWN, Operation.VIEW);
            if (!own && !perm.AllowedForOrg(Operation.VIEW, userOrg.OrganizationId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            q = q.Where(t => t.InitUserId == initUser);
        }
        if (req.Int("study_id") is { } studyId)
        {
            var study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == studyId)
                        ?? throw ApiException.BadRequest($"Study id={studyId} does not exist!");
            RequireCol(study.CollaborationId, "You lack the permission to do that!");
            q = q.Where(t => t.StudyId == studyId);
        }
        if (req.Int("parent_id") is { } parentId)
        {
            var parent = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == parentId)
                         ?? throw ApiException.BadRequest($"Parent task id={parentId} does not exist!");
            RequireCol(parent.CollaborationId, "You lack the permission to do that!");
            q = q.Where(t => t.ParentId == parentId);
        }
        if (req.Int("job_id") is { } jobId)
        {
            var any = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.JobId == jobId)
                      ?? throw ApiException.BadRequest($"Job id={jobId} does not exist!");
            RequireCol(any.CollaborationId, "You lack the permission to do that!");
            q = q.Where(t => t.JobId == jobId);
        }
        if (req.Str("name") is { } name) q = q.Where(t => EF.Functions.Like(t.Name!, name));
        if (req.Str("image") is { } image) q = q.Where(t => EF.Functions.Like(t.Image!, image));
        if (req.Str("description") is { } description) q = q.Where(t => EF.Functions.Like(t.Description!, description));
        if (req.Int("run_id") is { } runId)
        {
            var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId) ?? throw ApiException.BadRequest($"Run id={runId} does not exist!");
            var runCollab = await db.Tasks.AsNoTracking().Where(t => t.Id == run.TaskId).Select(t => t.CollaborationId).FirstOrDefaultAsync();
            RequireCol(runCollab, "You lack the permission to do that!");
            q = q.Where(t => t.Id == run.TaskId);
        }
        if (req.Int("store_id") is { } storeId)
        {
            if (!await db.AlgorithmStores.AnyAsync(s => s.Id == storeId)) throw ApiException.BadRequest($"Algorithm store id={storeId} does not exist!");
            q = q.Where(t => t.AlgorithmStoreId == storeId);
        }
        if (req.Str("database") is { } label) q = q.Where(t => db.TaskDatabases.Any(d => d.TaskId == t.Id && d.Database == label));
        if (req.Str("is_user_created") is { } userCreated)
        {
            if (!int.TryParse(userCreated, out var flag))
                throw ApiException.BadRequest($"Invalid value for 'is_user_created' provided: '{userCreated}'. Should be an integer.");
            q = flag == 0 ? q.Where(t => t.ParentId != null) : q.Where(t => t.ParentId == null);
        }
        if (req.Str("status") is { } status) q = WithStatus(db, q, status);

        return await Pagination.PageAsync(ctx, db, q, Render, "Task", newestFirst: true);
    }

    /// <summary>The tasks a scope shows, as SQL on the task table (null: not expressible, use the query path).</summary>
    private static string? ScopeCondition(Actor actor, Scope scope) => scope switch
    {
        Scope.GLOBAL => "1 = 1",
        Scope.COLLABORATION => $"collaboration_id IN ({RowReader.IdList(actor.OrganizationCollaborations)})",
        Scope.ORGANIZATION when actor.OrganizationId is { } org => FormattableString.Invariant($"init_org_id = {org}"),
        Scope.OWN when actor.IsUser => FormattableString.Invariant($"init_user_id = {actor.Id}"),
        _ => null,
    };

    /// <summary>A task shows its status from its runs; whole run rows only when runs or results are rendered.</summary>
    private static TaskViews.Context.RunRows RunRowsFor(bool includeRuns, bool includeResults) =>
        includeRuns || includeResults ? TaskViews.Context.RunRows.Full : TaskViews.Context.RunRows.StatusOnly;

    /// <summary>The derived status as a query, so filtering happens before paging.</summary>
    private static IQueryable<TaskEntity> WithStatus(V6DbContext db, IQueryable<TaskEntity> q, string status)
    {
        string[] ok = [RunStatus.Pending, RunStatus.Initializing, RunStatus.Active, RunStatus.Completed];
        var runs = db.Runs;
        var noFailure = q.Where(t => !runs.Any(r => r.TaskId == t.Id && (r.Status == null || !ok.Contains(r.Status))));
        switch (status)
        {
            case RunStatus.Active: return noFailure.Where(t => runs.Any(r => r.TaskId == t.Id && r.Status == RunStatus.Active));
            case RunStatus.Initializing:
                return noFailure.Where(t => !runs.Any(r => r.TaskId == t.Id && r.Status == RunStatus.Active)
                                            && runs.Any(r => r.TaskId == t.Id && r.Status == RunStatus.Initializing));
            case RunStatus.Pending:
                return noFailure.Where(t => !runs.Any(r => r.TaskId == t.Id && (r.Status == RunStatus.Active || r.Status == RunStatus.Initializing))
                                            && runs.Any(r => r.TaskId == t.Id && r.Status == RunStatus.Pending));
            case RunStatus.Completed:
                return noFailure.Where(t => !runs.Any(r => r.TaskId == t.Id && r.Status != RunStatus.Completed));
            case RunStatus.Failed:
                // "failed" itself, or several different failure statuses
                return q.Where(t => runs.Any(r => r.TaskId == t.Id && r.Status == RunStatus.Failed)
                    || runs.Where(r => r.TaskId == t.Id && r.Status != null && !ok.Contains(r.Status)).Select(r => r.Status).Distinct().Count() > 1);
            default:
                return q.Where(t => runs.Any(r => r.TaskId == t.Id && r.Status == status)
                                    && !runs.Any(r => r.TaskId == t.Id && (r.Status == null || (!ok.Contains(r.Status) && r.Status != status))));
        }
    }

    private static async Task<IResult> Get(int id, HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id) ?? throw ApiException.NotFound($"task id={id} is not found");
        if (!CanView(actor, Resource, task)) throw ApiException.Unauthorized("You lack the permission to do that!");
        bool includeResults = Includes(ctx, "results");
        if (includeResults && !CanView(actor, "run", task) &&
            !(actor.IsUser && actor.Has(Resource, Scope.OWN, Operation.VIEW) && task.InitUserId == actor.Id))
            throw ApiException.Unauthorized("You lack the permission to view results for this task!");
        bool includeRuns = Includes(ctx, "runs");
        var context = await TaskViews.Context.LoadAsync(db, [id], [task], RunRowsFor(includeRuns, includeResults), nodes: includeRuns);
        return Results.Json(TaskViews.Task(task, context, paths, includeRuns, includeResults));
    }

    private static async Task<IResult> Status(int id, Actor actor, V6DbContext db)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id) ?? throw ApiException.NotFound($"Task id={id} not found");
        if (!CanView(actor, Resource, task)) throw ApiException.Unauthorized("You lack the permission to do that!");
        var statuses = await db.Runs.AsNoTracking().Where(r => r.TaskId == id).Select(r => r.Status).ToListAsync();
        return Results.Json(new { status = TaskViews.Status(statuses) });
    }

    private static async Task<IResult> Delete(int id, Actor actor, V6DbContext db, IEventPublisher events, BlobStore blobs)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id) ?? throw ApiException.NotFound($"Task id={id} not found");
        var perm = actor.On(Resource);
        if (!perm.AllowedForOrg(Operation.DELETE, task.InitOrgId) && !(perm.Has(Scope.OWN, Operation.DELETE) && task.InitUserId == actor.Id))
            throw ApiException.Unauthorized("You lack the permission to do that!");
        await using var tx = await db.Database.BeginTransactionAsync();
        var killed = await KillApi.KillRunsAsync(db, task);
        var blobIds = await db.Runs.AsNoTracking().Where(r => r.BlobStorageUsed == true && r.TaskId == id)
            .Select(r => new { r.Input, r.Result }).ToListAsync();
        await Deletion.DeleteTasksAsync(db, [id]);
        await tx.CommitAsync();
        blobs.Delete(blobIds.SelectMany(b => new[] { b.Input, b.Result })); // anything missed here is removed by the hourly orphan sweep
        KillApi.PublishKill(events, task, killed);
        return Results.Json(new { msg = $"task id={id} and its algorithm run data have been successfully deleted" });
    }

    private static async Task<IResult> Create(HttpContext ctx, Actor actor, V6DbContext db, ApiPaths paths, IEventPublisher events, BlobStore blobs)
    {
        JsonElement json;
        try { json = await RequestBody.ReadJsonAsync(ctx); }
        catch (ApiException e) when (e.Status == 400) { throw ApiException.BadRequest("Request body is incorrect"); }
        return await CreateFromJsonAsync(ctx, json, actor, db, paths, events, blobs);
    }

    /// <summary>The whole task-creation path (§6.3); also used by <c>POST /column</c>.</summary>
    internal static async Task<IResult> CreateFromJsonAsync(HttpContext ctx, JsonElement json, Actor actor, V6DbContext db, ApiPaths paths, IEventPublisher events,
        BlobStore blobs)
    {
        var body = CreateSchema.Validate(json);
        var targets = ParseOrganizations(body.Element("organizations")!.Value);
        var databases = ParseDatabases(body.Element("databases"));
        if (!body.Has("collaboration_id") && !body.Has("study_id"))
            throw ApiException.Validation(new JsonObject { ["_schema"] = new JsonArray("Collaboration_id or study_id is required") });

        int? collabId = body.Int("collaboration_id");
        var collaboration = collabId is null ? null
            : await FindCollaborationAsync(db, collabId.Value) ?? throw ApiException.NotFound($"Collaboration id={collabId} not found!");
        Study? study = null;
        if (body.Int("study_id") is { } studyId)
        {
            study = await db.Studies.AsNoTracking().FirstOrDefaultAsync(s => s.Id == studyId) ?? throw ApiException.NotFound($"Study id={studyId} not found");
            if (collabId is not null && study.CollaborationId != collabId)
                throw ApiException.BadRequest($"The study id={studyId} does not belong to collaboration id={collabId}");
            collabId = study.CollaborationId;
            collaboration ??= collabId is null ? null : await FindCollaborationAsync(db, collabId.Value);
        }
        if (collaboration is null) throw ApiException.NotFound($"Collaboration id={collabId} not found!");
        var orgIds = targets.Select(t => t.Id).ToList();
        var members = await RowReader.ListAsync(db, $"SELECT organization_id FROM {Schema.Quote("Member")} WHERE collaboration_id = {collabId}", r => r.Int(0));
        if (orgIds.Any(o => !members.Contains(o)))
            throw ApiException.BadRequest("At least one of the supplied organizations in not within the collaboration.");
        if (study is not null)
        {
            var studyMembers = await db.StudyMembers.AsNoTracking().Where(m => m.StudyId == study.Id).Select(m => m.OrganizationId).ToListAsync();
            if (orgIds.Any(o => !studyMembers.Contains(o)))
                throw ApiException.BadRequest("At least one of the supplied organizations in not within the specified study.");
        }
        var nodes = await RowReader.ListAsync(db,
            $"SELECT id, organization_id FROM node WHERE collaboration_id = {collabId} AND organization_id IN ({RowReader.IdList(orgIds)})",
            r => new Node { Id = r.GetInt32(0), OrganizationId = r.Int(1) });
        var missing = orgIds.Where(o => nodes.All(n => n.OrganizationId != o)).Distinct().ToList();
        if (missing.Count > 0)
            throw ApiException.BadRequest($"Cannot create this task because there are no nodes registered for the following organization(s): {string.Join(", ", missing)}.");
        if (actor.IsUser) await CheckNodePoliciesAsync(db, actor, nodes);

        var initOrg = actor.OrganizationId;
        if (!members.Contains(initOrg ?? -1))
            throw ApiException.Unauthorized("You can only create tasks for collaborations you are participating in!");
        var image = body.String("image")!;
        TaskEntity? parent = null;
        int? storeId = null;
        if (actor.IsUser)
        {
            if (!actor.On(Resource).CanForCollaboration(Operation.CREATE, collabId)) throw ApiException.Unauthorized("You lack the permission to do that!");
            if (body.Int("store_id") is { } sid)
            {
                var store = await db.AlgorithmStores.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sid)
                            ?? throw ApiException.BadRequest($"Algorithm store id={sid} not found!");
                (image, storeId) = await AlgorithmStoreApi.ResolveTaskImageAsync(store, collabId, image, body.String("server_url"), ctx);
            }
        }
        else
        {
            var container = actor.Container!;
            parent = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == container.TaskId);
            var parentStatuses = parent is null ? [] : await db.Runs.AsNoTracking().Where(r => r.TaskId == parent.Id).Select(r => r.Status).ToListAsync();
            if (parent is null || !image.EndsWith(container.Image, StringComparison.Ordinal) || RunStatus.IsFinished(TaskViews.Status(parentStatuses))
                || container.CollaborationId != collabId)
                throw ApiException.Unauthorized("Container-token is not valid");
            image = parent.Image ?? image;
            storeId = parent.AlgorithmStoreId;
        }
        if (blobs.Enabled) CheckBlobInputs(targets);
        else CheckInputs(targets, collaboration.Encrypted ?? true);

        var now = DateTime.UtcNow;
        var task = new TaskEntity
        {
            Name = body.String("name") ?? "", Description = body.String("description") ?? "", Image = image,
            CollaborationId = collabId, StudyId = study?.Id, InitOrgId = initOrg, AlgorithmStoreId = storeId, CreatedAt = now,
            ParentId = parent?.Id, InitUserId = parent is null ? actor.Id : parent.InitUserId, JobId = parent?.JobId,
        };
        await TaskWriter.InsertAsync(db, task, databases.ConvertAll(d => new TaskWriter.NewDatabase(d.Label, d.Parameters)),
            targets.ConvertAll(t => new TaskWriter.NewRun(t.Id, t.Input)), blobs.Enabled);
        events.Publish(new ServerEvent("new_task", new JsonObject { ["id"] = task.Id, ["parent_id"] = task.ParentId }, Rooms.Collaboration(collabId)));
        // The response needs only what was just written: the runs' status (all pending) and the databases.
        var context = new TaskViews.Context
        {
            Runs = targets.ToLookup(_ => (int?)task.Id, _ => new Run { TaskId = task.Id, Status = RunStatus.Pending }),
            Databases = databases.ToLookup(_ => (int?)task.Id, d => new TaskDatabase { TaskId = task.Id, Database = d.Label, Parameters = d.Parameters }),
            Ports = Array.Empty<AlgorithmPort>().ToLookup(p => p.RunId),
            Nodes = [],
            Tasks = new Dictionary<int, TaskEntity> { [task.Id] = task },
        };
        return Results.Json(TaskViews.Task(task, context, paths), statusCode: 201);
    }

    /// <summary>The collaboration's encryption flag, or null when it does not exist.</summary>
    private static async Task<Collaboration?> FindCollaborationAsync(V6DbContext db, int id)
    {
        var rows = await RowReader.ListAsync(db, $"SELECT id, encrypted FROM collaboration WHERE id = {id}",
            r => new Collaboration { Id = r.GetInt32(0), Encrypted = r.Bool(1) });
        return rows.Count == 0 ? null : rows[0];
    }

    private sealed record Target(int Id, string? Input);

    private static List<Target> ParseOrganizations(JsonElement e)
    {
        var errors = new JsonObject();
        var result = new List<Target>();
        if (e.ValueKind != JsonValueKind.Array) errors["organizations"] = new JsonArray("Not a valid list.");
        else
        {
            int i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id) || !id.TryGetInt32(out var orgId))
                    errors["organizations"] = new JsonObject { [i.ToString()] = new JsonArray("Each organization needs an integer 'id'.") };
                else
                    result.Add(new Target(orgId, item.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String ? input.GetString() : null));
                i++;
            }
            if (result.Count == 0 && errors.Count == 0) errors["organizations"] = new JsonArray("Shorter than minimum length 1.");
        }
        if (errors.Count > 0) throw ApiException.Validation(errors);
        return result;
    }

    private sealed record DatabaseEntry(string Label, string Parameters);

    private static List<DatabaseEntry> ParseDatabases(JsonElement? e)
    {
        if (e is null) return [];
        if (e.Value.ValueKind != JsonValueKind.Array) throw ApiException.Validation(new JsonObject { ["databases"] = new JsonArray("Not a valid list.") });
        var result = new List<DatabaseEntry>();
        foreach (var item in e.Value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String)
                throw ApiException.Validation(new JsonObject { ["databases"] = new JsonArray("Each database needs a string 'label'.") });
            var unknown = item.EnumerateObject().Select(p => p.Name).Where(k => !DatabaseKeys.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw ApiException.BadRequest($"Database {label.GetString()} contains unknown keys. Allowed keys are {string.Join(", ", DatabaseKeys)}.");
            if (item.TryGetProperty("preprocessing", out var pre) &&
                (pre.ValueKind != JsonValueKind.Array || pre.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("function", out _))))
                throw ApiException.Validation(new JsonObject { ["databases"] = new JsonArray("Each preprocessing step must contain a 'function'.") });
            var parameters = new JsonObject();
            foreach (var p in item.EnumerateObject().Where(p => p.Name != "label")) parameters[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            result.Add(new DatabaseEntry(label.GetString()!, parameters.ToJsonString()));
        }
        return result;
    }

    private static async Task CheckNodePoliciesAsync(V6DbContext db, Actor actor, List<Node> nodes)
    {
        var ids = nodes.Select(n => n.Id).ToList();
        var rows = await RowReader.ListAsync(db,
            $"SELECT node_id, {Schema.Quote("key")}, value FROM nodeconfig WHERE node_id IN ({RowReader.IdList(ids)}) " +
            $"AND {Schema.Quote("key")} IN ('allowed_users', 'allowed_orgs')",
            r => new NodeConfig { NodeId = r.Int(0), Key = r.Text(1), Value = r.Text(2) });
        if (rows.Count == 0) return;
        var orgName = await db.Organizations.AsNoTracking().Where(o => o.Id == actor.OrganizationId).Select(o => o.Name).FirstOrDefaultAsync();
        foreach (var group in rows.GroupBy(r => r.NodeId))
        {
            bool allowed = group.Any(r => r.Key == "allowed_users" && int.TryParse(r.Value, out var u) && u == actor.Id)
                           || group.Any(r => r.Key == "allowed_orgs" &&
                                             (int.TryParse(r.Value, out var o) ? o == actor.OrganizationId : r.Value == orgName));
            if (!allowed)
                throw ApiException.BadRequest(
                    "Cannot create this task because one of the nodes that you are trying to send this task to does not allow you to create tasks.");
        }
    }

    /// <summary>Encrypted collaborations take only unreadable (encrypted) input; others only base64 of UTF-8 text.</summary>
    private static void CheckInputs(List<Target> targets, bool encrypted)
    {
        foreach (var t in targets)
        {
            bool readable = IsReadable(t.Input);
            if (encrypted && readable)
                throw ApiException.BadRequest("Your collaboration requires encryption, but input is not encrypted! Please encrypt your input before sending it.");
            if (!encrypted && !readable)
                throw ApiException.BadRequest(
                    "Your task's input cannot be parsed. Your input should be a base64 encoded JSON string. Note that if you are using the user interface or Python client, this should be done for you.");
        }
    }

    /// <summary>With a blob store every input is the UUID of an uploaded blob.</summary>
    private static void CheckBlobInputs(List<Target> targets)
    {
        foreach (var t in targets)
            if (!Guid.TryParse(t.Input, out _))
                throw ApiException.BadRequest(
                    "Your task's input cannot be parsed. Your input should be a UUID as a large result store has been configured. Upload the input to /blobstream first.");
    }

    /// <summary>Lenient base64 (characters outside the alphabet are dropped), then strict UTF-8.</summary>
    internal static bool IsReadable(string? input)
    {
        if (input is null) return false;
        var clean = new StringBuilder(input.Length);
        foreach (var c in input)
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/') clean.Append(c);
        var text = clean.ToString();
        if (text.Length % 4 == 1) return false;
        text = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        try
        {
            var bytes = Convert.FromBase64String(text);
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (FormatException) { return false; }
        catch (DecoderFallbackException) { return false; }
        catch (ArgumentException) { return false; }
    }
}
