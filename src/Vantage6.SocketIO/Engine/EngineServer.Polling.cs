using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Vantage6.SocketIO.Engine;

/// <summary>HTTP long-polling: waiting GETs take queued packets, POSTs carry the client's packets.</summary>
public sealed partial class EngineServer
{
    private async Task PollAsync(HttpContext context, EngineSession session)
    {
        if (session.State is EngineTransportState.Upgrading or EngineTransportState.WebSocket)
        {
            await WriteTextAsync(context.Response, "6");
            return;
        }
        if (!session.TryBeginPoll())
        {
            session.Close(CloseReasons.TransportError, notifyClient: false);
            await ErrorAsync(context.Response, 400, "Only one poll at a time");
            return;
        }
        List<EnginePacket> packets;
        try { packets = await session.TakeForPollAsync(context.RequestAborted); }
        catch (OperationCanceledException) { return; }
        if (packets.Count == 0)
        {
            await ErrorAsync(context.Response, 400, $"Invalid session {session.Id}");
            return;
        }
        await WriteTextAsync(context.Response, EnginePayload.Encode(packets));
        if (packets.Any(p => p.Type == EnginePacketType.Close)) session.Finish();
    }

    private async Task PostAsync(HttpContext context, EngineSession session)
    {
        if (session.State is not (EngineTransportState.Polling or EngineTransportState.Upgrading))
        {
            await ErrorAsync(context.Response, 400, "Invalid transport");
            return;
        }
        var body = await ReadBodyAsync(context.Request, _options.MaxPayload, context.RequestAborted);
        if (body is null)
        {
            session.Close(CloseReasons.TransportError, notifyClient: false);
            await ErrorAsync(context.Response, 400, "Payload too large");
            return;
        }
        if (!EnginePayload.TryDecode(body, out var packets))
        {
            session.Close(CloseReasons.ParseError, notifyClient: false);
            await ErrorAsync(context.Response, 400, "Invalid payload");
            return;
        }
        foreach (var packet in packets) await ReceiveAsync(session, packet);
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync("ok");
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(chunk); }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
