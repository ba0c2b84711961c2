using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Vantage6.Server.Infrastructure;

/// <summary>
/// The paginated envelope of every collection endpoint (api-core §1.5–1.6): page/per_page,
/// sort, the <c>links</c> object and the <c>total-count</c>/<c>Link</c> headers.
/// </summary>
public static class Pagination
{
    /// <param name="modelName">name used in sort errors, e.g. <c>User</c></param>
    /// <param name="allowNoPagination">only <c>GET /rule</c> accepts <c>no_pagination=1</c></param>
    public static Task<IResult> PageAsync<T>(HttpContext ctx, DbContext db, IQueryable<T> query, Func<T, object> map,
        string modelName, bool allowNoPagination = false) where T : class =>
        PageAsync(ctx, db, query, rows => Task.FromResult(rows.Select(map).ToList()), modelName, allowNoPagination);

    /// <param name="mapPage">turns one page of rows into output objects (may load related rows for the whole page at once)</param>
    /// <param name="newestFirst">default order id descending (tasks and runs) instead of ascending</param>
    public static async Task<IResult> PageAsync<T>(HttpContext ctx, DbContext db, IQueryable<T> query, Func<List<T>, Task<List<object>>> mapPage,
        string modelName, bool allowNoPagination = false, bool newestFirst = false) where T : class
    {
        var request = PageRequest.Parse(ctx, allowNoPagination);
        query = ApplySort(db, query, request.Sort, modelName, newestFirst);
        int total;
        List<T> rows;
        if (request.All)
        {
            rows = await query.ToListAsync(ctx.RequestAborted);
            total = rows.Count;
        }
        else
        {
            // The page and the total in one statement: the count is an uncorrelated subquery, which SQLite and
            // PostgreSQL evaluate once. Only a page past the end (no rows to carry it) needs its own count.
            var counted = await query.Skip(request.SkipInt).Take(request.PerPage)
                .Select(row => new CountedRow<T>(row, query.Count()))
                .ToListAsync(ctx.RequestAborted);
            rows = counted.ConvertAll(c => c.Row);
            total = counted.Count > 0 ? counted[0].Total : request.Page == 1 ? 0 : await query.CountAsync(ctx.RequestAborted);
        }
        return Respond(ctx, request, await mapPage(rows), total);
    }

    /// <summary>A page whose rows and total the caller fetches itself (<see cref="PageRequest.Sort"/> must be unset).</summary>
    public static async Task<IResult> PageAsync<T>(HttpContext ctx, PageRequest request, Func<PageRequest, Task<(List<T> Rows, int Total)>> fetch,
        Func<List<T>, Task<List<object>>> mapPage)
    {
        var (rows, total) = await fetch(request);
        return Respond(ctx, request, await mapPage(rows), total);
    }

    /// <summary>The envelope: <c>data</c>, <c>links</c> and the <c>total-count</c>/<c>Link</c> headers.</summary>
    private static IResult Respond(HttpContext ctx, PageRequest request, List<object> data, int total)
    {
        int page = request.Page, perPage = request.All ? Math.Max(total, 1) : request.PerPage;
        var links = new Dictionary<string, string>();
        var url = PageUrls(ctx, perPage);
        links["first"] = url(1);
        if (page > 1) links["previous"] = url(page - 1);
        links["self"] = url(page);
        if ((long)(page - 1) * perPage + data.Count < total) links["next"] = url(page + 1);
        int last = (int)Math.Ceiling(total / (double)perPage);
        if (last >= 1) links["last"] = url(last);

        var headers = ctx.Response.Headers;
        headers["total-count"] = total.ToString(CultureInfo.InvariantCulture);
        headers["Link"] = string.Join(",", links.Select(kv => $"<{kv.Value}>; rel={kv.Key}"));
        headers["access-control-expose-headers"] = "total-count, Link";
        return Results.Json(new { data, links }, Json.Options);
    }

    /// <summary>What a list request asks for: page, page size, sort, or everything.</summary>
    public sealed record PageRequest(int Page, int PerPage, bool All, string? Sort)
    {
        public long Skip => (long)(Page - 1) * PerPage;
        public int SkipInt => (int)Math.Min(Skip, int.MaxValue);

