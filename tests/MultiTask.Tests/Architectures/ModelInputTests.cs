using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Architectures;

public class ModelInputTests
{
    // x numeric, shop embedding-encoded (4 levels), c one-hot: the encoder's columns mix every kind.
    private static FeatureEncoder Encoder()
    {
        var schema = new FeatureSchema().Numeric("x").Categorical("shop", CategoricalEncoding.Embedding, ["a", "b", "c", "d"]).Categorical("c", "p", "q");
        var tasks = new[] { TaskSpec.Regression("price", ["x", "shop", "c"]), TaskSpec.Binary("sold", ["x", "c"]) };
        var data = MultiTaskDataset.FromTable(schema, tasks, new Table()
            .Add("x", [1.0, 2.0, 3.0, 4.0])
            .Add("shop", ["a", "b", "c", "d"])
            .Add("c", ["p", "q", "p", null])
            .Add("price", [10.0, 20.0, double.NaN, 40.0])
            .Add("sold", [0.0, 1.0, 1.0, 0.0]));
        return FeatureEncoder.Fit(data);
    }

    [Fact]
    public void From_TakesTheEncodersWidthAndTasks_InTheEncodersOrder()
    {
        var encoder = Encoder();
        var input = ModelInput.From(encoder);
        input.InputSize.Should().Be(encoder.Width);
        input.Tasks.Should().Equal(("price", 1), ("sold", 1));
        input.Encoder.Should().BeSameAs(encoder);
        ModelInput.From(encoder, ["sold", "price"]).Tasks.Select(t => t.Name).Should().Equal("price", "sold");
        ModelInput.From(encoder, ["sold"]).Tasks.Should().Equal(("sold", 1));
        var unknown = () => ModelInput.From(encoder, ["colour"]);
        unknown.Should().Throw<ArgumentException>().WithMessage("*'colour'*price, sold*");
    }

    [Fact]
    public void PlainInput_ChecksTasksLikeEveryModel_AndAddsNoInputLayer()
    {
        var input = new ModelInput(3, [("a", 1), ("b", 2)]);
        var net = new Sequential();
        input.AddInputLayers(net).Should().Be(3);
        net.Count.Should().Be(0);
        input.PlainColumns.Should().Equal(0, 1, 2);
        var periodic = () => input.AddInputLayers(new Sequential(), numeric: new PeriodicEmbeddingOptions());
        periodic.Should().Throw<ArgumentException>().WithMessage("*ModelInput.From(encoder)*");
        ((Func<ModelInput>)(() => new ModelInput(3, [("a", 1), ("a", 1)]))).Should().Throw<ArgumentException>().WithMessage("*'a' appears more than once*");
        ((Func<ModelInput>)(() => new ModelInput(3, [("a", 0)]))).Should().Throw<ArgumentException>().WithMessage("*'a' has output size 0*");
        ((Func<ModelInput>)(() => new ModelInput(3, []))).Should().Throw<ArgumentException>().WithMessage("*at least one task*");
        ((Func<ModelInput>)(() => new ModelInput(0, [("a", 1)]))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void AddInputLayers_EmbedsTheIndexColumns_ThenThePeriodicNumericColumns()
    {
        var encoder = Encoder();
        var input = ModelInput.From(encoder);
        var plain = input.PlainColumns;
        plain.Should().HaveCount(encoder.Width - 1, "one column holds the shop's embedding index");
        plain.Should().NotContain(encoder.Columns.ToList().FindIndex(c => c.Kind == EncodedColumnKind.EmbeddingIndex));

        var net = new Sequential();
        int width = input.AddInputLayers(net, new Generator(1), embeddingSize: _ => 3, numeric: new PeriodicEmbeddingOptions { Frequencies = 2, Size = 5 });
        net.NamedChildren().Select(c => c.Key).Should().Equal("embeddings", "periodic");
        // Plain columns, shop's 3-vector; then the one numeric column x becomes a 5-vector.
        width.Should().Be(plain.Count + 3 - 1 + 5);
        net.Forward(Tensor.Zeros(2, encoder.Width)).Shape.Should().Equal(2, width);
    }

    [Fact]
    public void EveryBuiltIn_IsBuiltFromAModelInput_AndItsShortcutBuildsTheSameModel()
    {
        var encoder = Encoder();
        var input = ModelInput.From(encoder);
        var pairs = new (MultiTaskModel Created, MultiTaskModel Shortcut)[]
        {
            (HardSharingModel.Create(input, new HardSharingOptions { Backbone = [6], Head = [4] }, new Generator(3)),
                MultiTaskModel.HardSharing(encoder, backbone: [6], head: [4], generator: new Generator(3))),
            (SoftSharingModel.Create(input, new SoftSharingOptions { Hidden = [6], Strength = 0.1 }, new Generator(3)),
                MultiTaskModel.SoftSharing(encoder, hidden: [6], strength: 0.1, generator: new Generator(3))),
            (CrossStitchModel.Create(input, new CrossStitchOptions { Hidden = [6, 5], PerChannel = true }, new Generator(3)),
                MultiTaskModel.CrossStitch(encoder, hidden: [6, 5], perChannel: true, generator: new Generator(3))),
        };
        var values = Tensor.Randn(new Generator(9), 4, encoder.Width).ToArray();
        int index = encoder.Columns.ToList().FindIndex(c => c.Kind == EncodedColumnKind.EmbeddingIndex);
        for (int row = 0; row < 4; row++) values[row * encoder.Width + index] = row; // a valid category index
        var x = Tensor.FromArray(values, 4, encoder.Width);
        foreach (var (created, shortcut) in pairs)
        {
            created.InputSize.Should().Be(encoder.Width);
            created.NamedParameters().Select(p => p.Key).Should().Equal(shortcut.NamedParameters().Select(p => p.Key));
            foreach (var ((_, a), (_, b)) in created.NamedParameters().Zip(shortcut.NamedParameters()))
                a.ToArray().Should().Equal(b.ToArray());
            created.Forward(x)["price"].ToArray().Should().Equal(shortcut.Forward(x)["price"].ToArray());
        }
        // From an encoder, cross-stitch units can now be per channel: one α matrix per channel of the stitched width.
        ((CrossStitchModel)pairs[2].Created).StitchUnits[0].PerChannel.Should().BeTrue();
        ((CrossStitchModel)pairs[2].Created).StitchUnits[0].Alpha.Shape[^1].Should().Be(6);
    }

    [Fact]
    public void TaskHeads_BuildsAnMlpHeadPerTask_OrTheUsersHead()
    {
        var custom = new Linear(4, 2, generator: new Generator(1));
        var heads = TaskHeads.Build([("a", 1), ("b", 2)], 4, hidden: [3], customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["b"] = custom }, generator: new Generator(1));
        heads.Select(h => h.Name).Should().Equal("a", "b");
        heads[0].Head.Should().BeOfType<Sequential>().Which.Forward(Tensor.Zeros(2, 4)).Shape.Should().Equal(2, 1);
        heads[1].Head.Should().BeSameAs(custom);
        var unknown = () => TaskHeads.Build([("a", 1)], 4, customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["z"] = custom });
        unknown.Should().Throw<ArgumentException>().WithMessage("*'z'*not a task*'a'*");
    }
}
