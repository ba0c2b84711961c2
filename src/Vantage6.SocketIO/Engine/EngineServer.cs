using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vantage6.SocketIO.Engine;

/// <summary>
/// Engine.IO v4 over ASP.NET Core: handshake, long-polling, websocket (direct or upgraded), heartbeats
/// through one shared sweep for all sessions.
/// </summary>
public sealed partial class EngineServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, EngineSession> _sessions = new();
    private readonly EngineOptions _options;
    private readonly IEngineHandler _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweep;
    // One delegate for all sessions (a method group would allocate one per session).
    private readonly Action<EngineSession, string> _onSessionClosed;

    public EngineServer(EngineOptions options, IEngineHandler handler, ILogger logger)
    {
        _options = options;
        _handler = handler;
        _logger = logger;
        _onSessionClosed = OnSessionClosed;
        _sweep = SweepAsync(_stopping.Token);
    }

    /// <summary>Sessions that are open (not closing or closed).</summary>
    public int SessionCount => _sessions.Values.Count(s => s.State is not (EngineTransportState.Closing or EngineTransportState.Closed));
    public EngineOptions Options => _options;

    internal bool IsPollingSession(string sid) => _sessions.TryGetValue(sid, out var session) && session.State == EngineTransportState.Polling;

    /// <summary>
    /// Answers one request. Not async itself: a websocket request stays in the returned task for the
    /// connection's whole life, and every async frame on that path would be kept per connection.
    /// </summary>
    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string? origin = request.Headers.Origin;
        if (!string.IsNullOrEmpty(origin))
        {
            if (!_options.IsOriginAllowed(origin)) return ErrorAsync(response, 400, "Not an accepted origin.");
            response.Headers.AccessControlAllowOrigin = origin;
        }
        response.Headers.AccessControlAllowCredentials = "true";

        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers.AccessControlAllowMethods = "OPTIONS, GET, POST";
            if (request.Headers.AccessControlRequestHeaders.Count > 0)
                response.Headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders;
            response.StatusCode = 200;
            return Task.CompletedTask;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = 405;
            return response.WriteAsync("Method Not Found");
        }

        var query = EngineQuery.Parse(request.QueryString.Value);
        string transport = string.IsNullOrEmpty(query.Transport) ? "polling" : query.Transport;
        if (transport is not ("polling" or "websocket") || query.Jsonp) return ErrorAsync(response, 400, "Invalid transport");
        bool wantsWebSocket = transport == "websocket";

        if (string.IsNullOrEmpty(query.Sid))
        {
            if (query.Eio != "4")
                return ErrorAsync(response, 400, "The client is using an unsupported version of the Socket.IO or Engine.IO protocols");
            if (wantsWebSocket && !WebSocketConnection.IsUpgradeRequest(context)) return ErrorAsync(response, 400, "Invalid websocket upgrade");
            if (HttpMethods.IsPost(request.Method)) return ErrorAsync(response, 400, "Invalid session");
            return wantsWebSocket ? WebSocketAsync(context, upgrading: null) : HandshakeAsync(context);
        }

        if (!_sessions.TryGetValue(query.Sid, out var session) || session.State == EngineTransportState.Closed)
            return ErrorAsync(response, 400, $"Invalid session {query.Sid}");
        if (wantsWebSocket)
        {
            if (!WebSocketConnection.IsUpgradeRequest(context) || session.State != EngineTransportState.Polling)
                return ErrorAsync(response, 400, "Invalid transport");
            return WebSocketAsync(context, upgrading: session);
        }
        return HttpMethods.IsGet(request.Method) ? PollAsync(context, session) : PostAsync(context, session);
    }

    // ---- handshake ----

    private EngineSession CreateSession(HttpContext context, bool webSocket) =>
        CreateSession(HeadersOf(context), context.Connection.RemoteIpAddress?.ToString(), webSocket);

    private EngineSession CreateSession(IReadOnlyDictionary<string, string> headers, string? remoteAddress, bool webSocket)
    {
        var session = new EngineSession(NewId(), headers, remoteAddress, _options, _onSessionClosed, webSocket);
        _sessions[session.Id] = session;
        return session;
    }

    private static Dictionary<string, string> HeadersOf(HttpContext context)
    {
        var headers = new Dictionary<string, string>(context.Request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in context.Request.Headers) headers[name] = value.ToString();
        return headers;
    }

    private string OpenPacket(EngineSession session, bool upgrades) =>
        "0" + JsonSerializer.Serialize(new OpenData(session.Id, upgrades ? ["websocket"] : [],
            (int)_options.PingInterval.TotalMilliseconds, (int)_options.PingTimeout.TotalMilliseconds, _options.MaxPayload),
            EngineJsonContext.Default.OpenData);

    private async Task HandshakeAsync(HttpContext context)
    {
        var session = CreateSession(context, webSocket: false);
        await WriteTextAsync(context.Response, OpenPacket(session, upgrades: true));
    }

    // ---- packets ----

    private async ValueTask ReceiveAsync(EngineSession session, EnginePacket packet)
    {
        switch (packet.Type)
        {
            case EnginePacketType.Pong:
                session.OnPong();
                break;
            case EnginePacketType.Close:
                session.Close(CloseReasons.TransportClose, notifyClient: false);
                break;
            case EnginePacketType.Message:
                try { await _handler.OnMessageAsync(session, packet); }
                catch (Exception ex) { _logger.LogError(ex, "Message handler failed for session {Sid}", session.Id); }
                break;
        }
    }

    private void OnSessionClosed(EngineSession session, string reason)
    {
        if (session.State == EngineTransportState.Closed) _sessions.TryRemove(session.Id, out _);
        _ = NotifyClosedAsync(session, reason);
    }

    private async Task NotifyClosedAsync(EngineSession session, string reason)
    {
        try { await _handler.OnCloseAsync(session, reason); }
        catch (Exception ex) { _logger.LogError(ex, "Close handler failed for session {Sid}", session.Id); }
    }

    // One loop for every session's heartbeat instead of a timer per connection.
    private async Task SweepAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.SweepPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                long now = Environment.TickCount64;
                foreach (var session in _sessions.Values)
                {
                    session.Tick(now);
                    if (session.State == EngineTransportState.Closed) _sessions.TryRemove(session.Id, out _);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _sweep;
        foreach (var session in _sessions.Values) session.Close(CloseReasons.ServerShutdown, notifyClient: true);
        _stopping.Dispose();
    }

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    internal static string NewSocketId() => NewId();

    private static async Task WriteTextAsync(HttpResponse response, string text)
    {
        response.ContentType = "text/plain; charset=UTF-8";
        await response.WriteAsync(text);
    }

    private static async Task ErrorAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(message, EngineJsonContext.Default.String));
    }
}
