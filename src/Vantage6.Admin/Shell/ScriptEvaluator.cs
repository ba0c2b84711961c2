using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace Vantage6.Admin.Shell;

/// <summary>
/// Runs one submission after another with Roslyn scripting, keeping variables between them.
/// Compile and run-time errors become one <c>[error]</c> line; the session goes on.
/// </summary>
internal sealed class ScriptEvaluator(ShellGlobals globals, TextWriter output, IMessages messages)
{
    private static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    private static readonly ScriptOptions Options = ScriptOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        .WithReferences(typeof(ShellDb).Assembly, typeof(Vantage6.Server.Data.V6DbContext).Assembly,
            typeof(Vantage6.Common.Scope).Assembly, typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly, typeof(Enumerable).Assembly)
        .WithImports("System", "System.Linq", "System.Collections.Generic", "Vantage6.Common", "Vantage6.Server.Data.Entities",
            "Vantage6.Admin.Shell");

    private ScriptState<object>? _state;

    /// <summary>False while the text needs more lines (an open brace, an unfinished expression).</summary>
    public static bool IsComplete(string code) =>
        SyntaxFactory.IsCompleteSubmission(SyntaxFactory.ParseSyntaxTree(code, ParseOptions));

    public async Task EvaluateAsync(string code, CancellationToken ct)
    {
        try
        {
            var next = _state is null
                ? await CSharpScript.Create(code, Options, typeof(ShellGlobals)).RunAsync(globals, _ => true, ct)
                : await _state.ContinueWithAsync(code, Options, catchException: _ => true, ct);
            _state = next;
            if (next.Exception is { } error) messages.Error(OneLine(error));
            else if (EndsWithValue(next.Script)) output.WriteLine(ResultFormatter.Format(next.ReturnValue));
        }
        catch (CompilationErrorException e)
        {
            messages.Error(OneLine(e.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.ToString() ?? e.Message));
        }
    }

    /// <summary>True when the submission ends with an expression (no semicolon) that has a value to print.</summary>
    private static bool EndsWithValue(Script script)
    {
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Last();
        if (tree.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().LastOrDefault()?.Statement is not ExpressionStatementSyntax last
            || !last.SemicolonToken.IsMissing) return false;
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(last.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }

    private static string OneLine(Exception e)
    {
        // The database's own words (e.g. a unique constraint) are in the inner exception of a failed save.
        var inner = e is Microsoft.EntityFrameworkCore.DbUpdateException { InnerException: { } cause } ? $" ({cause.Message})" : "";
        return OneLine($"{e.GetType().Name}: {e.Message}{inner}");
    }

    private static string OneLine(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
