using System.CommandLine;
using System.Runtime.InteropServices;
using Vantage6.Common.Cli;
using Vantage6.Common.Configuration;
using Vantage6.Node;

namespace Vantage6.NodeCli;

/// <summary>
/// <c>vnode run</c> (hidden): the background node process that <c>vnode start</c> launches; runs until SIGTERM
/// (<c>vnode stop</c>), which stops gracefully. The instance key on its command line identifies it for <c>stop</c>.
/// </summary>
internal static class RunCommand
{
    public const string ReadyLine = "Node started and ready";

    public static Command Create()
    {
        var instance = new Option<string>("--instance") { Required = true };
        var config = new Option<string>("--config") { Required = true };
        var command = new Command("run", "Run a node in this process (used by 'vnode start')") { Hidden = true };
        command.Options.Add(instance);
        command.Options.Add(config);
        command.SetAction(async (result, ct) =>
        {
            var node = NodeInstance.FromKey(result.GetValue(instance)!) ?? throw new CliException("Invalid --instance");
            NativeProcess.Detach();
            await using var console = new StreamWriter(new FileStream(node.ConsoleFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            Console.SetOut(console);
            Console.SetError(console);
            try { return await RunAsync(node, result.GetValue(config)!, ct); }
            catch (Exception e)
            {
                var text = e is CliException or ConfigurationException or NodeStartException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                console.WriteLine($"[error] - {text.ReplaceLineEndings(" ")}");
                return 1;
            }
        });
        return command;
    }

    /// <param name="interrupted">cancelled on Ctrl+C (the command host handles SIGINT for every command)</param>
    private static async Task<int> RunAsync(NodeInstance instance, string file, CancellationToken interrupted)
    {
        var config = instance.Load(file);
        // Log pumps and process waits of concurrent algorithms must not wait for thread-pool growth.
        ThreadPool.SetMinThreads(Math.Max(16, Environment.ProcessorCount * 4), 16);
        Directory.CreateDirectory(config.DataDirectory);
        Directory.CreateDirectory(config.LogDirectory);
        var log = new NodeLog(Path.Combine(config.LogDirectory, $"node_{instance.ScopeName}.log"), console: false, level: config.LogLevel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        // 'vnode stop' sends SIGTERM: stop the node cleanly (kill its algorithms) instead of the runtime's default exit.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        log.Info($"Starting node {instance.Name} (pid {Environment.ProcessId}), version {NodeVersion.Current}, runtime '{config.Runtime}'");
        await using var channel = new SocketTaskChannel(config.HostBase, log);
        await using var node = new VantageNode(config, log, channel: channel);
        _ = node.Ready.Task.ContinueWith(_ => log.Info(ReadyLine), TaskScheduler.Default);
        try { await node.RunAsync(stop.Token); }
        catch (NodeStartException e)
        {
            log.Critical(e.Message);
            throw;
        }
        return 0;
    }
}
