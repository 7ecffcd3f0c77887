using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Data;

public class DataLoaderTests
{
    private static EncodedData Encoded()
    {
        var train = TestData.Sacramento().Split(42, 0.15, 0.15).Train;
        return FeatureEncoder.Fit(train).Transform(train);
    }

    [Fact]
    public void Joint_epoch_visits_every_row_once_with_consistent_masks()
    {
        var data = Encoded();
        var loader = new DataLoader(data, 64, new Generator(1));
        loader.StepsPerEpoch.Should().Be((643 + 63) / 64);
        var batches = loader.Epoch().ToList();
        batches.Should().HaveCount(loader.StepsPerEpoch);
        batches.SelectMany(b => b.Rows).Order().Should().Equal(Enumerable.Range(0, 643));
        var houseMask = data.Mask("house").ToArray();
        var x = data.Features;
        foreach (var b in batches)
        {
            b.Inputs.Shape.Should().Equal(b.Size, 11);
            b.Targets("house").Shape.Should().Equal(b.Size, 1);
            b.Mask("house").Shape.Should().Equal(b.Size);
            for (int i = 0; i < b.Size; i++)
            {
                b.Mask("house")[i].Should().Be(houseMask[b.Rows[i]]);
                b.Inputs[i, 2].Should().Be(x[b.Rows[i], 2]);
            }
            b.SampledTask.Should().BeNull();
        }
    }

    [Fact]
    public void A_full_batch_is_every_row_in_order_the_same_batch_each_epoch_and_draws_nothing()
    {
        var data = Encoded();
        var generator = new Generator(1);
        var state = generator.GetState();
        var loader = new DataLoader(data, data.RowCount + 5, generator);

        var first = loader.Epoch().Single();
        var second = loader.Epoch().Single();

        first.Rows.Should().Equal(Enumerable.Range(0, data.RowCount));
        first.Inputs.ToArray().Should().Equal(data.Features.ToArray());
        second.Should().BeSameAs(first, "the order of one batch of every row changes nothing, so it is made once");
        generator.GetState().Should().Be(state, "nothing is shuffled");
    }

    [Fact]
    public void Joint_epochs_are_shuffled_reproducibly()
    {
        var data = Encoded();
        var a = new DataLoader(data, 100, new Generator(5)).Epoch().First().Rows;
        var b = new DataLoader(data, 100, new Generator(5)).Epoch().First().Rows;
        var loader = new DataLoader(data, 100, new Generator(5));
        loader.Epoch().First();
        var second = loader.Epoch().First().Rows;
        a.Should().Equal(b);
        second.Should().NotEqual(a);
        new DataLoader(data, 100, shuffle: false).Epoch().First().Rows.Should().Equal(Enumerable.Range(0, 100));
    }

    [Fact]
    public void Task_without_labels_in_a_batch_is_absent()
    {
        var data = Encoded();
        var houseRows = data.LabeledRows(data.TaskIndex("house")).Take(5).ToArray();
        var batch = data.GetBatch(houseRows);
        batch.IsPresent("house").Should().BeTrue();
        batch.IsPresent("condo").Should().BeFalse();
        batch.PresentTasks.Should().Equal(0);
        batch.LabelCount("house").Should().Be(5);
        batch.Mask("condo").ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void Per_task_batches_hold_only_the_sampled_task()
    {
        var data = Encoded();
        var loader = new DataLoader(data, 32, new Generator(2), TaskSampler.Uniform());
        loader.StepsPerEpoch.Should().Be((606 + 37 + 31) / 32, "an epoch is ceil(total labelled rows / batch size) steps");
        var batches = loader.Epoch().ToList();
        batches.Should().HaveCount(loader.StepsPerEpoch);
        foreach (var b in batches)
        {
            int t = data.TaskIndex(b.SampledTask!.Name);
            b.PresentTasks.Should().Equal(t);
            b.Size.Should().Be(32);
            b.Mask(t).ToArray().Should().OnlyContain(v => v == 1f);
            b.Mask(1 - t).ToArray().Should().OnlyContain(v => v == 0f);
            b.Rows.Should().OnlyHaveUniqueItems();
        }
        batches.Select(b => b.SampledTask!.Name).Distinct().Should().BeEquivalentTo("house", "condo");
    }

    [Fact]
    public void Per_task_batches_draw_only_the_requested_tasks()
    {
        var data = Encoded();
        var loader = new DataLoader(data, 32, new Generator(2), TaskSampler.Uniform(), tasks: ["condo"]);
        loader.StepsPerEpoch.Should().Be((37 + 31) / 32, "only the condo labels count");
        loader.Epoch().Select(b => b.SampledTask!.Name).Should().OnlyContain(name => name == "condo");
        var unknown = () => new DataLoader(data, 32, new Generator(2), TaskSampler.Uniform(), tasks: ["flat"]);
        unknown.Should().Throw<ArgumentException>().WithMessage("*'flat'*house, condo*");
    }

    [Fact]
    public void Per_task_batch_is_capped_by_a_small_task()
    {
        var data = Encoded();
        var loader = new DataLoader(data, 64, new Generator(3), TaskSampler.Uniform());
        var condo = loader.Epoch().First(b => b.SampledTask!.Name == "condo");
        condo.Size.Should().Be(37, "the condo task has 37 training rows, fewer than the batch size");
    }

    [Fact]
    public void Per_task_queue_serves_every_row_once_per_cycle()
    {
        var data = Encoded();
        var loader = new DataLoader(data, 32, new Generator(4), TaskSampler.Uniform());
        var condo = loader.Epoch().Concat(loader.Epoch()).Where(b => b.SampledTask!.Name == "condo").Take(2).ToList();
        condo.Should().HaveCount(2);
        var served = condo.SelectMany(b => b.Rows).ToList();
        served.Take(37).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(data.LabeledRows(data.TaskIndex("condo")),
            "the first 37 rows served are one full cycle over the 37 condo rows");
        condo[1].Rows.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Bad_batch_size_is_rejected() =>
        FluentActions.Invoking(() => new DataLoader(Encoded(), 0))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*batchSize must be at least 1, got 0*");
}
