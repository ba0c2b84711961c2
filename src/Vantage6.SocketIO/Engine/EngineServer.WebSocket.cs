using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Vantage6.SocketIO.Engine;

/// <summary>The websocket transport: direct or upgraded from polling, through the HTTP layer or on a taken-over connection.</summary>
public sealed partial class EngineServer
{
    private enum UpgradeStep { AwaitProbe, AwaitUpgrade, Done }

    /// <summary>A websocket request that came through the HTTP layer (when the connection was not taken over before).</summary>
    private async Task WebSocketAsync(HttpContext context, EngineSession? upgrading)
    {
        if (await WebSocketConnection.AcceptAsync(context) is not { } ws) return;
        await RunWebSocketAsync(ws, HeadersOf(context), context.Connection.RemoteIpAddress?.ToString(), upgrading);
    }

    /// <summary>
    /// A connection taken over before the HTTP layer (<see cref="SocketConnectionMiddleware"/>): answers the
    /// handshake on the bare transport and runs the websocket there.
    /// </summary>
    internal Task RunConnectionAsync(ConnectionContext connection, System.Net.Sockets.Socket socket, WebSocketRequestHead head)
    {
        EngineSession? upgrading = null;
        if (head.Sid is { } sid && (!_sessions.TryGetValue(sid, out upgrading) || upgrading.State != EngineTransportState.Polling))
            return Task.CompletedTask; // gone since the head was checked: the connection just ends
        var ws = new WebSocketConnection(new ConnectionTransport(connection, socket));
        return RunWebSocketAsync(ws, head.Headers, head.RemoteAddress, upgrading, WebSocketConnection.SwitchingProtocols(head.Key),
            connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default);
    }

    /// <summary>
    /// A websocket from handshake to close: a new session (direct websocket), or the upgrade of a polling
    /// session through its probe exchange. One async method, so a connection keeps few frames.
    /// </summary>
    private async Task RunWebSocketAsync(WebSocketConnection ws, IReadOnlyDictionary<string, string> headers, string? remoteAddress,
        EngineSession? upgrading, byte[]? handshakeAnswer = null, CancellationToken closeRequested = default)
    {
        // The server is stopping (it asks its bare connections to close): start the closing handshake.
        using var stopping = closeRequested.Register(static state => _ = ((WebSocketConnection)state!).CloseQuietlyAsync(1001), ws);
        EngineSession? session = null;
        var step = upgrading is null ? UpgradeStep.Done : UpgradeStep.AwaitProbe;
        string reason = CloseReasons.TransportClose;
        try
        {
            if (handshakeAnswer is not null) await ws.WriteAsync(handshakeAnswer);
            if (upgrading is null)
            {
                session = CreateSession(headers, remoteAddress, webSocket: true);
                await ws.WriteAsync(WebSocketConnection.TextFrame(OpenPacket(session, upgrades: false)));
                session.AttachWebSocket(ws);
            }
            while (session is null || session.State != EngineTransportState.Closed)
            {
                var status = ws.TryRead(_options.MaxPayload, out var message, out var reply, out int needed);
                if (reply is not null) await ws.WriteAsync(reply);
                if (status == WebSocketReadStatus.NeedMore)
                {
                    if (ws.IsDrained) _ = await ws.WaitForDataAsync();
                    int read = await ws.ReadAsync(needed);
                    if (read == 0) break;
                    ws.Commit(read);
                    continue;
                }
                if (status == WebSocketReadStatus.Control) continue;
                if (status == WebSocketReadStatus.Closed) break;
                if (status == WebSocketReadStatus.Failed)
                {
                    reason = message.Error == WebSocketError.TooLarge ? CloseReasons.TransportError : CloseReasons.ParseError;
                    break;
                }
                if (step != UpgradeStep.Done)
                {
                    // The probe exchange: "2probe" answered by "3probe" (nothing may precede it), then "5".
                    if (step == UpgradeStep.AwaitProbe && message.Text == "2probe" && upgrading!.BeginUpgrade())
                    {
                        await ws.WriteAsync(WebSocketConnection.TextFrame("3probe"));
                        step = UpgradeStep.AwaitUpgrade;
                        continue;
                    }
                    if (step == UpgradeStep.AwaitUpgrade && message.Text == "5" && upgrading!.AttachWebSocket(ws))
                    {
                        (session, step) = (upgrading, UpgradeStep.Done);
                        continue;
                    }
                    // A failed upgrade leaves the session on polling (see finally).
                    if (step == UpgradeStep.AwaitProbe) await ws.CloseAsync(1008);
                    break;
                }
                EnginePacket packet;
                if (message.Binary is { } bytes) packet = new EnginePacket(EnginePacketType.Message, "", bytes);
                else if (!EnginePacket.TryDecode(message.Text, out packet)) { reason = CloseReasons.ParseError; break; }
                await ReceiveAsync(session!, packet);
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            reason = CloseReasons.TransportError;
        }
        finally
        {
            ws.Dispose();
            if (session is null && step == UpgradeStep.AwaitUpgrade) upgrading!.AbandonUpgrade();
        }
        // After a closing handshake the request just ends, so the close frame is sent before the connection goes.
        session?.Close(reason, notifyClient: false, abortTransport: !ws.CloseSent);
        if (ws.CloseSent) await ws.DrainAsync();
    }

    // A dropped or aborted connection surfaces as one of these from the upgraded stream.
    private static bool IsTransportFailure(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;
}
