using System.Text.RegularExpressions;
using FluentAssertions;
using MultiTask.Search;
using MultiTask.Tests.Training;

namespace MultiTask.Tests.Search;

/// <summary>docs/search.md shows only code that <see cref="SearchDocExample"/> compiles and these tests run.</summary>
public partial class SearchDocTests
{
    [Fact]
    public void Every_csharp_block_of_the_doc_is_in_the_tested_example()
    {
        string root = RepositoryRoot();
        string markdown = File.ReadAllText(Path.Combine(root, "docs", "search.md")).Replace("\r\n", "\n");
        string code = Normalize(File.ReadAllText(Path.Combine(root, "tests", "MultiTask.Tests", "Search", "SearchDocExample.cs")));
        var blocks = Fence().Matches(markdown).Select(m => m.Groups[1].Value).ToList();
        blocks.Should().HaveCountGreaterThanOrEqualTo(2);
        foreach (var block in blocks) code.Should().Contain(Normalize(block));
    }

    [Fact]
    public void The_tuning_example_runs_and_keeps_one_configuration_at_the_full_budget()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"search-doc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var result = SearchDocExample.Tune(TrainingData.Dataset(90, 17).Data, directory);
            result.Trials.GroupBy(t => t.Budget).Select(g => (g.Key, g.Count())).Should().Equal((2, 9), (6, 3), (18, 1));
            result.Best.Budget.Should().Be(18);
            File.ReadAllLines(Path.Combine(directory, "search.csv")).Should().HaveCount(14);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_custom_objective_example_scores_the_grid()
    {
        var result = SearchDocExample.Custom(SearchTestData.Folds(3));
        result.Trials.Should().HaveCount(6);
        result.BestTrial.ToString().Should().Be("alpha=0.1, scale=raw");
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultiTask.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains MultiTask.sln.");
    }

    [GeneratedRegex(@"^```csharp\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
