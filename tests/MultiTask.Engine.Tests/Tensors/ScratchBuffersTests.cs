using FluentAssertions;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Tensors;

public class ScratchBuffersTests
{
    [Fact]
    public void AReturnedArray_IsLentAgainForItsLength_AndASecondReturnIsIgnored()
    {
        var array = ScratchBuffers.Rent(12_345);
        ScratchBuffers.Return(array);
        ScratchBuffers.Return(array);
        var first = ScratchBuffers.Rent(12_345);
        var second = ScratchBuffers.Rent(12_345);
        first.Should().BeSameAs(array);
        second.Should().NotBeSameAs(array, "one array returned twice must not be lent to two owners");
        second.Length.Should().Be(12_345);
    }
}
