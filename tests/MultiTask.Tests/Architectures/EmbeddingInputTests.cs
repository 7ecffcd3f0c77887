using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Architectures;

public class EmbeddingInputTests
{
    // y depends on a 12-level category (its own offset) plus x; the category enters as an embedding.
    private static (FeatureEncoder Encoder, EncodedData Data) Encoded()
    {
        var rng = new Generator(11);
        string[] levels = Enumerable.Range(0, 12).Select(i => $"c{i}").ToArray();
        int n = 600;
        var x = new double[n];
        var cat = new string?[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            int level = (int)rng.NextInt64(0, 12);
            x[i] = rng.NextNormal();
            cat[i] = levels[level];
            y[i] = 2 * x[i] + (level - 5.5) + 0.1 * rng.NextNormal();
        }
        var schema = new FeatureSchema().Numeric("x").Categorical("shop", CategoricalEncoding.Embedding, levels);
        var data = MultiTaskDataset.FromTable(schema, [TaskSpec.Regression("y", ["x", "shop"])],
            new Table().Add("x", x).Add("shop", cat).Add("y", y));
        var encoder = FeatureEncoder.Fit(data);
        return (encoder, encoder.Transform(data));
    }

    [Fact]
    public void ReplacesIndexColumnsByVectors_AndPassesTheRestThrough()
    {
        var (encoder, data) = Encoded();
        var layer = new EmbeddingInput(encoder, embeddingSize: _ => 3, generator: new Generator(1));
        layer.OutputSize.Should().Be(encoder.Width - 1 + 3);
        var inputs = data.Features.Rows(0, 4);
        var output = layer.Forward(inputs);
        output.Shape.Should().Equal(4, layer.OutputSize);
        int indexColumn = encoder.Columns.ToList().FindIndex(c => c.Kind == EncodedColumnKind.EmbeddingIndex);
        int index = (int)inputs[0, indexColumn];
        var weight = layer.NamedParameters().Single().Value;
        // Row 0's vector is row `index` of the embedding table, after the plain columns.
        for (int d = 0; d < 3; d++) output[0, encoder.Width - 1 + d].Should().Be(weight[index, d]);
    }

    [Fact]
    public void HardSharing_LearnsThroughTheEmbedding()
    {
        var (encoder, data) = Encoded();
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16], generator: new Generator(2));
        model.NamedParameters().Select(p => p.Key).Should().Contain("backbone.embeddings.shop.weight");
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 60, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        trainer.Fit(data);
        // The target's spread is about 3.9 (x and the category offset); without the category the RMSE stays above 3.4.
        trainer.Evaluate(data)["y"]["rmse"].Should().BeLessThan(0.5);
    }

    [Fact]
    public void ColumnPerTaskArchitectures_GiveEachColumnItsOwnEmbeddings_AndLearnThroughThem()
    {
        var (encoder, data) = Encoded();
        var soft = MultiTaskModel.SoftSharing(encoder, hidden: [16], strength: 1e-3, generator: new Generator(4));
        soft.NamedParameters().Select(p => p.Key).Should().Contain("columns.y.embeddings.shop.weight");
        var stitch = MultiTaskModel.CrossStitch(encoder, hidden: [16], generator: new Generator(4));
        stitch.NamedParameters().Select(p => p.Key).Should().Contain(k => k.StartsWith("columns.y.0.embeddings.shop", StringComparison.Ordinal));
        foreach (var model in new MultiTaskModel[] { soft, stitch })
        {
            var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 60, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
            trainer.Fit(data);
            trainer.Evaluate(data)["y"]["rmse"].Should().BeLessThan(0.5, model.GetType().Name);
        }
    }
}
