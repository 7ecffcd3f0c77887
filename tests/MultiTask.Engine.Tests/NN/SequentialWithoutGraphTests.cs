using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Testing;

namespace MultiTask.Engine.Tests.NN;

/// <summary>
/// Without a graph, a Sequential reuses scratch arrays for the intermediate results of its Linear/activation runs; the
/// results must be the ones of the ordinary path, bit for bit, and nothing the caller holds may change.
/// </summary>
public class SequentialWithoutGraphTests
{
    private static IEnumerable<Func<Generator, Sequential>> Chains() =>
    [
        g => new Sequential(new Linear(6, 16, generator: g), new Relu(), new Linear(16, 16, generator: g), new Relu(), new Linear(16, 3, generator: g)),
        g => new Sequential(new Relu(), new Linear(6, 8, generator: g), new Tanh(), new Linear(8, 8, generator: g), new Sigmoid()),
        g => new Sequential(new Linear(6, 8, generator: g), new Relu(), new LayerNorm(8), new Linear(8, 8, generator: g), new Relu(), new Identity(), new Relu()),
        g => new Sequential(new Linear(6, 8, generator: g), new Gelu(), new Linear(8, 4, generator: g), new Tanh(), new Linear(4, 4, generator: g, bias: false)),
        g => new Sequential(new Linear(6, 8, generator: g), new Relu(),
            new Sequential(new Linear(8, 8, generator: g), new Relu(), new Linear(8, 8, generator: g)), new Sigmoid(), new Linear(8, 2, generator: g)),
    ];

    public static TheoryData<int> Cases => [.. Enumerable.Range(0, Chains().Count())];

    [Theory]
    [MemberData(nameof(Cases))]
    public void WithoutAGraph_TheResultIsTheOrdinaryPathsBitForBit_AndTheInputIsUntouched(int chain)
    {
        var net = Chains().ElementAt(chain)(new Generator(5));
        var x = Tensor.Randn(new Generator(9), 33, 6);
        var before = x.ToArray();
        var expected = net.Forward(x).ToArray(); // grad mode on: the ordinary path, every module on its own
        for (int repeat = 0; repeat < 3; repeat++)
        {
            Tensor y;
            using (Autograd.NoGrad()) y = net.Forward(x);
            y.ToArray().Should().Equal(expected, "repeat {0} reuses the scratch arrays of the previous one", repeat);
        }
        x.ToArray().Should().Equal(before);
    }

    [Fact]
    public void AResultKeptByTheCaller_IsNotOverwrittenByTheNextCall()
    {
        var g = new Generator(3);
        var net = new Sequential(new Linear(4, 8, generator: g), new Relu(), new Linear(8, 8, generator: g), new Relu());
        Tensor first, second;
        using (Autograd.NoGrad())
        {
            first = net.Forward(Tensor.Randn(new Generator(1), 5, 4));
            var kept = first.ToArray();
            second = net.Forward(Tensor.Randn(new Generator(2), 5, 4));
            first.ToArray().Should().Equal(kept);
        }
        second.ToArray().Should().NotEqual(first.ToArray());
    }

    [Fact]
    public void RepeatedInference_AllocatesOnlyEachCallsResult()
    {
        var g = new Generator(4);
        var net = new Sequential(new Linear(8, 64, generator: g), new Relu(), new Linear(64, 64, generator: g), new Relu(), new Linear(64, 64, generator: g), new Relu());
        var x = Tensor.Randn(new Generator(1), 1024, 8);
        double perCall;
        using (Autograd.NoGrad()) perCall = Allocations.PerCall(() => net.Forward(x));
        // The result (1,024 × 64 floats, 256 KB) and small bookkeeping; the ordinary path makes six such arrays.
        perCall.Should().BeLessThan(1.5 * 1024 * 64 * sizeof(float));
    }
}
