using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class SearchSpaceTests
{
    [Fact]
    public void Grid_is_the_cartesian_product_last_parameter_fastest()
    {
        int[] small = [8], large = [16, 16];
        var space = new SearchSpace()
            .LogUniform("lr", 1e-4, 1e-1, grid: [1e-3, 1e-2])
            .Int("layers", 1, 3)
            .Choice("widths", small, large)
            .Fixed("epochs", 5);

        space.GridSize.Should().Be(12);
        var points = space.GridPoints();
        points.Should().HaveCount(12);
        var expected = new List<(double, int, int[])>();
        foreach (double lr in new[] { 1e-3, 1e-2 })
            foreach (int layers in new[] { 1, 2, 3 })
                foreach (var widths in new[] { small, large })
                    expected.Add((lr, layers, widths));
        for (int i = 0; i < 12; i++)
        {
            points[i].Keys.Should().Equal("lr", "layers", "widths", "epochs");
            points[i]["lr"].Should().Be(expected[i].Item1);
            points[i]["layers"].Should().Be(expected[i].Item2);
            points[i]["widths"].Should().BeSameAs(expected[i].Item3);
            points[i]["epochs"].Should().Be(5);
        }
    }

    [Fact]
    public void Grid_of_a_continuous_parameter_without_values_names_it_and_the_fix()
    {
        var space = new SearchSpace().Uniform("dropout", 0, 0.5).LogUniform("lr", 1e-4, 1e-1).Int("layers", 1, 2);
        var act = () => space.GridPoints();
        act.Should().Throw<InvalidOperationException>().WithMessage("*'dropout', 'lr' are continuous*grid: [*");
        new Action(() => new GridSearch(1).Run(space, SearchTestData.Folds(), _ => 0))
            .Should().Throw<InvalidOperationException>().WithMessage("*'dropout'*");
    }

    [Fact]
    public void Int_grid_is_every_integer_unless_given()
    {
        new SearchSpace().Int("n", 3, 6).GridPoints().Select(p => p["n"]).Should().Equal(3, 4, 5, 6);
        new SearchSpace().Int("n", 16, 256, log: true, grid: [16, 64, 256]).GridPoints().Select(p => p["n"]).Should().Equal(16, 64, 256);
    }

    [Fact]
    public void Samples_lie_in_range_and_have_the_declared_types()
    {
        var space = new SearchSpace()
            .Uniform("dropout", 0.1, 0.5).LogUniform("lr", 1e-4, 1e-1).Int("layers", 1, 3).Int("width", 16, 256, log: true)
            .Choice("weighting", "equal", "uncertainty").Fixed("epochs", 7);
        var g = new Generator(3);
        var seenLayers = new HashSet<int>();
        var seenWeighting = new HashSet<string>();
        for (int i = 0; i < 2000; i++)
        {
            var p = space.Sample(g);
            p["dropout"].Should().BeOfType<double>().Which.Should().BeInRange(0.1, 0.5);
            p["lr"].Should().BeOfType<double>().Which.Should().BeInRange(1e-4, 1e-1);
            seenLayers.Add(p["layers"].Should().BeOfType<int>().Which);
            p["width"].Should().BeOfType<int>().Which.Should().BeInRange(16, 256);
            seenWeighting.Add(p["weighting"].Should().BeOfType<string>().Which);
            p["epochs"].Should().Be(7);
        }
        seenLayers.Should().BeEquivalentTo([1, 2, 3]);
        seenWeighting.Should().BeEquivalentTo(["equal", "uncertainty"]);
    }

    [Fact]
    public void Log_uniform_is_uniform_in_log_space()
    {
        // 1e-4..1: four decades, so each decade should get a quarter of the draws; a uniform (not log)
        // sampler would put 99.99 % of them in the last decade.
        var space = new SearchSpace().LogUniform("lr", 1e-4, 1);
        var g = new Generator(42);
        var counts = new int[4];
        const int n = 8000;
        for (int i = 0; i < n; i++)
        {
            double decade = Math.Log10((double)space.Sample(g)["lr"]!) + 4;
            counts[Math.Min(3, (int)Math.Floor(decade))]++;
        }
        // Binomial sd is sqrt(8000 · 0.25 · 0.75) ≈ 39; allow about 4 sd.
        foreach (int c in counts) c.Should().BeInRange(n / 4 - 160, n / 4 + 160);
    }

    [Fact]
    public void Log_int_favours_small_values_like_their_log_width()
    {
        // On 1..100 in log space, [1, 10) and [10, 100] are about equally likely; uniform would give 9 % vs 91 %.
        var space = new SearchSpace().Int("n", 1, 100, log: true);
        var g = new Generator(7);
        int small = 0;
        const int n = 4000;
        for (int i = 0; i < n; i++)
            if ((int)space.Sample(g)["n"]! < 10) small++;
        // The rounding intervals give [0.5, 9.5) vs [9.5, 100.5): log-mass 2.944 / 5.30 ≈ 0.555.
        ((double)small / n).Should().BeApproximately(Math.Log(9.5 / 0.5) / Math.Log(100.5 / 0.5), 0.03);
    }

    [Fact]
    public void Same_seed_same_samples()
    {
        var space = new SearchSpace().LogUniform("lr", 1e-4, 1e-1).Int("layers", 1, 3);
        var g1 = new Generator(9);
        var g2 = new Generator(9);
        for (int i = 0; i < 5; i++)
            space.Sample(g1).Should().Equal(space.Sample(g2));
        space.Sample(new Generator(9)).Should().NotEqual(space.Sample(new Generator(10)));
    }

    [Fact]
    public void Bad_declarations_name_the_parameter()
    {
        new Action(() => new SearchSpace().LogUniform("lr", 0, 1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'lr'*low > 0*");
        new Action(() => new SearchSpace().Uniform("d", 0.5, 0.1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'d'*low < high*");
        new Action(() => new SearchSpace().Uniform("d", 0, 1, grid: [2.0])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*2*'d'*outside*");
        new Action(() => new SearchSpace().Int("n", 3, 1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'n'*");
        new Action(() => new SearchSpace().Choice<string>("w")).Should().Throw<ArgumentException>().WithMessage("*'w'*no values*");
        new Action(() => new SearchSpace().Int("n", 1, 2).Int("n", 1, 3)).Should().Throw<ArgumentException>().WithMessage("*already*'n'*");
        new Action(() => new SearchSpace().GridPoints()).Should().Throw<InvalidOperationException>().WithMessage("*empty*");
    }
}
