namespace Vantage6.Node.Runtimes;

/// <summary>Chooses the runtime named by the configuration's <c>runtime</c> key.</summary>
public static class RuntimeFactory
{
    public static IAlgorithmRuntime Create(NodeConfig config) => config.Runtime switch
    {
        "docker" => new DockerRuntime(config.DockerSocket, config.Algorithms, config.Name),
        _ => new ProcessRuntime(config.Algorithms, Path.GetDirectoryName(Path.GetFullPath(config.File))!),
    };
}
