using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

public class DropoutTests
{
    [Fact]
    public void Training_ZeroesAboutP_AndScalesTheRest()
    {
        var drop = new Dropout(0.3f, new Generator(4));
        var x = Tensor.Ones(100, 100).RequireGrad();
        var y = drop.Forward(x);
        var values = y.ToArray();
        values.Should().OnlyContain(v => v == 0f || Math.Abs(v - 1f / 0.7f) < 1e-6f);
        double zeroFraction = values.Count(v => v == 0f) / (double)values.Length;
        zeroFraction.Should().BeApproximately(0.3, 0.02);
        y.Sum().Backward();
        x.Grad!.ToArray().Should().Equal(values, "the gradient is the same mask");
    }

    [Fact]
    public void Eval_IsIdentity()
    {
        var drop = new Dropout(0.9f);
        drop.Eval();
        var x = Tensor.Randn(new Generator(1), 4, 4);
        drop.Forward(x).ToArray().Should().Equal(x.ToArray());
    }

    [Fact]
    public void EdgeProbabilities_BehaveAsPyTorch()
    {
        var x = Tensor.Randn(new Generator(1), 3, 3).RequireGrad();
        new Dropout(0f).Forward(x).ToArray().Should().Equal(x.ToArray());
        var y = new Dropout(1f).Forward(x);
        y.ToArray().Should().OnlyContain(v => v == 0f);
        y.Sum().Backward();
        x.Grad!.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void SameSeed_SameMask()
    {
        var x = Tensor.Ones(50);
        new Dropout(0.5f, new Generator(2)).Forward(x).ToArray()
            .Should().Equal(new Dropout(0.5f, new Generator(2)).Forward(x).ToArray());
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void InvalidProbability_Throws(float p)
    {
        var act = () => new Dropout(p);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*between 0 and 1*");
    }
}
