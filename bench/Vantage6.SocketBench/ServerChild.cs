using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Vantage6.Common.Configuration;
using Vantage6.Server;
using Vantage6.Server.Data;
using Vantage6.Server.Data.Entities;

namespace Vantage6.SocketBench;

/// <summary>
/// The measured process: the vantage6 server (same host code as <c>vserver start</c>) on a fresh SQLite
/// database seeded with one collaboration of N organizations, each with a node. It answers lines on
/// stdin: <c>mem</c> → working set and managed heap after a full collection; <c>cpu</c> → CPU time used so far
/// (microseconds); <c>quit</c>.
/// </summary>
public static class ServerChild
{
    public static async Task<int> RunAsync(string yamlPath, int nodes)
    {
        var config = ServerConfigLoader.FromYaml(await File.ReadAllTextAsync(yamlPath));
        var app = ServerHost.Build(config, new ServerRunOptions { DataDirectory = Path.GetDirectoryName(yamlPath)! });
        await ServerHost.InitializeAsync(app);
        var (collab, firstOrg) = await SeedAsync(app.Services, nodes);
        await app.StartAsync();
        Console.WriteLine($"ready {collab} {firstOrg}");
        string? line;
        while ((line = Console.ReadLine()) is not null && line != "quit")
        {
            if (line == "cpu")
            {
                using var me = Process.GetCurrentProcess();
                Console.WriteLine($"cpu {(long)me.TotalProcessorTime.TotalMicroseconds}");
                continue;
            }
            if (line != "mem") continue;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            using var self = Process.GetCurrentProcess();
            Console.WriteLine($"mem {self.WorkingSet64} {GC.GetTotalMemory(false)}");
        }
        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }

    /// <summary>Organizations, their collaboration and one node each, written directly (the REST way hashes an API key per node).</summary>
    private static async Task<(int Collaboration, int FirstOrganization)> SeedAsync(IServiceProvider services, int nodes)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<V6DbContext>();
        var orgs = Enumerable.Range(0, nodes).Select(i => new Organization { Name = $"bench-org-{i}" }).ToList();
        var collaboration = new Collaboration { Name = "bench", Encrypted = false };
        db.Organizations.AddRange(orgs);
        db.Collaborations.Add(collaboration);
        await db.SaveChangesAsync();
        db.Members.AddRange(orgs.Select(o => new Member { OrganizationId = o.Id, CollaborationId = collaboration.Id }));
        // Root creates the tasks: its organization takes part (without a node).
        var rootOrg = db.Organizations.Single(o => o.Name == "root");
        db.Members.Add(new Member { OrganizationId = rootOrg.Id, CollaborationId = collaboration.Id });
        db.Nodes.AddRange(orgs.Select(o => new Node
        {
            Name = $"bench-node-{o.Id}", ApiKey = "-", OrganizationId = o.Id, CollaborationId = collaboration.Id, Status = "offline",
        }));
        await db.SaveChangesAsync();
        return (collaboration.Id, orgs[0].Id);
    }
}
