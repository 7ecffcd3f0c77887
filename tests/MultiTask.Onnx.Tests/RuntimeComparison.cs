using System.Globalization;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using Xunit.Abstractions;

namespace MultiTask.Onnx.Tests;

/// <summary>The worst disagreement between ONNX Runtime and the library on one task's outputs.</summary>
/// <param name="MaxAbsolute">max |onnx − library| over rows and outputs.</param>
/// <param name="MaxRelative">max |onnx − library| / max(1, |library|): relative for large values, absolute for small ones.</param>
internal sealed record Disagreement(string Task, double MaxAbsolute, double MaxRelative);

/// <summary>Runs exported models in ONNX Runtime and compares them with the library, in one batch and row by row.</summary>
internal static class RuntimeComparison
{
    /// <summary>The bound every export must meet: float32 round-off of a few layers, nothing more.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>How many rows are also run one at a time (batch size 1).</summary>
    private const int SingleRows = 16;

    public static byte[] Export(MultiTaskModel model, OnnxExportOptions? options = null)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream, options);
        return stream.ToArray();
    }

    public static InferenceSession Session(byte[] model) =>
        new(model, new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });

    /// <summary>Every output of <paramref name="session"/> for <paramref name="rows"/> ([count, width], row-major).</summary>
    public static Dictionary<string, float[]> Run(InferenceSession session, float[] rows, int count, int width, string inputName = "features")
    {
        using var input = OrtValue.CreateTensorValueFromMemory(rows, [count, width]);
        using var runOptions = new RunOptions();
        var names = session.OutputNames.ToArray();
        using var results = session.Run(runOptions, [inputName], [input], names);
        return names.Select((name, i) => (name, values: results[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(r => r.name, r => r.values);
    }

    /// <summary>
    /// Exports the trained model twice, with raw outputs (compared with its evaluation-mode Forward) and in
    /// user units (compared with the trainer's Predict), runs both in ONNX Runtime on every row in one batch
    /// and on the first rows one at a time, logs the worst error per task and asserts it is within <see cref="Tolerance"/>.
    /// </summary>
    /// <returns>The worst relative error seen.</returns>
    public static double AssertMatches(MultiTaskTrainer trainer, EncodedData data, ITestOutputHelper output, string label)
    {
        var model = trainer.Model;
        model.Eval();
        TaskOutputs raw;
        using (Autograd.NoGrad()) raw = model.Forward(data.Features);
        var user = trainer.Predict(data);

        var rawErrors = Compare(Export(model, new OnnxExportOptions { Encoder = data.Encoder }), data.Features, raw);
        var userErrors = Compare(Export(model, new OnnxExportOptions { Encoder = data.Encoder, UserUnits = true }), data.Features, user);
        foreach (var (units, errors) in new[] { ("raw", rawErrors), ("user units", userErrors) })
        {
            foreach (var e in errors)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{label,-34} {units,-10} {e.Task,-7} max abs error {e.MaxAbsolute:E2}  max relative {e.MaxRelative:E2}"));
        }
        var all = rawErrors.Concat(userErrors).ToList();
        all.Should().OnlyContain(e => e.MaxRelative <= Tolerance, $"ONNX Runtime must reproduce the library's outputs of {label} within {Tolerance:E0}");
        return all.Max(e => e.MaxRelative);
    }

    /// <summary>The worst disagreement per task between the exported model and <paramref name="expected"/>, over one full batch and single rows.</summary>
    public static List<Disagreement> Compare(byte[] onnx, Tensor inputs, TaskOutputs expected)
    {
        using var session = Session(onnx);
        int rows = inputs.Shape[0], width = inputs.Shape[1];
        var x = inputs.ToArray();
        var batch = Run(session, x, rows, width);
        var worst = expected.Keys.ToDictionary(t => t, t => (Abs: 0.0, Rel: 0.0));
        void Update(string task, ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
        {
            actual.Length.Should().Be(reference.Length, $"task '{task}' must have one output per row and output");
            var (abs, rel) = worst[task];
            for (int i = 0; i < reference.Length; i++)
            {
                double d = Math.Abs((double)actual[i] - reference[i]);
                if (!(d <= double.MaxValue)) d = double.PositiveInfinity; // NaN counts as the worst error
                abs = Math.Max(abs, d);
                rel = Math.Max(rel, d / Math.Max(1.0, Math.Abs((double)reference[i])));
            }
            worst[task] = (abs, rel);
        }
        foreach (var (task, tensor) in expected) Update(task, batch[task], tensor.ToArray());
        for (int r = 0; r < Math.Min(SingleRows, rows); r++)
        {
            var single = Run(session, x.AsSpan(r * width, width).ToArray(), 1, width);
            foreach (var (task, tensor) in expected)
            {
                int size = tensor.Shape[1];
                Update(task, single[task], tensor.ToArray().AsSpan(r * size, size));
            }
        }
        return worst.Select(w => new Disagreement(w.Key, w.Value.Abs, w.Value.Rel)).ToList();
    }
}
