using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

// Load benchmark for a vantage6 server on loopback: N workers send requests back to back for T
// seconds per endpoint; prints requests/s and p50/p99 latency per endpoint and level.
//   dotnet run --project bench/Vantage6.Bench -c Release -- http://127.0.0.1:7601/api -c 1,8,32 -t 10

var url = args.FirstOrDefault(a => a.StartsWith("http")) ?? "http://127.0.0.1:7601/api";
var levels = Arg("-c", "1,8,32").Split(',').Select(int.Parse).ToArray();
var seconds = double.Parse(Arg("-t", "10"), System.Globalization.CultureInfo.InvariantCulture);
var only = Arg("--endpoints", "abc");
var uri = new Uri(url);
if (!IPAddress.TryParse(uri.Host, out var ip) ? uri.Host != "localhost" : !IPAddress.IsLoopback(ip))
{
    Console.Error.WriteLine("only loopback targets are allowed");
    return 2;
}
var api = url.TrimEnd('/');

using var setupClient = new HttpClient();
var root = await Token(setupClient, "root", "root");
var tag = $"bench{Guid.NewGuid():N}"[..13];
var org = await Post(setupClient, root, "/organization", new { name = $"{tag}-org", country = "NL" });
var roles = await Get(setupClient, root, "/role?name=Researcher");
var roleId = roles["data"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "Researcher")!["id"]!.GetValue<int>();
var password = $"B3nch!{Guid.NewGuid():N}"[..14];
var username = $"{tag}-user";
await Post(setupClient, root, "/user", new
{
    username, password, firstname = "bench", lastname = "user", email = $"{tag}@example.org",
    organization_id = org["id"]!.GetValue<int>(), roles = new[] { roleId },
});
for (int i = 0; i < 20; i++) await Post(setupClient, root, "/organization", new { name = $"{tag}-extra{i}" });
var userToken = await Token(setupClient, username, password);

var endpoints = new (string Key, string Name, Func<HttpRequestMessage> Make)[]
{
    ("a", "POST /token/user", () => new HttpRequestMessage(HttpMethod.Post, api + "/token/user")
        { Content = JsonContent.Create(new { username, password }) }),
    ("b", "GET /organization", () => Authorized(HttpMethod.Get, "/organization", userToken)),
    ("c", "GET /user?page=1&per_page=10", () => Authorized(HttpMethod.Get, "/user?page=1&per_page=10", root)),
    ("d", "GET /organization (root)", () => Authorized(HttpMethod.Get, "/organization", root)),
    ("e", "GET /version", () => new HttpRequestMessage(HttpMethod.Get, api + "/version")),
    ("f", "GET /user (researcher)", () => Authorized(HttpMethod.Get, "/user?page=1&per_page=10", userToken)),
    ("g", "GET /rule?per_page=10 (researcher)", () => Authorized(HttpMethod.Get, "/rule?per_page=10", userToken)),
};

Console.WriteLine($"{"endpoint",-32} {"clients",7} {"requests",9} {"errors",6} {"req/s",9} {"p50 ms",8} {"p99 ms",8}");
Console.WriteLine(new string('-', 84));
int failures = 0;
foreach (var (key, name, make) in endpoints.Where(e => only.Contains(e.Key)))
{
    await Run(4, key == "a" ? 0.5 : 2, make); // warm-up: JIT and connection pools, not measured
    foreach (var workers in levels)
    {
        var r = await Run(workers, seconds, make);
        failures += r.Errors;
        Console.WriteLine($"{name,-32} {workers,7} {r.Requests,9} {r.Errors,6} {r.Rps,9:F1} {r.P50,8:F1} {r.P99,8:F1}");
    }
}
return failures == 0 ? 0 : 1;

string Arg(string name, string @default)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : @default;
}

HttpRequestMessage Authorized(HttpMethod method, string path, string token)
{
    var m = new HttpRequestMessage(method, api + path);
    m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return m;
}

async Task<string> Token(HttpClient c, string user, string pw)
{
    var r = await c.PostAsJsonAsync(api + "/token/user", new { username = user, password = pw });
    r.EnsureSuccessStatusCode();
    return (await r.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
}

async Task<JsonObject> Post(HttpClient c, string token, string path, object body)
{
    var m = Authorized(HttpMethod.Post, path, token);
    m.Content = JsonContent.Create(body);
    var r = await c.SendAsync(m);
    if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    return (await r.Content.ReadFromJsonAsync<JsonObject>())!;
}

async Task<JsonObject> Get(HttpClient c, string token, string path)
{
    var r = await c.SendAsync(Authorized(HttpMethod.Get, path, token));
    r.EnsureSuccessStatusCode();
    return (await r.Content.ReadFromJsonAsync<JsonObject>())!;
}

static async Task<(int Requests, int Errors, double Rps, double P50, double P99)> Run(int workers, double seconds, Func<HttpRequestMessage> make)
{
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
    var latencies = new List<double>[workers];
    var errors = 0;
    var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
    {
        var mine = latencies[w] = new List<double>();
        while (Stopwatch.GetTimestamp() < stopAt && mine.Count < 200_000)
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.SendAsync(make());
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }
            catch (HttpRequestException) { Interlocked.Increment(ref errors); }
            mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
    }));
    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    double P(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
    return (all.Length, errors, all.Length / elapsed, P(0.50), P(0.99));
}
