using FluentAssertions;
using MultiTask.Search;
using MultiTask.Tests.Training;

namespace MultiTask.Tests.Search;

/// <summary>The examples of docs/search.md run (DocSnippetTests keeps the doc's blocks identical to <see cref="SearchDocExample"/>).</summary>
public class SearchDocTests
{
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
}
