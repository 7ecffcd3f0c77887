using FluentAssertions;
using MultiTask.Tests.Data;

namespace MultiTask.Tests.Docs;

public sealed class GettingStartedTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mt-getting-started-" + Guid.NewGuid().ToString("N"));

    public GettingStartedTests()
    {
        Directory.CreateDirectory(_directory);
        // The walk-through's two tables, cut from the Sacramento sales: houses (Residential) and apartments (Condo),
        // with different columns and a different header for the size.
        var lines = File.ReadAllLines(TestData.SacramentoPath).Skip(1).Select(l => l.Split(',').Select(c => c.Trim('"')).ToArray()).ToList();
        File.WriteAllLines(Path.Combine(_directory, "houses.csv"),
            ["size_sqft,bedrooms,bathrooms,price", .. lines.Where(c => c[5] == "Residential").Select(c => $"{c[4]},{c[2]},{c[3]},{c[6]}")]);
        File.WriteAllLines(Path.Combine(_directory, "apartments.csv"),
            ["area,bedrooms,location,price", .. lines.Where(c => c[5] == "Condo").Select(c => $"{c[4]},{c[2]},{c[0]},{c[6]}")]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_walk_through_trains_evaluates_predicts_compares_and_resumes()
    {
        var outcome = GettingStartedExample.Run(_directory, Path.Combine(_directory, "checkpoint"));

        outcome.Columns.Should().Equal(["size_sqft", "bedrooms", "bathrooms", "bathrooms:present",
            "location=SACRAMENTO", "location=ELK_GROVE", "location=ROSEVILLE", "location:present"], "docs/getting-started.md lists them");
        outcome.Report.EpochsCompleted.Should().BeGreaterThan(5);
        outcome.Test["house"]["rmse"].Should().BeInRange(30_000, 200_000, "Sacramento house prices have a spread of about 130k dollars");
        outcome.Test["apartment"].LabelCount.Should().BeGreaterThan(0);
        var apartments = outcome.Predictions["apartment"].ToArray();
        apartments.Should().HaveCount(2).And.OnlyContain(p => p > 20_000 && p < 1_000_000);
        apartments[1].Should().BeGreaterThan(apartments[0], "the second apartment is larger");
        double.IsFinite(outcome.Comparison.DeltaM).Should().BeTrue();
        outcome.Comparison.SingleTask.Keys.Should().BeEquivalentTo(["house", "apartment"]);
        outcome.ResumedFrom.Should().Be(outcome.Report.EpochsCompleted);
        outcome.Resumed.EpochsCompleted.Should().BeGreaterThan(outcome.ResumedFrom);
        outcome.Resumed.History.Take(outcome.ResumedFrom).Select(r => r.Loss).Should().Equal(outcome.Report.History.Select(r => r.Loss));
        foreach (var task in new[] { "house", "apartment" })
            outcome.Loaded[task].ToArray().Should().Equal(outcome.Predictions[task].ToArray(), "the saved model predicts what the trainer predicted");
    }
}
