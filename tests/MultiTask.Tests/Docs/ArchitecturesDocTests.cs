using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Training;

namespace MultiTask.Tests.Docs;

/// <summary>The parameter names and shared/task split that docs/architectures.md lists.</summary>
public class ArchitecturesDocTests
{
    private static readonly (string, int)[] Tasks = [("house", 1), ("apartment", 1)];

    [Fact]
    public void Hard_sharing_names_backbone_and_heads()
    {
        var model = MultiTaskModel.HardSharing(5, Tasks, backbone: [8, 8], head: [4], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.house.2.weight", "heads.house.2.bias",
            "heads.apartment.0.weight", "heads.apartment.0.bias", "heads.apartment.2.weight", "heads.apartment.2.bias");
        model.NamedSharedParameters().Select(p => p.Key).Should().Equal("backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias");
        model.LastSharedLayer.Should().HaveCount(2);
    }

    [Fact]
    public void Soft_sharing_names_columns_and_heads_and_shares_nothing()
    {
        var model = MultiTaskModel.SoftSharing(5, Tasks, hidden: [8], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "columns.house.0.weight", "columns.house.0.bias", "columns.apartment.0.weight", "columns.apartment.0.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.apartment.0.weight", "heads.apartment.0.bias");
        model.SharedParameters().Should().BeEmpty();
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal(
            "columns.house.0.weight", "columns.house.0.bias", "heads.house.0.weight", "heads.house.0.bias");
    }

    [Fact]
    public void Cross_stitch_names_columns_stitches_and_heads()
    {
        var model = MultiTaskModel.CrossStitch(5, Tasks, hidden: [8, 8], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "columns.house.0.0.weight", "columns.house.0.0.bias", "columns.house.1.0.weight", "columns.house.1.0.bias",
            "columns.apartment.0.0.weight", "columns.apartment.0.0.bias", "columns.apartment.1.0.weight", "columns.apartment.1.0.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.apartment.0.weight", "heads.apartment.0.bias",
            "stitches.0.alpha", "stitches.1.alpha");
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal("heads.house.0.weight", "heads.house.0.bias");
        model.StitchUnits[0].Alpha.ToArray().Should().Equal([0.9f, 0.1f, 0.1f, 0.9f]);
    }

    [Fact]
    public void The_factories_shown_first_build_from_an_encoder()
    {
        var encoder = TrainingData.Encoded().Train.Encoder;
        var hard  = MultiTaskModel.HardSharing(encoder, backbone: [64, 64], head: [32], generator: new Generator(1));
        var soft  = MultiTaskModel.SoftSharing(encoder, hidden: [64, 64], strength: 1e-3, generator: new Generator(1));
        var stitch = MultiTaskModel.CrossStitch(encoder, hidden: [64, 64], selfWeight: 0.9, generator: new Generator(1));

        foreach (MultiTaskModel model in new MultiTaskModel[] { hard, soft, stitch })
        {
            model.TaskNames.Should().Equal("a", "b");
            model.InputSize.Should().Be(encoder.Width);
        }
    }
}
