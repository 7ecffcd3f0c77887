using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.NN;

/// <summary>
/// Our generator's stream differs from PyTorch's, so initialisers are compared by distribution:
/// moments and extremes of a large sample against the same statistics of PyTorch's sample.
/// </summary>
public class InitTests
{
    private const string File = "nn_init.json";

    public static IEnumerable<object[]> Cases => Golden.CaseNames(File);

    private static Tensor Make(string name, int[] shape, Generator g)
    {
        var w = Tensor.Zeros(shape);
        return name switch
        {
            "linear_weight" => new Linear(400, 300, generator: g).Weight,
            "linear_bias" => new Linear(400, 300, generator: g).Bias!,
            "xavier_uniform" => Init.XavierUniform(w, generator: g),
            "xavier_uniform_gain" => Init.XavierUniform(w, Init.CalculateGain(Nonlinearity.Tanh), g),
            "xavier_normal" => Init.XavierNormal(w, 2.0, g),
            "kaiming_uniform" => Init.KaimingUniform(w, generator: g),
            "kaiming_uniform_fan_out_relu" => Init.KaimingUniform(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: g),
            "kaiming_normal" => Init.KaimingNormal(w, generator: g),
            "kaiming_normal_leaky" => Init.KaimingNormal(w, a: 0.2, mode: FanMode.FanOut, generator: g),
            "uniform" => Init.Uniform(w, -0.3, 0.7, g),
            "normal" => Init.Normal(w, 0.5, 2.0, g),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Distribution_MatchesPyTorch(string name)
    {
        var c = Golden.Case(File, name);
        var shape = c["shape"]!.AsArray().Select(x => (int)x!).ToArray();
        var values = Make(name, shape, new Generator(11)).ToArray().Select(v => (double)v).ToArray();
        values.Length.Should().Be((int)c["numel"]!);
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        double tStd = (double)c["std"]!, tMean = (double)c["mean"]!;
        bool normal = name.Contains("normal");

        Math.Abs(mean - tMean).Should().BeLessThan(6 * tStd / Math.Sqrt(values.Length), $"{name} mean {mean} vs PyTorch {tMean}");
        std.Should().BeApproximately(tStd, 0.03 * tStd, $"{name} std");
        if (normal)
        {
            // Extremes of a normal sample are too noisy to compare; check the shape of the bulk instead.
            double within = values.Count(v => Math.Abs(v - tMean) <= tStd) / (double)values.Length;
            within.Should().BeApproximately(0.6827, 0.01, $"{name}: fraction within one std");
            (tMean - values.Min()).Should().BeInRange(3 * tStd, 6 * tStd, $"{name} min (PyTorch {(double)c["min"]!})");
            (values.Max() - tMean).Should().BeInRange(3 * tStd, 6 * tStd, $"{name} max (PyTorch {(double)c["max"]!})");
        }
        else
        {
            double tol = 0.01 * ((double)c["max"]! - (double)c["min"]!);
            values.Min().Should().BeApproximately((double)c["min"]!, tol, $"{name} min");
            values.Max().Should().BeApproximately((double)c["max"]!, tol, $"{name} max");
        }
    }

    [Fact]
    public void CalculateGain_MatchesPyTorch()
    {
        var gains = Golden.Load(File)["gains"]!;
        var map = new (string Key, Nonlinearity N, double? Param)[]
        {
            ("linear", Nonlinearity.Linear, null), ("conv1d", Nonlinearity.Conv, null), ("sigmoid", Nonlinearity.Sigmoid, null),
            ("tanh", Nonlinearity.Tanh, null), ("relu", Nonlinearity.Relu, null), ("leaky_relu", Nonlinearity.LeakyRelu, null),
            ("selu", Nonlinearity.Selu, null), ("leaky_relu_0.2", Nonlinearity.LeakyRelu, 0.2),
        };
        foreach (var (key, n, param) in map)
            Init.CalculateGain(n, param).Should().BeApproximately((double)gains[key]!, 1e-12, key);
    }

    [Fact]
    public void Linear_UniformBoundsAreExact()
    {
        var lin = new Linear(16, 8, generator: new Generator(3));
        lin.Weight.ToArray().Should().OnlyContain(v => Math.Abs(v) <= 0.25f);
        lin.Bias!.ToArray().Should().OnlyContain(v => Math.Abs(v) <= 0.25f);
    }

    [Fact]
    public void SameGenerator_SameSeed_SameWeights()
    {
        var a = new Linear(4, 3, generator: new Generator(9));
        var b = new Linear(4, 3, generator: new Generator(9));
        a.Weight.ToArray().Should().Equal(b.Weight.ToArray());
        a.Bias!.ToArray().Should().Equal(b.Bias!.ToArray());
    }

    [Fact]
    public void Initialisers_WriteInPlace_WithoutRecordingGradients()
    {
        var p = new Parameter(Tensor.Zeros(3, 2));
        Init.XavierUniform(p, generator: new Generator(1)).Should().BeSameAs(p);
        p.IsLeaf.Should().BeTrue();
        p.ToArray().Should().Contain(v => v != 0f);
        Init.Ones(p).ToArray().Should().OnlyContain(v => v == 1f);
        Init.Zeros(p).ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void FanBasedInit_OnVector_ThrowsNamingShape()
    {
        var act = () => Init.XavierUniform(Tensor.Zeros(5));
        act.Should().Throw<ArgumentException>().WithMessage("*fewer than 2 dimensions*[5]*");
    }

    [Fact]
    public void CalculateFanInAndFanOut_IncludesReceptiveField()
    {
        Init.CalculateFanInAndFanOut(Tensor.Zeros(8, 4, 3)).Should().Be((12, 24));
    }
}
