using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vantage6.Common;
using Vantage6.Common.Cli;
using Vantage6.Common.Crypto;
using Vantage6.Node;

namespace Vantage6.NodeCli;

/// <summary>
/// <c>vnode create-private-key</c>: an RSA-4096 organization key (PKCS#1 PEM) in the node data folder, its path in
/// the configuration, and (unless <c>--no-upload</c>) its public key uploaded to the user's organization.
/// The private key itself is never printed nor sent anywhere.
/// </summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var options = new NodeOptions();
        var noUpload = new Option<bool>("--no-upload") { Description = "Do not upload the public key to the server" };
        var orgName = new Option<string?>("--organization-name", "-o") { Description = "Organization name (used in the file name)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing key file" };
        var mfa = new Option<bool>("--mfa") { Description = "Ask for a two-factor code (it is always asked, as in the reference)" };
        var username = new Option<string?>("--username") { Description = "User name for the upload (else asked)" };
        var password = new Option<string?>("--password") { Description = "Password for the upload (else asked)" };
        var command = new Command("create-private-key", "Create an organization private key and upload its public key.");
        command.WithHelp(null, "vnode create-private-key --name hospital-a", "vnode create-private-key --name hospital-a -o HospitalA --no-upload");
        options.AddTo(command);
        foreach (var o in new Option[] { noUpload, orgName, overwrite, mfa, username, password }) command.Options.Add(o);
        command.SetAction(async result =>
        {
            var (instance, file) = options.Resolve(result);
            var config = instance.Load(file);
            var upload = !result.GetValue(noUpload);
            var organization = result.GetValue(orgName);
            HttpClient? http = null;
            int? orgId = null;
            try
            {
                if (upload || organization is null)
                {
                    var user = result.GetValue(username) ?? Prompt.Text("Username:");
                    var pass = result.GetValue(password) ?? Prompt.Password("Password:");
                    var code = result.GetValue(username) is not null ? "" : Prompt.Text("MFA code:", allowEmpty: true);
                    http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                    var apiBase = config.ApiBase.Replace("host.docker.internal", "localhost").Replace("172.17.0.1", "localhost");
                    Out.Info($"Connecting to server at '{apiBase}'");
                    var body = new JsonObject { ["username"] = user, ["password"] = pass };
                    if (code.Length > 0) body["mfa_code"] = code;
                    using var login = await http.PostAsJsonAsync(apiBase + "/token/user", body);
                    var reply = JsonNode.Parse(await login.Content.ReadAsStringAsync());
                    var token = (string?)reply?["access_token"] ?? throw new CliException($"Could not log in: {(string?)reply?["msg"] ?? login.StatusCode.ToString()}");
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    var userId = (int?)ServerApi.DecodeJwt(token)?["sub"];
                    var me = JsonNode.Parse(await http.GetStringAsync($"{apiBase}/user/{userId}"));
                    orgId = (int?)me?["organization"]?["id"];
                    var org = JsonNode.Parse(await http.GetStringAsync($"{apiBase}/organization/{orgId}"));
                    organization ??= (string?)org?["name"];
                    http.BaseAddress = new Uri(apiBase.TrimEnd('/') + "/");
                }
                var safe = string.Concat((organization ?? "organization").Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
                var keyFile = Path.Combine(Path.GetDirectoryName(instance.Locations.DataDirectory)!, $"privkey_{safe}.pem");
                string pem;
                if (File.Exists(keyFile) && !result.GetValue(overwrite))
                {
                    Out.Error($"File '{keyFile}' exists!");
                    Out.Warn("You can use the --overwrite option to replace it; the existing key is used now");
                    pem = await File.ReadAllTextAsync(keyFile);
                }
                else
                {
                    Out.Info("Generating RSA private key (4096 bits)");
                    pem = HybridCrypto.NewPrivateKeyPem();
                    Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
                    await File.WriteAllTextAsync(keyFile, "");
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    await File.WriteAllTextAsync(keyFile, pem);
                    Out.Info($"Writing private key to '{keyFile}'");
                }
                ConfigCommands.SetEncryption(file, keyFile);
                Out.Info("Storing the path of the private key in the configuration file");
                if (upload && http is not null)
                {
                    using var rsa = HybridCrypto.LoadPrivateKey(pem);
                    using var patch = await http.PatchAsJsonAsync($"organization/{orgId}", new JsonObject { ["public_key"] = HybridCrypto.PublicKeyField(rsa) });
                    if (!patch.IsSuccessStatusCode) throw new CliException($"Could not upload the public key: {(int)patch.StatusCode} {await patch.Content.ReadAsStringAsync()}");
                    Out.Info("Public key uploaded to the server");
                }
                Out.Info("[Done]");
                return 0;
            }
            catch (HttpRequestException e) { throw new CliException($"Could not reach the server: {e.Message}"); }
            finally { http?.Dispose(); }
        });
        return command;
    }
}