        public static PageRequest Parse(HttpContext ctx, bool allowNoPagination = false)
        {
            var q = ctx.Request.Query;
            bool all = allowNoPagination && q["no_pagination"].FirstOrDefault() == "1";
            // Bad paging input is the caller's mistake: 400 (the reference answers 500).
            int page = ParseInt(q["page"].FirstOrDefault(), 1, "page");
            int perPage = ParseInt(q["per_page"].FirstOrDefault(), 10, "per_page");
            if (page < 1) throw ApiException.BadRequest("page needs to be >= 1");
            if (perPage < 1) throw ApiException.BadRequest("per_page needs to be >= 1");
            var sort = q["sort"].FirstOrDefault();
            // the links show the page size really used
            return new PageRequest(page, Math.Min(perPage, MaxPerPage), all, string.IsNullOrWhiteSpace(sort) ? null : sort);
        }
    }

    /// <summary>True when the query string holds nothing but paging and the given keys (a plain page, no filter, no sort).</summary>
    public static bool OnlyPaging(HttpRequest request, params string[] allowed)
    {
        foreach (var key in request.Query.Keys)
            if (key is not ("page" or "per_page") && !allowed.Contains(key)) return false;
        return true;
    }

    private sealed record CountedRow<T>(T Row, int Total);

    /// <summary>The UI asks for 9,999 rows to get "everything"; more than this is clamped.</summary>
    public const int MaxPerPage = 10_000;

    private static int ParseInt(string? value, int @default, string name)
    {
        if (value is null) return @default;
        if (int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        throw ApiException.BadRequest($"{name} must be an integer, got '{value}'");
    }

    /// <summary>Sorts by table columns named in <c>sort=a,-b</c>; default ascending id.</summary>
    private static IQueryable<T> ApplySort<T>(DbContext db, IQueryable<T> query, string? sort, string modelName, bool newestFirst)
        where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T));
        if (string.IsNullOrWhiteSpace(sort) || entity is null)
            return entity?.FindProperty("Id") is null ? query
                : newestFirst ? query.OrderByDescending(e => EF.Property<object>(e, "Id")) : query.OrderBy(e => EF.Property<object>(e, "Id"));
        IOrderedQueryable<T>? ordered = null;
        foreach (var raw in sort.Split(','))
        {
            var item = raw.Trim();
            bool desc = item.StartsWith('-');
            var column = item.TrimStart('-', '+');
            var property = entity.GetProperties().FirstOrDefault(p => ColumnName(p) == column)
                ?? throw ApiException.BadRequest($"Cannot sort a '{modelName}' by '{column}' because it does not exist");
            var name = property.Name;
            ordered = ordered is null
                ? desc ? query.OrderByDescending(e => EF.Property<object>(e, name)) : query.OrderBy(e => EF.Property<object>(e, name))
                : desc ? ordered.ThenByDescending(e => EF.Property<object>(e, name)) : ordered.ThenBy(e => EF.Property<object>(e, name));
        }
        return ordered ?? query;
    }

    private static string? ColumnName(IProperty p) =>
        p.GetColumnName(StoreObjectIdentifier.Table(p.DeclaringType.GetTableName() ?? "", p.DeclaringType.GetSchema())) ?? p.GetColumnName();

    /// <summary>
    /// Links to other pages: the request path with the original query order, first value per key, <c>page</c> replaced in
    /// place (or appended). The query is parsed once; each link is the text before and after the page number.
    /// </summary>
    private static Func<int, string> PageUrls(HttpContext ctx, int perPage)
    {
        List<string> before = [], after = [];
        var current = before;
        var seen = new HashSet<string>();
        foreach (var pair in (ctx.Request.QueryString.Value ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            if (!seen.Add(key)) continue;
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            if (key == "page")
            {
                current = after;
                continue;
            }
            if (key == "per_page" && int.TryParse(value, out var asked) && asked > perPage) value = perPage.ToString(CultureInfo.InvariantCulture);
            current.Add(Encode(key) + "=" + Encode(value));
        }
        var head = $"{ctx.Request.PathBase}{ctx.Request.Path}?{string.Concat(before.Select(p => p + "&"))}page=";
        var tail = string.Concat(after.Select(p => "&" + p));
        return page => head + page.ToString(CultureInfo.InvariantCulture) + tail;
    }

    private static string Encode(string s) => Uri.EscapeDataString(s).Replace("%20", "+");
}
