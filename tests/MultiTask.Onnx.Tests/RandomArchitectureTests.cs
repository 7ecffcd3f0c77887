using System.Globalization;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using Xunit.Abstractions;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Onnx.Tests;

/// <summary>
/// The exporter's inputs fuzzed: seeded random architectures (kind, depth, widths, activation, dropout, layer norm,
/// residual heads, wide paths, periodic embeddings, embedding inputs) at random weights, each exported and run in ONNX
/// Runtime on a batch and on single rows. Every one must match the library's evaluation-mode Forward within the tolerance;
/// none may fail to export. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public sealed class RandomArchitectureTests(ITestOutputHelper output)
{
    private static readonly Func<Module<Tensor, Tensor>>?[] Activations =
        [null, () => new Tanh(), () => new Gelu(), () => new Silu(), () => new LeakyRelu(0.1f), () => new Elu(), () => new Sigmoid()];

    private static int[] Widths(Random r, int min) => [.. Enumerable.Range(0, r.Next(min, 4)).Select(_ => r.Next(1, 24))];

    private static MultiTaskModel Build(Random r, Data.FeatureEncoder encoder, Generator g)
    {
        var mlp = new MlpOptions { Activation = Activations[r.Next(Activations.Length)], Dropout = r.Next(2) * 0.3f, LayerNorm = r.Next(3) == 0 };
        int[]? head = r.Next(2) == 0 ? null : Widths(r, 1);
        switch (r.Next(3))
        {
            case 0:
                bool residual = r.Next(2) == 0;
                return MultiTaskModel.HardSharing(encoder, new HardSharingOptions
                {
                    Backbone = Widths(r, 1), Head = head ?? [], Mlp = mlp, ResidualHeads = residual,
                    Wide = (WidePath)r.Next(3),
                    NumericEmbedding = r.Next(3) == 0 ? new PeriodicEmbeddingOptions { Frequencies = r.Next(1, 8), Size = r.Next(1, 6) } : null,
                }, g, ExportFixture.ScalarTasks);
            case 1:
                return MultiTaskModel.SoftSharing(encoder, Widths(r, 1), head, options: mlp, generator: g, tasks: ExportFixture.ScalarTasks);
            default:
                return MultiTaskModel.CrossStitch(encoder, Widths(r, 1), head, options: mlp, generator: g, tasks: ExportFixture.ScalarTasks);
        }
    }

    [Fact]
    public void Random_architectures_export_and_match_in_ONNX_Runtime()
    {
        double? seconds = double.TryParse(Environment.GetEnvironmentVariable("MULTITASK_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var plain = ExportFixture.Encoded(embedding: false, rows: 40);
        var embedded = ExportFixture.Encoded(embedding: true, rows: 40);
        int tried = 0;
        double worst = 0;
        var failures = new List<string>();
        for (int i = 0; seconds is null ? i < 60 : clock.Elapsed.TotalSeconds < seconds; i++)
        {
            var r = new Random(20261201 + i);
            var (encoder, data) = r.Next(2) == 0 ? plain : embedded;
            var model = Build(r, encoder, new Generator((ulong)i));
            tried++;
            try
            {
                model.Eval();
                TaskOutputs expected;
                using (Autograd.NoGrad()) expected = model.Forward(data.Features);
                var errors = RuntimeComparison.Compare(RuntimeComparison.Export(model, new OnnxExportOptions { Encoder = encoder }), data.Features, expected);
                double max = errors.Max(e => e.MaxRelative);
                worst = Math.Max(worst, max);
                if (!(max <= RuntimeComparison.Tolerance)) failures.Add($"architecture {i} ({model.GetType().Name}): max relative error {max:E2}");
            }
            catch (Exception e)
            {
                failures.Add($"architecture {i} ({model.GetType().Name}): {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"random architectures: {tried} tried, {tried - failures.Count} matched ONNX Runtime (worst relative error {worst:E2}), {failures.Count} anything else"));
        failures.Should().BeEmpty(string.Join(Environment.NewLine, failures.Take(20)));
    }
}
