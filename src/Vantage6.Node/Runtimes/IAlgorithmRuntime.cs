namespace Vantage6.Node.Runtimes;

/// <summary>
/// Everything a runtime needs to run one algorithm (node-protocol §5): the run folder with input, output and token
/// files already written, the per-job temporary folder, and the environment (values already encoded, §5.2).
/// Paths in <see cref="Environment"/> are the ones the algorithm sees; runtimes translate them if needed.
/// </summary>
public sealed record AlgorithmJob(
    int RunId,
    int TaskId,
    int JobId,
    string Image,
    string RunFolder,
    string TemporaryFolder,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<NodeDatabase> Databases,
    TimeSpan TimeLimit,
    Action<string> OnLog);

/// <summary>How an algorithm ended.</summary>
public sealed record AlgorithmOutcome(int? ExitCode, bool TimedOut, bool Killed, string Log);

/// <summary>An algorithm that was started.</summary>
public interface IRunningAlgorithm : IAsyncDisposable
{
    Task<AlgorithmOutcome> Completion { get; }

    /// <summary>Stops the algorithm at once (kill request); <see cref="Completion"/> then ends with Killed.</summary>
    void Kill();
}

/// <summary>Thrown when an image is not on the allow-list or cannot be found (status <c>non-existing Docker image</c>).</summary>
public sealed class UnknownImageException(string message) : Exception(message);

/// <summary>A way to run algorithms: local processes or Docker containers.</summary>
public interface IAlgorithmRuntime
{
    string Name { get; }

    /// <summary>True when the runtime knows how to run this image (allow-list / local image).</summary>
    Task<bool> CanRunAsync(string image, CancellationToken ct);

    /// <summary>Starts the algorithm; throws <see cref="UnknownImageException"/> or another exception when it cannot start.</summary>
    Task<IRunningAlgorithm> StartAsync(AlgorithmJob job, CancellationToken ct);

    /// <summary>Paths as the algorithm sees them: a folder on this machine → the path inside the algorithm's world.</summary>
    string MapPath(string localPath);

    /// <summary>The proxy address the algorithm uses (<c>HOST</c>).</summary>
    string ProxyHost { get; }
}
