using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vantage6.Common.Encryption;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Client.Tests;

/// <summary>Task, run and result clients: the user flow of node-protocol §4 with nodes played over REST.</summary>
public class TaskClientTests(V6TestServer server) : IClassFixture<V6TestServer>
{
    private const string Image = "harbor2.vantage6.ai/demo/average";

    private static TaskInput Average(string column = "age") =>
        new() { Method = "partial_average", Kwargs = new Dictionary<string, object?> { ["column_name"] = column } };

    /// <summary>The node's view of its open run of a task: (run id, stored input).</summary>
    private async Task<(int RunId, string Input)> OpenRunAsync(Network n, int nodeIndex, int taskId)
    {
        var (nodeId, _, token) = n.Nodes[nodeIndex];
        var open = (await server.GetAsync($"/api/run?state=open&node_id={nodeId}&task_id={taskId}&include=task", token)).ExpectStatus(200);
        var run = Assert.Single(open.Data)!;
        return (run["id"]!.GetValue<int>(), run["input"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnencryptedTask_InputIsBase64Json_ResultsComeBackParsed()
    {
        var n = await server.ArrangeAsync(encrypted: false, orgCount: 3);
        using var user = n.User;
        var task = await user.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = n.Collab, Organizations = n.Orgs, Name = "avg", Image = Image, Description = "mean age",
            Input = Average(), Databases = [new DatabaseSelection { Label = "default" }, new DatabaseSelection { Label = "sql", Query = "SELECT 1" }],
        });
        Assert.Equal("pending", task.Status);
        Assert.Equal(n.Orgs[0], task.InitOrg!.Id);
        Assert.Equal(user.Whoami!.UserId, task.InitUser!.Id);
        Assert.Equal(["default", "sql"], task.Databases!.Select(d => d.Label));
        Assert.Equal("{\"query\":\"SELECT 1\"}", task.Databases![1].Parameters);
        Assert.Equal("pending", await user.Tasks.GetStatusAsync(task.Id));

        // Each node receives base64 of the JSON input.
        for (int i = 0; i < 3; i++)
        {
            var (runId, input) = await OpenRunAsync(n, i, task.Id);
            var plain = JsonNode.Parse(Convert.FromBase64String(input))!;
            Assert.Equal("partial_average", plain["method"]!.GetValue<string>());
            Assert.Equal("age", plain["kwargs"]!["column_name"]!.GetValue<string>());
            Assert.Empty(plain["args"]!.AsArray());
            await server.FinishRunAsync(n.Nodes[i].Token, runId, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"avg\": {40 + i}, \"count\": {i + 1}}}")));
        }

