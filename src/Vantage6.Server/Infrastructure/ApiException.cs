using System.Text.Json.Nodes;

namespace Vantage6.Server.Infrastructure;

/// <summary>
/// An expected failure with the exact status and body the API promises; thrown from handlers and
/// written by <see cref="ErrorHandlingMiddleware"/>, so handler code stays a straight line.
/// </summary>
public sealed class ApiException(int status, object body) : Exception(body.ToString())
{
    public int Status { get; } = status;
    public object Body { get; } = body;

    public static ApiException Msg(int status, string msg) => new(status, new JsonObject { ["msg"] = msg });
    public static ApiException BadRequest(string msg) => Msg(400, msg);
    public static ApiException Unauthorized(string msg) => Msg(401, msg);
    public static ApiException NotFound(string msg) => Msg(404, msg);
    public static ApiException Framework(int status, string message) => new(status, new JsonObject { ["message"] = message });

    public static ApiException Validation(JsonObject errors) =>
        new(400, new JsonObject { ["msg"] = "Request body is incorrect", ["errors"] = errors });
}
