using System.CommandLine;
using Vantage6.Common.Configuration;

namespace Vantage6.Cli;

/// <summary>
/// Options of the reference's <c>vserver start</c> that only make sense with Docker (images, helper containers,
/// source mounts). They are accepted so existing scripts keep working, and say what happens instead (§2.3).
/// </summary>
internal sealed class ContainerOnlyOptions
{
    private readonly Option<string?> _image = new("--image", "-i") { Description = "Ignored: the server runs as a native process, not from an image" };
    private readonly Option<bool> _withUi = new("--with-ui") { Description = "Not available: this server does not ship the web UI" };
    private readonly Option<int?> _uiPort = new("--ui-port") { Description = "Ignored (see --with-ui)" };
    private readonly Option<bool> _withRabbitMq = new("--with-rabbitmq") { Description = "Not started here: provide the RabbitMQ of rabbitmq.uri yourself" };
    private readonly Option<string?> _rabbitMqImage = new("--rabbitmq-image") { Description = "Ignored" };
    private readonly Option<bool> _withPrometheus = new("--with-prometheus") { Description = "Not started here: run Prometheus yourself" };
    private readonly Option<string?> _prometheusImage = new("--prometheus-image") { Description = "Ignored" };
    private readonly Option<bool> _keep = new("--keep") { Description = "Ignored (no container to keep)" };
    private readonly Option<bool> _autoRemove = new("--auto-remove") { Description = "Ignored (no container to remove)" };
    private readonly Option<string?> _mountSource = new("--mount-src") { Description = "Ignored (no container to mount sources into)" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _image, _withUi, _uiPort, _withRabbitMq, _rabbitMqImage, _withPrometheus, _prometheusImage, _keep, _autoRemove, _mountSource })
            command.Options.Add(o);
    }

    /// <summary>The reference's notes about the helpers, in their native meaning.</summary>
    public void Explain(ParseResult result, ServerConfig config)
    {
        if (result.GetValue(_image) is { Length: > 0 }) Out.Warn("--image is ignored: the server runs as a native process");
        if (result.GetValue(_mountSource) is { Length: > 0 }) Out.Warn("--mount-src is ignored: the server runs as a native process");
        if (result.GetValue(_withUi)) Out.Warn("The user interface is not part of this server; serve the vantage6 UI separately");
        if (result.GetValue(_withRabbitMq))
            Out.Warn(config.RabbitMqUri is null
                ? "No RabbitMQ URI found in the configuration file! Please add a 'uri' key to the 'rabbitmq' section of the configuration."
                : "RabbitMQ is not started by this command; make sure the broker of rabbitmq.uri is running.");
        else if (config.RabbitMqUri is not null)
            Out.Info("RabbitMQ is provided in the config file as external service. Assuming this service is up and running.");
        if (result.GetValue(_withPrometheus)) Out.Warn("Prometheus is not started by this command; run it yourself");
    }
}
