using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Tests.Architectures;

public class PeriodicEmbeddingTests
{
    private static readonly PeriodicEmbeddingOptions Small = new() { Frequencies = 2, Size = 2, Sigma = 0.5 };

    // Input width 3; columns 0 and 2 are embedded, column 1 passes through.
    private static PeriodicEmbedding HandSet()
    {
        var layer = new PeriodicEmbedding(3, [0, 2], Small, new Generator(1));
        float[] frequencies = [0.1f, 0.35f, -0.2f, 0.05f];               // [m=2, k=2]
        float[] weight =                                                  // [m=2, 2k=4, d=2]
        [
            0.5f, -0.3f, 0.2f, 0.4f, -0.1f, 0.6f, 0.3f, -0.2f,
            -0.4f, 0.1f, 0.7f, 0.2f, 0.25f, -0.5f, -0.15f, 0.3f,
        ];
        float[] bias = [0.1f, 0.2f, -0.05f, 0.3f];                       // [m=2, d=2]
        frequencies.CopyTo(layer.Frequencies.AsSpan());
        weight.CopyTo(layer.Weight.AsSpan());
        bias.CopyTo(layer.Bias.AsSpan());
        return layer;
    }

    private static double[] Expected(PeriodicEmbedding layer, float[] row)
    {
        var c = layer.Frequencies.ToArray();
        var w = layer.Weight.ToArray();
        var b = layer.Bias.ToArray();
        var result = new List<double> { row[1] };
        int[] columns = [0, 2];
        for (int j = 0; j < 2; j++)
        {
            double x = row[columns[j]];
            // v = [sin(2π c_j0 x), sin(2π c_j1 x), cos(2π c_j0 x), cos(2π c_j1 x)]
            double[] v = [Math.Sin(2 * Math.PI * c[2 * j] * x), Math.Sin(2 * Math.PI * c[2 * j + 1] * x),
                          Math.Cos(2 * Math.PI * c[2 * j] * x), Math.Cos(2 * Math.PI * c[2 * j + 1] * x)];
            for (int o = 0; o < 2; o++)
            {
                double pre = b[2 * j + o];
                for (int i = 0; i < 4; i++) pre += v[i] * w[(j * 4 + i) * 2 + o];
                result.Add(Math.Max(pre, 0));
            }
        }
        return [.. result];
    }

    [Fact]
    public void Forward_MatchesAHandComputation_ForTwoFeatures()
    {
        var layer = HandSet();
        float[][] rows = [[0.8f, 5f, -1.3f], [-2f, -7f, 0.4f]];
        var x = Tensor.FromArray(rows.SelectMany(r => r).ToArray(), 2, 3);

        var y = layer.Forward(x);

        layer.OutputSize.Should().Be(1 + 2 * 2);
        y.Shape.Should().Equal(2, 5);
        for (int r = 0; r < 2; r++)
        {
            var expected = Expected(layer, rows[r]);
            expected.Skip(1).Should().Contain(v => v > 0.05, "the case must exercise the Relu's linear side");
            for (int col = 0; col < 5; col++)
                ((double)y[r, col]).Should().BeApproximately(expected[col], 1e-5, $"row {r}, column {col}");
        }
    }

    [Fact]
    public void Gradients_MatchCentralDifferences_ForInputsAndEveryParameter()
    {
        var layer = HandSet();
        var x0 = new float[] { 0.8f, 5f, -1.3f, -0.6f, 1.5f, 0.9f };
        var w = Tensor.Randn(new Generator(3), 2, 5);
        var x = Tensor.FromArray(x0, 2, 3).RequireGrad();
        var tensors = new[] { x, layer.Frequencies, layer.Weight, layer.Bias };
        var analytic = Autograd.Grad((layer.Forward(x) * w).Sum(), tensors).Select(g => g!.ToArray()).ToArray();

        double Objective()
        {
            using (Autograd.NoGrad()) return (layer.Forward(x) * w).ToArray().Sum(v => (double)v);
        }

        const double eps = 1e-3;
        for (int t = 0; t < tensors.Length; t++)
        {
            var data = tensors[t].AsSpan();
            for (int i = 0; i < data.Length; i++)
            {
                float saved = tensors[t].AsSpan()[i];
                tensors[t].AsSpan()[i] = saved + (float)eps;
                double plus = Objective();
                tensors[t].AsSpan()[i] = saved - (float)eps;
                double minus = Objective();
                tensors[t].AsSpan()[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                Math.Abs(numeric - analytic[t][i]).Should().BeLessThan(5e-3 + 1e-2 * Math.Abs(analytic[t][i]),
                    $"tensor {t} element {i}: autograd {analytic[t][i]}, finite difference {numeric}");
            }
        }
        // The frequencies get a real gradient (they are learned), and the passed-through column gets exactly w.
        analytic[1].Should().Contain(v => Math.Abs(v) > 1e-2);
        analytic[0][1].Should().BeApproximately(w[0, 0], 1e-6f);
    }

    [Fact]
    public void Initialisation_FollowsTheTruncatedNormalAndLinearBounds()
    {
        var layer = new PeriodicEmbedding(40, Enumerable.Range(0, 40).ToArray(), new PeriodicEmbeddingOptions { Frequencies = 50, Sigma = 0.2, Size = 4 }, new Generator(5));
        var c = layer.Frequencies.ToArray();

        c.Should().HaveCount(40 * 50).And.OnlyContain(v => Math.Abs(v) <= 0.6f + 1e-6f);
        double std = Math.Sqrt(c.Average(v => (double)v * v));
        std.Should().BeInRange(0.2 * 0.9, 0.2); // a normal truncated at 3σ has std 0.986σ
        double bound = 1 / Math.Sqrt(100);
        layer.Weight.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        layer.Bias.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        layer.Weight.Shape.Should().Equal(40, 100, 4);
        layer.OutputSize.Should().Be(160);
    }

    [Fact]
    public void FromEncoder_EmbedsTheNumericColumns_OrTheNamedOnes()
    {
        var encoder = TabularFixture.Encoder();
        var numeric = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind == EncodedColumnKind.Numeric).ToArray();
        numeric.Should().HaveCount(2);

        new PeriodicEmbedding(encoder, Small).Columns.Should().Equal(numeric);
        var only = new PeriodicEmbedding(encoder, Small with { Features = ["x2"] });
        only.Columns.Should().Equal(numeric.Where(c => encoder.Columns[c].Feature == "x2"));
        only.OutputSize.Should().Be(encoder.Width - 1 + 2);

        var act = () => new PeriodicEmbedding(encoder, Small with { Features = ["shop"] });
        act.Should().Throw<ArgumentException>().WithMessage("*'shop'*not a numeric feature*'x1', 'x2'*");
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        ((Action)(() => new PeriodicEmbedding(3, []))).Should().Throw<ArgumentException>().WithMessage("*at least one column*");
        ((Action)(() => new PeriodicEmbedding(3, [0, 0]))).Should().Throw<ArgumentException>().WithMessage("*repeat*");
        ((Action)(() => new PeriodicEmbedding(3, [3]))).Should().Throw<ArgumentException>().WithMessage("*column 3*3 columns*");
        ((Action)(() => new PeriodicEmbedding(3, [0], new PeriodicEmbeddingOptions { Sigma = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Sigma*");
        ((Action)(() => new PeriodicEmbedding(3, [0], new PeriodicEmbeddingOptions { Frequencies = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Frequencies*");
        HandSet().Invoking(l => l.Forward(Tensor.Zeros(2, 4))).Should().Throw<ArgumentException>().WithMessage("*[batch, 3]*[2, 4]*");
    }
}
