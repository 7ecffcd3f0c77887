using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Architectures;

public class EncoderFactoryTests
{
    private static FeatureEncoder Encoder()
    {
        var schema = new FeatureSchema().Numeric("x").Categorical("c", "p", "q", "r");
        var tasks = new[] { TaskSpec.Regression("price", ["x", "c"]), TaskSpec.Multiclass("kind", 3, ["x"]) };
        var data = MultiTaskDataset.FromTable(schema, tasks, new Table()
            .Add("x", [1.0, 2.0, 3.0, 4.0])
            .Add("c", ["p", "q", "r", null])
            .Add("price", [10.0, 20.0, double.NaN, 40.0])
            .Add("kind", [0, 1, 2, 1]));
        return FeatureEncoder.Fit(data);
    }

    [Fact]
    public void Factories_TakeInputWidthAndTaskWidthsFromTheEncoder()
    {
        var encoder = Encoder();
        var models = new MultiTaskModel[]
        {
            MultiTaskModel.HardSharing(encoder, backbone: [8], head: [4], generator: new Generator(1)),
            MultiTaskModel.SoftSharing(encoder, hidden: [8], generator: new Generator(1)),
            MultiTaskModel.CrossStitch(encoder, hidden: [8], generator: new Generator(1)),
        };
        foreach (var model in models)
        {
            model.InputSize.Should().Be(encoder.Width);
            model.TaskNames.Should().Equal("price", "kind");
            model.OutputSize("price").Should().Be(1);
            model.OutputSize("kind").Should().Be(3);
            var outputs = model.Forward(Tensor.Zeros(5, encoder.Width));
            outputs["kind"].Shape.Should().Equal(5, 3);
        }
    }

    [Fact]
    public void TaskSubset_BuildsASingleTaskModel_AndUnknownNamesAreListed()
    {
        var encoder = Encoder();
        MultiTaskModel.HardSharing(encoder, backbone: [8], tasks: ["kind"]).TaskNames.Should().Equal("kind");
        var act = () => MultiTaskModel.HardSharing(encoder, backbone: [8], tasks: ["colour"]);
        act.Should().Throw<ArgumentException>().WithMessage("*'colour'*price, kind*");
    }
}