        var results = await user.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick);
        Assert.Equal(3, results.Count);
        Assert.Equal(new[] { 40.0, 41.0, 42.0 }, results.Select(r => r.Parse()!["avg"]!.GetValue<double>()).Order());
        Assert.All(results, r => Assert.Equal(task.Id, r.TaskId));
        Assert.Equal(6, results.Sum(r => r.Deserialize<AverageResult>()!.Count));

        // Runs: list, get (with task), decode input.
        var runs = await user.Runs.FromTaskAsync(task.Id);
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("completed", r.Status));
        Assert.Equal(n.Orgs.Order(), runs.Select(r => r.Organization!.Id).Order());
        var run = await user.Runs.GetAsync(runs[0].Id, includeTask: true);
        Assert.Equal(Image, run.Task!.Image);
        Assert.Equal("done", run.Log);
        Assert.NotNull(run.FinishedAt);
        Assert.Equal(task.Id, (await user.Runs.GetAsync(runs[0].Id)).Task!.Id);
        Assert.Contains("partial_average", await user.Runs.DecryptInputAsync(run));
        Assert.Single(await user.Runs.ListAsync(taskId: task.Id, organizationId: n.Orgs[1]));
        Assert.Empty(await user.Runs.ListAsync(taskId: task.Id, openOnly: true));

        // Results: one by id, filtered list.
        var one = await user.Results.GetAsync(run.Id);
        Assert.Equal(run.Id, one.RunId);
        Assert.NotNull(one.Parse()!["avg"]);
        Assert.Equal(3, (await user.Results.ListAsync(taskId: task.Id, options: new ListOptions { PerPage = 2 })).Count);

        // Tasks: get with embedded runs/results, list, delete.
        var full = await user.Tasks.GetAsync(task.Id, includeRuns: true, includeResults: true);
        Assert.Equal("completed", full.Status);
        Assert.Equal(3, full.Runs!.Items!.Count);
        Assert.Equal(3, full.Results!.Items!.Count(r => !string.IsNullOrEmpty(r.Result)));
        Assert.Equal($"/api/run?task_id={task.Id}", (await user.Tasks.GetAsync(task.Id)).Runs!.Link);
        Assert.Contains(await user.Tasks.ListAsync(collaborationId: n.Collab, isUserCreated: true), t => t.Id == task.Id);
        Assert.Contains(await user.Tasks.ListAsync(name: "avg", initOrgId: n.Orgs[0]), t => t.Id == task.Id);
        Assert.Contains("successfully deleted", await user.Tasks.DeleteAsync(task.Id));
        await Assert.ThrowsAsync<V6NotFoundException>(() => user.Tasks.GetAsync(task.Id));
    }

    private sealed record AverageResult(double Avg, int Count);

    [Fact]
    public async Task EncryptedTask_InputPerOrganization_ResultDecryptedWithTheOrganizationKey()
    {
        var n = await server.ArrangeAsync(encrypted: true, orgCount: 2);
        using var user = n.User;

        // The user's organization key comes from a PEM file; setting up encryption uploads its public part.
        var keyFile = Path.Combine(Path.GetTempPath(), $"v6key-{Guid.NewGuid():N}.pem");
        try
        {
            V6Client.GeneratePrivateKey(keyFile, ClientTestSupport.TestKeySize);
            await user.SetupEncryptionAsync(keyFile);
            Assert.True(user.HasPrivateKey);
            using var ownKey = RsaKeys.LoadPrivateKey(keyFile);
            Assert.Equal(RsaKeys.PublicKeyField(ownKey), (await user.Organizations.GetAsync(n.Orgs[0])).PublicKey);
            using var otherKey = await server.GiveOrganizationKeyAsync(n.Nodes[1].Token, n.Orgs[1]);

            var task = await user.Tasks.CreateAsync(new NewTask
            {
                CollaborationId = n.Collab, Organizations = n.Orgs, Name = "secret", Image = Image, Input = Average("bmi"),
            });

            // Every node decrypts its own copy with its organization's key, and answers for the initiating organization.
            var keys = new[] { ownKey, otherKey };
            var runIds = new int[2];
            for (int i = 0; i < 2; i++)
            {
                var (runId, input) = await OpenRunAsync(n, i, task.Id);
                runIds[i] = runId;
                Assert.True(PayloadCryptor.IsEncryptedText(input));
                var plain = JsonNode.Parse(PayloadCryptor.DecryptText(input, keys[i]))!;
                Assert.Equal("bmi", plain["kwargs"]!["column_name"]!.GetValue<string>());
                Assert.ThrowsAny<CryptographicException>(() => PayloadCryptor.DecryptText(input, keys[1 - i]));

                var initOrg = (await server.GetAsync($"/api/organization/{n.Orgs[0]}", n.Nodes[i].Token)).ExpectStatus(200);
                using var recipient = RsaKeys.FromPublicKeyField(initOrg.Json!["public_key"]!.GetValue<string>());
                await server.FinishRunAsync(n.Nodes[i].Token, runId, PayloadCryptor.EncryptText(Encoding.UTF8.GetBytes($"{{\"org\": {n.Orgs[i]}}}"), recipient));
            }

            var results = await user.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick);
            Assert.Equal(n.Orgs.Order(), results.Select(r => r.Parse()!["org"]!.GetValue<int>()).Order());
            Assert.Equal(runIds.Order(), results.Select(r => r.RunId));

            // The input of the own organization's run can be read back; another organization's cannot.
            Assert.Contains("bmi", await user.Runs.DecryptInputAsync(await user.Runs.GetAsync(runIds[0])));
            await Assert.ThrowsAsync<V6EncryptionException>(async () => await user.Runs.DecryptInputAsync(await user.Runs.GetAsync(runIds[1])));

            // Without the private key the results stay closed.
            using var keyless = server.NewClient();
            await keyless.AuthenticateAsync("root", V6TestServer.RootPassword);
            var e = await Assert.ThrowsAsync<V6EncryptionException>(() => keyless.Results.FromTaskAsync(task.Id));
            Assert.Contains("private key", e.Message);

            // Setting the same key up again leaves the uploaded key alone; another key replaces it.
            await user.SetupEncryptionAsync(keyFile);
            Assert.Equal(RsaKeys.PublicKeyField(ownKey), (await user.Organizations.GetAsync(n.Orgs[0])).PublicKey);
            using var replacement = RsaKeys.Generate(ClientTestSupport.TestKeySize);
            await user.SetupEncryptionFromPemAsync(RsaKeys.ToPrivateKeyPem(replacement));
            Assert.Equal(RsaKeys.PublicKeyField(replacement), (await user.Organizations.GetAsync(n.Orgs[0])).PublicKey);
            await Assert.ThrowsAsync<V6EncryptionException>(() => user.Results.FromTaskAsync(task.Id));
        }
        finally { File.Delete(keyFile); }
    }

    [Fact]
    public async Task EncryptedTask_ForAnOrganizationWithoutKey_IsRefusedBeforeSending()
    {
        var n = await server.ArrangeAsync(encrypted: true, orgCount: 2);
        using var user = n.User;
        var e = await Assert.ThrowsAsync<V6EncryptionException>(() => user.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = n.Collab, Organizations = n.Orgs, Image = Image, Input = Average(),
        }));
        Assert.Contains("no public key", e.Message);
        Assert.Empty(await user.Tasks.ListAsync(collaborationId: n.Collab));
        await Assert.ThrowsAsync<ArgumentException>(() => user.Tasks.CreateAsync(new NewTask
        {
            CollaborationId = n.Collab, Organizations = n.Orgs, Image = Image, Input = Average(), Databases = [new DatabaseSelection { Label = "1bad" }],
        }));
    }

    [Fact]
    public async Task Kill_FailedRuns_AndWaitTimeout()
    {
        var n = await server.ArrangeAsync(encrypted: false, orgCount: 2);
        using var user = n.User;
        NewTask NewTask() => new() { CollaborationId = n.Collab, Organizations = n.Orgs, Image = Image, Input = Average() };

        // A pending task does not finish within a short wait.
        var task = await user.Tasks.CreateAsync(NewTask());
        await Assert.ThrowsAsync<TimeoutException>(() => user.Tasks.WaitAsync(task.Id,
            new WaitOptions { InitialInterval = TimeSpan.FromMilliseconds(20), Timeout = TimeSpan.FromMilliseconds(300) }));

        // Killing it finishes every run with "killed by user".
        Assert.Contains("instructed to kill", await user.Tasks.KillAsync(task.Id));
        Assert.Equal("killed by user", await user.Tasks.WaitAsync(task.Id, ClientTestSupport.Quick));
        var failed = await Assert.ThrowsAsync<V6TaskFailedException>(() => user.Tasks.WaitForResultsAsync(task.Id, ClientTestSupport.Quick));
        Assert.Equal("killed by user", failed.Status);
        Assert.Equal(2, failed.Results.Count);
        Assert.All(failed.Results, r => Assert.Null(r.Json));
        var again = await Assert.ThrowsAsync<V6BadRequestException>(() => user.Tasks.KillAsync(task.Id));
        Assert.Equal($"Task {task.Id} already finished with status 'killed by user', so cannot kill it!", again.ServerMessage);

        // A crashed run fails the task; the completed run's result is still there.
        var second = await user.Tasks.CreateAsync(NewTask());
        var (run0, _) = await OpenRunAsync(n, 0, second.Id);
        await server.FinishRunAsync(n.Nodes[0].Token, run0, Convert.ToBase64String("{\"ok\": true}"u8));
        var (run1, _) = await OpenRunAsync(n, 1, second.Id);
        await server.FinishRunAsync(n.Nodes[1].Token, run1, "", status: "crashed");
        var crashed = await Assert.ThrowsAsync<V6TaskFailedException>(() => user.Tasks.WaitForResultsAsync(second.Id, ClientTestSupport.Quick));
        Assert.Equal("crashed", crashed.Status);
        Assert.True(crashed.Results.Single(r => r.RunId == run0).Parse()!["ok"]!.GetValue<bool>());
        Assert.Equal("", crashed.Results.Single(r => r.RunId == run1).Json);
    }

    [Fact]
    public async Task StudyTask_RunsOnlyAtTheStudyOrganizations()
    {
        var n = await server.ArrangeAsync(encrypted: false, orgCount: 2);
        using var user = n.User;
        var study = await n.Root.Studies.CreateAsync(V6TestServer.Unique("study"), n.Collab, [n.Orgs[1]]);
        var task = await user.Tasks.CreateAsync(new NewTask { StudyId = study.Id, Organizations = [n.Orgs[1]], Image = Image, Input = Average() });
        Assert.Equal(study.Id, task.Study!.Id);
        Assert.Equal(n.Collab, task.Collaboration!.Id);
        Assert.Equal(n.Orgs[1], Assert.Single(await user.Runs.FromTaskAsync(task.Id)).Organization!.Id);
        Assert.Contains(await user.Tasks.ListAsync(studyId: study.Id), t => t.Id == task.Id);
    }
}
