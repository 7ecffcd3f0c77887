using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Onnx.Tests;

/// <summary>The export and serving blocks of docs/onnx.md (kept verbatim by DocSnippetTests), run on small generated data with temporary files.</summary>
public class DocsExampleTests
{
    [Fact]
    public void ExportAndServe_AsDocumented_GiveThePredictionsOfPredict()
    {
        var g = new Generator(21);
        double[] size = Enumerable.Range(0, 120).Select(_ => 600 + 900 * g.NextDouble()).ToArray();
        string?[] location = size.Select(_ => g.NextDouble() < 0.5 ? "downtown" : "suburb").ToArray();
        double[] price = size.Select((s, i) => 150 * s + (location[i] == "downtown" ? 40_000 : 0) + 5_000 * g.NextNormal()).ToArray();
        var schema = new FeatureSchema().Numeric("size_sqft").Categorical("location", "downtown", "suburb");
        TaskSpec[] tasks = [TaskSpec.Regression("price", ["size_sqft", "location"])];
        var train = MultiTaskDataset.FromTable(schema, tasks, new Table().Add("size_sqft", size).Add("location", location).Add("price", price));
        string directory = Directory.CreateTempSubdirectory("multitask-onnx-docs-").FullName;
        string modelPath = Path.Combine(directory, "model.onnx"), encoderPath = Path.Combine(directory, "encoder.json");
        try
        {
            var trainer = Export(train, modelPath, encoderPath);
            var (prices, rows) = Serve(schema, tasks, modelPath, encoderPath);

            var expected = trainer.Predict(rows)["price"].ToArray();
            prices.Should().HaveCount(2);
            for (int i = 0; i < prices.Length; i++) prices[i].Should().BeApproximately(expected[i], 1e-5f * Math.Abs(expected[i]));
            prices.Should().OnlyContain(p => p > 50_000f && p < 400_000f, "the outputs are prices in dollars, not standardised values");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static MultiTaskTrainer Export(MultiTaskDataset train, string modelPath, string encoderPath)
    {
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [32, 32]);
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 5 });
        trainer.Fit(encoder.Transform(train));

        OnnxExporter.Export(model, modelPath, new OnnxExportOptions { Encoder = encoder, UserUnits = true });   // e.g. "model.onnx"
        encoder.Save(encoderPath);   // the serving side encodes new rows with exactly the training encoding
        return trainer;
    }

    private static (float[] Prices, EncodedData Rows) Serve(FeatureSchema schema, TaskSpec[] tasks, string modelPath, string encoderPath)
    {
        var encoder = FeatureEncoder.Load(encoderPath, schema, tasks);
        var newRows = MultiTaskDataset.FromTable(schema, tasks,
            new Table().Add("size_sqft", [650.0, 1100.0]).Add("location", ["downtown", "suburb"]),
            new TableOptions { Labels = [], KeepUnlabeledRows = true });
        EncodedData rows = encoder.Transform(newRows);

        using var session = new InferenceSession(modelPath);
        using var input = OrtValue.CreateTensorValueFromMemory(rows.Features.ToArray(), [rows.RowCount, rows.Width]);
        using var outputs = session.Run(new RunOptions(), ["features"], [input], session.OutputNames);
        float[] prices = outputs[0].GetTensorDataAsSpan<float>().ToArray();   // one price per row, in the label's units
        return (prices, rows);
    }
}
