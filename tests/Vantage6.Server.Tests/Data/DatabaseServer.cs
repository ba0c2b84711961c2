using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Vantage6.Common.Configuration;
using Vantage6.Server.Tests.Support;

namespace Vantage6.Server.Tests.Data;

/// <summary>
/// The real server, in process, on a database given by URI (an existing fixture or an empty file),
/// like <see cref="V6TestServer"/> but without creating the database itself. Can be stopped and
/// started again on the same database.
/// </summary>
public sealed class DatabaseServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new();

    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    private DatabaseServer(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public static async Task<DatabaseServer> StartAsync(string uri)
    {
        var config = ServerConfigLoader.FromYaml(TestServerYaml.For("data test server", uri, allowDropAll: false));
        var app = ServerHost.Build(config, new ServerRunOptions { ConfigureBuilder = b => b.WebHost.UseTestServer() });
        try
        {
            await ServerHost.InitializeAsync(app);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new DatabaseServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public Task<Reply> SendAsync(HttpMethod method, string path, string? token = null, object? body = null) =>
        Reply.SendAsync(Client, method, path, token, body);

    public Task<Reply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token);

    public Task<Reply> LoginUserAsync(string username, string password) =>
        SendAsync(HttpMethod.Post, "/api/token/user", body: new { username, password });

    public Task<Reply> LoginNodeAsync(string apiKey) => SendAsync(HttpMethod.Post, "/api/token/node", body: new { api_key = apiKey });

    /// <summary>An access token of a user, logged in once per server (bcrypt at cost 12 is slow).</summary>
    public async Task<string> UserTokenAsync(string username, string password)
    {
        if (_tokens.TryGetValue("user:" + username, out var token)) return token;
        var reply = (await LoginUserAsync(username, password)).ExpectStatus(200);
        return _tokens["user:" + username] = reply.Json!["access_token"]!.GetValue<string>();
    }

    public async Task<string> NodeTokenAsync(string apiKey)
    {
        if (_tokens.TryGetValue("node:" + apiKey, out var token)) return token;
        var reply = (await LoginNodeAsync(apiKey)).ExpectStatus(200);
        return _tokens["node:" + apiKey] = reply.Json!["access_token"]!.GetValue<string>();
    }
}

/// <summary>A fresh PostgreSQL database (via <see cref="TestDatabase"/>) with the 4.14 dump loaded by psql.</summary>
public static class PostgresFixtureLoader
{
    /// <summary>The database's own connection string (Npgsql form), derived from its URI.</summary>
    public static string ConnectionString(TestDatabase database) => DatabaseUri.Parse(database.Uri, Path.GetTempPath()).ConnectionString;

    public static async Task LoadDumpAsync(TestDatabase database)
    {
        var target = new NpgsqlConnectionStringBuilder(ConnectionString(database));
        var dump = FixtureFiles.PostgresDumpWithoutRestrictLines();
        try
        {
            var psi = new ProcessStartInfo("psql")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
                     {
                         "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", target.Host!, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "-U", target.Username ?? "postgres", "-d", target.Database!, "-f", dump,
                     })
                psi.ArgumentList.Add(arg);
            psi.Environment["PGPASSWORD"] = target.Password ?? "";
            Process process;
            try { process = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new Xunit.Sdk.XunitException($"psql is needed to load {FixtureFiles.PostgresDump} but could not be started: {e.Message}");
            }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (process.ExitCode != 0)
                    throw new Xunit.Sdk.XunitException($"psql failed ({process.ExitCode}) loading {FixtureFiles.PostgresDump}:\n{await stderr}\n{await stdout}");
            }
        }
        finally
        {
            File.Delete(dump);
        }
    }
}
