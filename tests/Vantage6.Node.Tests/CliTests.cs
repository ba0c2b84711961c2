using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vantage6.Common.Encryption;

namespace Vantage6.Node.Tests;

/// <summary>The <c>vnode</c> commands as a user types them, against a real server.</summary>
public class CliTests(TestNetwork network) : IClassFixture<TestNetwork>
{
    private Task<ProcessResult> VnodeWithInput(string input, params string[] args) => network.RunAsync(TestNetwork.VnodeDll, args, 120, input);
    private Task<ProcessResult> Vnode(params string[] args) => network.RunAsync(TestNetwork.VnodeDll, args, 120);
    private string ConfigFile(string name) => Path.Combine(network.Root, "config", "vantage6", "node", name + ".yaml");
    private static readonly string Csv = Path.Combine(TestNetwork.RepoRoot, "examples", "data", "hospital_b.csv");
    private static readonly string Average = Path.Combine(TestNetwork.RepoRoot, "examples", "algorithms", "average.py");

    [Fact]
    public async Task New_Files_List_SetApiKey_Start_Version_Stop_Remove()
    {
        var created = await Vnode("new", "--name", "cli-node", "--api-key", "99999999-9999-4999-8999-999999999999", "--server-url", "http://127.0.0.1",
            "--port", network.Port.ToString(), "--database", $"default={Csv}", "--algorithm", $"v6-average=python3 {Average}");
        Assert.True(created.ExitCode == 0, created.Output + created.Errors);
        Assert.Contains($"New configuration created: {ConfigFile("cli-node")}", created.Output);
        Assert.Contains("You can start the node by running vnode start", created.Output);
        var again = await Vnode("new", "--name", "cli-node", "--api-key", "x");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Configuration cli-node already exists!", again.Output);

        var files = await Vnode("files", "--name", "cli-node");
        Assert.Contains($"Configuration file = {ConfigFile("cli-node")}", files.Output);
        Assert.Contains($" - default         = {Csv} (type: csv)", files.Output);

        var list = await Vnode("list");
        Assert.Matches(@"cli-node\s+Not running\s+User", list.Output);

        // A wrong api key: start fails with the server's refusal and leaves nothing running.
        var refused = await Vnode("start", "--name", "cli-node");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("did not start", refused.Output);
        Assert.Contains("api key", refused.Output);

        var set = await Vnode("set-api-key", "--name", "cli-node", "--api-key", TestNetwork.ApiKey("plain", 1));
        Assert.Contains("Your new API key has been uploaded to the config file", set.Output);
        Assert.Contains(TestNetwork.ApiKey("plain", 1), File.ReadAllText(ConfigFile("cli-node")));

        var started = await Vnode("start", "--name", "cli-node");
        Assert.True(started.ExitCode == 0, started.Output + started.Errors);
        Assert.Contains("Node cli-node is running", started.Output);
        var twice = await Vnode("start", "--name", "cli-node");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("Node cli-node is already running", twice.Output);
        Assert.Matches(@"cli-node\s+Running\s+User", (await Vnode("list")).Output);
        Assert.Contains("'node': '4.14.0", (await Vnode("version", "--name", "cli-node")).Output);
        var removeRunning = await Vnode("remove", "--name", "cli-node", "--force");
        Assert.Equal(1, removeRunning.ExitCode);

        var stopped = await Vnode("stop", "--name", "cli-node");
        Assert.Contains("Stopped the vantage6-cli-node-user Node.", stopped.Output);
        Assert.Matches(@"cli-node\s+Not running\s+User", (await Vnode("list")).Output);
        var none = await Vnode("stop", "--name", "cli-node");
        Assert.Equal(0, none.ExitCode);
        Assert.Contains("No nodes are currently running.", none.Output);

        var removed = await Vnode("remove", "--name", "cli-node", "--force");
        Assert.True(removed.ExitCode == 0, removed.Output);
        Assert.False(File.Exists(ConfigFile("cli-node")));
    }

    [Fact]
    public async Task Wizard_AsksTheSpecQuestions_AndChecksTheServer()
    {
        var answers = string.Join('\n',
            TestNetwork.ApiKey("plain", 2),   // api key
            "http://127.0.0.1",               // server url
            network.Port.ToString(),          // port
            "",                               // api path: /api
            "",                               // task dir: default
            "y", "default", Csv, "1",         // a csv database
            "n",                              // no more databases
            "y", "y", "v6-average", "n",      // limit algorithms: one expression
            "y", "v6-average", $"python3 {Average}", "n",   // a process-runtime algorithm
            "2",                              // logging INFO
            "y") + "\n";                      // encryption disabled: accept
        var created = await VnodeWithInput(answers, "new", "--name", "wizard-node");
        Assert.True(created.ExitCode == 0, created.Output + created.Errors);
        Assert.Contains("Encryption is disabled for this collaboration. Accept?", created.Output);
        var yaml = File.ReadAllText(ConfigFile("wizard-node"));
        Assert.Contains($"port: {network.Port}\n", yaml);
        Assert.Contains("  enabled: false\n", yaml);
        Assert.Contains("allowed_algorithms:\n    - \"v6-average\"", yaml);
        Assert.Contains("level: INFO", yaml);
        Assert.Contains($"uri: \"{Csv}\"", yaml);
    }

    [Fact]
    public async Task CreatePrivateKey_WritesRsa4096_UpdatesTheConfig_AndUploadsThePublicKey()
    {
        var created = await Vnode("new", "--name", "key-node", "--api-key", TestNetwork.ApiKey("secret", 2), "--server-url", "http://127.0.0.1",
            "--port", network.Port.ToString(), "--database", $"default={Csv}");
        Assert.Equal(0, created.ExitCode);
        var result = await Vnode("create-private-key", "--name", "key-node", "--username", TestNetwork.Users[2], "--password", TestNetwork.Password);
        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        Assert.Contains("[Done]", result.Output);
        var keyFile = Path.Combine(network.Root, "data", "vantage6", "node", "privkey_Hospital_C.pem");
        Assert.True(File.Exists(keyFile), result.Output);
        var pem = File.ReadAllText(keyFile);
        Assert.DoesNotContain(pem.Split('\n')[1], result.Output);
        using var rsa = RsaKeys.FromPrivateKeyPem(pem);
        Assert.Equal(4096, rsa.KeySize);
        var yaml = File.ReadAllText(ConfigFile("key-node"));
        Assert.Contains("  enabled: true\n", yaml);
        Assert.Contains(keyFile, yaml);
        using var http = TestNetwork.Http(await network.LoginAsync(2));
        var org = await http.GetFromJsonAsync<JsonObject>($"{network.ApiBase}/organization/{network.OrgIds["Hospital C"]}");
        Assert.Equal(RsaKeys.PublicKeyField(rsa), (string?)org!["public_key"]);

        // Again without --overwrite: the existing key is kept.
        var again = await Vnode("create-private-key", "--name", "key-node", "-o", "Hospital C", "--no-upload");
        Assert.Contains("exists!", again.Output);
        Assert.Equal(pem, File.ReadAllText(keyFile));
    }
}
