using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

public class EmbeddingTests
{
    [Fact]
    public void PaddingRow_StartsAtZero_AndGetsNoGradient()
    {
        var emb = new Embedding(5, 3, paddingIdx: -1, generator: new Generator(1));
        emb.PaddingIdx.Should().Be(4);
        emb.Weight.ToArray().Skip(12).Should().OnlyContain(v => v == 0f);
        emb.Forward(Tensor.FromArray([4f, 1f, 4f], 3)).Sum().Backward();
        emb.Weight.Grad!.ToArray().Skip(12).Should().OnlyContain(v => v == 0f);
        emb.Weight.Grad!.ToArray().Skip(3).Take(3).Should().OnlyContain(v => v == 1f);
    }

    [Fact]
    public void OutputShape_AppendsEmbeddingDim()
    {
        var emb = new Embedding(5, 3, generator: new Generator(1));
        emb.Forward(Tensor.Zeros(2, 4)).Shape.Should().Equal(2, 4, 3);
    }

    [Theory]
    [InlineData(5f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    public void InvalidIndex_ThrowsNamingIndexAndSize(float bad)
    {
        var act = () => new Embedding(5, 3).Forward(Tensor.FromArray([0f, bad]));
        act.Should().Throw<ArgumentException>().WithMessage($"*index {bad}*5 embeddings*");
    }
}
