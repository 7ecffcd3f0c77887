using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Data.Streaming;
using MultiTask.Training;

namespace MultiTask.Parquet.Tests;

/// <summary>The code of docs/streaming.md, run on small files (tests/MultiTask.Tests/Docs/DocSnippetTests.cs keeps the two identical).</summary>
public sealed class StreamingDocExample : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-streaming-doc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheDocsCodeRuns()
    {
        string dir = _dir;
        StreamingTestData.Write(Path.Combine(dir, "train.csv"), 3000, seed: 1, quantileEncodings: false);
        StreamingTestData.Write(Path.Combine(dir, "validation.csv"), 500, seed: 2, quantileEncodings: false);
        var schema = StreamingTestData.Schema(quantileEncodings: false);
        TaskSpec[] tasks = StreamingTestData.Tasks(quantileEncodings: false);

        // One pass over the file fits the encoder: means and standard deviations exactly, quantiles by sketch.
        var train = StreamingDataset.FromCsv(Path.Combine(dir, "train.csv"), schema, tasks, chunkRows: 16_384);
        var encoder = train.FitEncoder();

        // Each epoch: chunks in a new order, rows shuffled within windows of 65,536 rows.
        var loader = new StreamingLoader(train, encoder, batchSize: 256, bufferRows: 65_536, seed: 1);
        var validation = encoder.Transform(MultiTaskDataset.FromCsv(Path.Combine(dir, "validation.csv"), schema, tasks));
        var model = HardSharingModel.Create(ModelInput.From(encoder), new HardSharingOptions { Backbone = [64, 64] }, new Generator(1));
        TrainerOptions Options() => new() { Epochs = 10, Callbacks = [new ModelCheckpoint(Path.Combine(dir, "checkpoint"))] };
        var report = new MultiTaskTrainer(model, Options()).FitStreaming(loader, validation);

        report.History.Should().HaveCount(10);

        // After a crash: a new process builds the same loader, model and options and continues from the last epoch end.
        var trainer = new MultiTaskTrainer(model, Options());
        var resumed = trainer.FitStreaming(loader, validation, resumeFrom: Path.Combine(dir, "checkpoint"));
        var evaluation = trainer.EvaluateStreaming(train, encoder);   // any streamed file, e.g. a test set

        resumed.History.Should().HaveCount(10);
        evaluation.Tasks["price"].LabelCount.Should().Be((int)train.Fit().LabelCount("price"));

        // Parquet (package MultiTask.Parquet): one chunk per row group.
        ParquetConversion.FromCsv(Path.Combine(dir, "train.csv"), Path.Combine(dir, "train.parquet"), rowGroupRows: 100_000);
        var fromParquet = ParquetChunkSource.Dataset([Path.Combine(dir, "train.parquet")], schema, tasks);

        fromParquet.FitEncoder().ColumnNames.Should().Equal(encoder.ColumnNames);

        // Mid-epoch: the loader's position is five integers; save it with your own state and resume the epoch from it.
        int epoch = 3;
        foreach (var batch in loader.Epoch(epoch))
        {
            File.WriteAllText(Path.Combine(dir, "position.txt"), loader.Position.ToString());
            if (batch.Size > 0) break;   // e.g. the process stops here
        }
        var position = StreamPosition.Parse(File.ReadAllText(Path.Combine(dir, "position.txt")));
        foreach (var batch in loader.Epoch(position)) { /* the rest of epoch 3, exactly as if uninterrupted */ }

        position.Should().Be(new StreamPosition(3, 0, 0, 0, 1));
    }
}
