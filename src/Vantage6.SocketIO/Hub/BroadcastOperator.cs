namespace Vantage6.SocketIO.Hub;

/// <summary>Chooses the recipients of a broadcast: <c>ns.To("a").To("b").Except("c").EmitAsync(...)</c>.</summary>
public sealed class BroadcastOperator
{
    private readonly SocketNamespace _namespace;
    private readonly List<string> _rooms;
    private readonly List<string> _except;

    internal BroadcastOperator(SocketNamespace ns, IEnumerable<string> rooms, IEnumerable<string> except)
    {
        _namespace = ns;
        _rooms = [.. rooms];
        _except = [.. except];
    }

    public BroadcastOperator To(string room) => new(_namespace, [.. _rooms, room], _except);
    public BroadcastOperator Except(string room) => new(_namespace, _rooms, [.. _except, room]);

    /// <summary>Sends the event once to every selected socket on every server instance.</summary>
    public Task EmitAsync(string eventName, params object?[] args) =>
        _namespace.Server.Backplane.PublishAsync(new BroadcastMessage(_namespace.Name, _rooms, _except,
            _namespace.Server.EncodeEvent(_namespace.Name, null, eventName, args)));
}
