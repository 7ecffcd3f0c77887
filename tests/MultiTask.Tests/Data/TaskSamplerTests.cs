using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Data;

public class TaskSamplerTests
{
    private static readonly string[] Names = ["a", "b", "c"];
    private static readonly int[] Counts = [800, 50, 150];

    private static TaskSampler Init(TaskSampler s)
    {
        s.Initialize(Names, Counts);
        return s;
    }

    private static double[] Frequencies(TaskSampler s, int draws = 200_000)
    {
        var g = new Generator(123);
        var hits = new double[Names.Length];
        for (int i = 0; i < draws; i++) hits[s.Sample(g)]++;
        return hits.Select(h => h / draws).ToArray();
    }

    private static void ShouldMatch(TaskSampler s, double[] expected)
    {
        s.Probabilities.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-12);
        Frequencies(s).Should().Equal(expected, (f, p) => Math.Abs(f - p) < 0.005);
    }

    [Fact]
    public void Uniform() => ShouldMatch(Init(TaskSampler.Uniform()), [1.0 / 3, 1.0 / 3, 1.0 / 3]);

    [Fact]
    public void Proportional() => ShouldMatch(Init(TaskSampler.Proportional()), [0.8, 0.05, 0.15]);

    [Fact]
    public void Temperature_two_uses_square_roots()
    {
        double sum = Math.Sqrt(800) + Math.Sqrt(50) + Math.Sqrt(150);
        ShouldMatch(Init(TaskSampler.Temperature(2)), [Math.Sqrt(800) / sum, Math.Sqrt(50) / sum, Math.Sqrt(150) / sum]);
    }

    [Fact]
    public void Temperature_limits_are_proportional_and_uniform()
    {
        Init(TaskSampler.Temperature(1)).Probabilities.Should().Equal(Init(TaskSampler.Proportional()).Probabilities,
            (a, b) => Math.Abs(a - b) < 1e-12);
        Init(TaskSampler.Temperature(double.PositiveInfinity)).Probabilities.Should().Equal([1.0 / 3, 1.0 / 3, 1.0 / 3],
            (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Task_without_labels_is_never_drawn()
    {
        var s = TaskSampler.Uniform();
        s.Initialize(Names, [10, 0, 30]);
        s.Probabilities.Should().Equal(0.5, 0.0, 0.5);
        Frequencies(s, 10_000)[1].Should().Be(0);
    }

    [Fact]
    public void Dynamic_starts_uniform_and_moves_toward_the_lagging_task()
    {
        var s = (DynamicTaskSampler)Init(TaskSampler.Dynamic(tau: 0.5));
        s.Probabilities.Should().Equal([1.0 / 3, 1.0 / 3, 1.0 / 3], (a, b) => Math.Abs(a - b) < 1e-12);
        s.Update(new Dictionary<string, double> { ["a"] = 2.0, ["b"] = 1.0, ["c"] = 4.0 });
        s.Ratios.Should().Equal(1.0, 1.0, 1.0);
        s.Update(new Dictionary<string, double> { ["a"] = 1.0, ["b"] = 0.9, ["c"] = 1.0 });
        s.Ratios.Should().Equal(0.5, 0.9, 0.25);
        double[] w = [Math.Exp(0.5 / 0.5), Math.Exp(0.9 / 0.5), Math.Exp(0.25 / 0.5)];
        double sum = w.Sum();
        ShouldMatch(s, [w[0] / sum, w[1] / sum, w[2] / sum]);
        s.Probability("b").Should().BeGreaterThan(s.Probability("a")).And.BeGreaterThan(1.0 / 3,
            "task b improved least (90% of its initial loss) so it is drawn more than before");
    }

    [Fact]
    public void Dynamic_keeps_the_ratio_of_a_task_left_out_of_an_update()
    {
        var s = (DynamicTaskSampler)Init(TaskSampler.Dynamic());
        s.Update(new Dictionary<string, double> { ["a"] = 2.0, ["b"] = 1.0, ["c"] = 1.0 });
        s.Update(new Dictionary<string, double> { ["a"] = 1.0 });
        s.Ratios.Should().Equal(0.5, 1.0, 1.0);
    }

    [Fact]
    public void Other_samplers_ignore_updates()
    {
        var s = Init(TaskSampler.Proportional());
        s.Update(new Dictionary<string, double> { ["a"] = 1.0 });
        s.Probabilities.Should().Equal(0.8, 0.05, 0.15);
    }

    [Fact]
    public void Bad_hyper_parameters_are_rejected()
    {
        FluentActions.Invoking(() => TaskSampler.Temperature(0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Temperature must be > 0*got 0*");
        FluentActions.Invoking(() => TaskSampler.Dynamic(-1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*tau must be finite and > 0*got -1*");
    }

    [Fact]
    public void Uninitialised_sampler_says_how_to_initialise() =>
        FluentActions.Invoking(() => TaskSampler.Uniform().Probabilities)
            .Should().Throw<InvalidOperationException>().WithMessage("*not been initialised*DataLoader*Initialize*");

    [Fact]
    public void Dynamic_rejects_unknown_tasks_and_bad_losses()
    {
        var s = Init(TaskSampler.Dynamic());
        s.Invoking(x => x.Update(new Dictionary<string, double> { ["zzz"] = 1 }))
            .Should().Throw<ArgumentException>().WithMessage("*task 'zzz'*tasks: a, b, c*");
        s.Invoking(x => x.Update(new Dictionary<string, double> { ["a"] = double.NaN }))
            .Should().Throw<ArgumentException>().WithMessage("*task 'a' is NaN*finite and non-negative*");
    }

    [Fact]
    public void Initialize_rejects_mismatched_counts() =>
        FluentActions.Invoking(() => TaskSampler.Uniform().Initialize(Names, [1, 2]))
            .Should().Throw<ArgumentException>().WithMessage("*3 tasks and 2 counts*");
}
