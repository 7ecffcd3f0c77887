using System.Text.RegularExpressions;
using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Docs;

/// <summary>Keeps the weighting docs' tables complete: every public strategy has a row.</summary>
public partial class WeightingDocTableTests
{
    private static readonly string[] s_documents = ["docs/weighting.md", "docs/gradient-methods.md"];

    [Fact]
    public void Every_public_weighting_strategy_has_a_row_in_a_docs_table()
    {
        var strategies = typeof(LossWeighting).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.IsClass && !t.IsAbstract && t.IsSubclassOf(typeof(LossWeighting)))
            .Select(t => t.Name)
            .ToList();
        strategies.Should().Contain(["EqualWeighting", "PCGrad", "MoCo"], "the reflection must find the strategies");

        string root = RepositoryRoot();
        var markdown = s_documents.Select(d => File.ReadAllText(Path.Combine(root, d)));
        MissingFromTables(strategies, markdown).Should().BeEmpty(
            $"every concrete public LossWeighting needs a table row naming it in backticks in {string.Join(" or ", s_documents)}");
    }

    [Fact]
    public void MissingFromTables_needs_the_name_in_backticks_in_a_row_first_cell()
    {
        const string markdown = """
            | strategy | kind |
            |---|---|
            | `EqualWeighting` | loss space |
            | Gls | no backticks |
            | `Mgda`-like | not the name alone |

            `PCGrad` appears only in prose.
            """;
        MissingFromTables(["EqualWeighting", "Gls", "Mgda", "PCGrad", "Rlw"], [markdown])
            .Should().Equal("Gls", "Mgda", "PCGrad", "Rlw");
    }

    /// <summary>The names no table row of <paramref name="documents"/> names, as <c>`Name`</c>, in its first cell.</summary>
    private static List<string> MissingFromTables(IEnumerable<string> names, IEnumerable<string> documents)
    {
        var rows = documents
            .SelectMany(d => d.Replace("\r\n", "\n").Split('\n'))
            .Select(line => Row().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();
        return [.. names.Where(n => !rows.Contains(n)).Order(StringComparer.Ordinal)];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultiTask.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains MultiTask.sln.");
    }

    [GeneratedRegex(@"^\s*\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|")]
    private static partial Regex Row();
}
