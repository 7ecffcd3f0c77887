using System.Globalization;
using CsvHelper;
using FluentAssertions;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class SearchResultTests
{
    private static SearchResult Sample() =>
        new RandomSearch(5, budget: 3, new SearchOptions { Seed = 8, MaxParallel = 2 }).Run(
            new SearchSpace().LogUniform("lr", 1e-4, 1).Choice<int[]>("widths", [8], [16, 16]).Choice("name", "a, quoted \"b\"", "plain"),
            SearchTestData.Folds(3),
            f => f.Trial.Id == 2 ? throw new InvalidOperationException("too, \"fast\"") : SearchTestData.Quadratic(f, 1e-3));

    [Fact]
    public void Csv_round_trips_every_value()
    {
        var result = Sample();
        string path = Path.Combine(Path.GetTempPath(), $"search-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "old contents");
            result.WriteCsv(path);
            File.Exists(path + ".tmp").Should().BeFalse();
            using var reader = new StreamReader(path);
            using var csv = CsvReader.Create(reader, CsvReaderOptions.Default with { HasHeader = true, FormatProvider = CultureInfo.InvariantCulture });
            csv.Headers.ToArray().Should().Equal("index", "config", "rung", "budget", "status", "mean", "sd", "duration_seconds",
                "params_lr", "params_widths", "params_name", "fold_0", "fold_1", "fold_2", "error");
            int row = 0;
            while (csv.Read())
            {
                var t = result.Trials[row++];
                int.Parse(csv.GetString(0)!, CultureInfo.InvariantCulture).Should().Be(t.Index);
                int.Parse(csv.GetString(1)!, CultureInfo.InvariantCulture).Should().Be(t.Trial.Id);
                int.Parse(csv.GetString(3)!, CultureInfo.InvariantCulture).Should().Be(3);
                csv.GetString(4).Should().Be(t.Status == TrialStatus.Completed ? "completed" : "failed");
                Parse(csv.GetString(5)).Should().Be(t.Mean);
                Parse(csv.GetString(6)).Should().Be(t.StandardDeviation);
                Parse(csv.GetString(7)).Should().Be(t.Duration.TotalSeconds);
                Parse(csv.GetString(8)).Should().Be(t.Trial.Get<double>("lr"), "doubles are written with round-trip precision");
                csv.GetString(9).Should().Be("[" + string.Join(", ", t.Trial.Get<int[]>("widths")) + "]");
                csv.GetString(10).Should().Be(t.Trial.Get<string>("name"));
                for (int f = 0; f < 3; f++) Parse(csv.GetString(11 + f)).Should().Be(t.FoldScores[f]);
                csv.GetString(14).Should().Be(t.Error ?? "");
            }
            row.Should().Be(5);
            result.Trials.Should().Contain(t => t.Status == TrialStatus.Failed, "the sample exercises the error column");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ToString_is_an_aligned_table_marking_the_best()
    {
        var result = Sample();
        var lines = result.ToString().TrimEnd().Split(Environment.NewLine);
        lines[0].Should().StartWith("5 evaluations, 3-fold scores (lower is better); best: #" + result.Best.Index);
        lines.Should().HaveCount(7);
        string header = lines[1];
        foreach (var column in new[] { "#", "config", "rung", "budget", "lr", "widths", "name", "mean", "sd", "status" })
            header.Should().Contain(column);
        // Right-aligned numeric columns end at the same position on every row.
        int meanEnd = header.IndexOf("mean", StringComparison.Ordinal) + 4;
        foreach (var line in lines.Skip(2))
        {
            line.Length.Should().BeGreaterThanOrEqualTo(meanEnd);
            line[meanEnd - 1].Should().NotBe(' ');
            line[meanEnd].Should().Be(' ');
        }
        lines.Skip(2).Count(l => l.StartsWith('*')).Should().Be(1);
        lines[2 + result.Best.Index].Should().StartWith("*");
    }

    private static double Parse(string? s) => double.Parse(s!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
