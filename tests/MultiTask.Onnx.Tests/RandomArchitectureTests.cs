using System.Globalization;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using Xunit.Abstractions;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Onnx.Tests;

/// <summary>
/// The exporter's inputs fuzzed: seeded random architectures (hard and soft sharing, cross-stitch, MMoE and PLE with softmax
/// or DSelect-k gates, some wrapped in cascades; depth, widths, activation, dropout, layer norm, residual heads, wide paths,
/// periodic embeddings, embedding inputs) at random weights, each exported and run in ONNX
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
        var model = BuildInner(r, encoder, g);
        // A cascade over a quarter of them: the first two tasks' conjunction, and a chain on top of it.
        if (r.Next(4) != 0) return model;
        var (a, b, c) = (model.TaskNames[0], model.TaskNames[1], model.TaskNames[2]);
        return new CascadeModel(model, [TaskDependency.Conjunction($"{a}_and_{b}", a, b), TaskDependency.Conjunction($"{a}_and_{b}_and_{c}", $"{a}_and_{b}", c)]);
    }

    private static MultiTaskModel BuildInner(Random r, Data.FeatureEncoder encoder, Generator g)
    {
        var mlp = new MlpOptions { Activation = Activations[r.Next(Activations.Length)], Dropout = r.Next(2) * 0.3f, LayerNorm = r.Next(3) == 0 };
        int[]? head = r.Next(2) == 0 ? null : Widths(r, 1);
        var periodic = r.Next(3) == 0 ? new PeriodicEmbeddingOptions { Frequencies = r.Next(1, 8), Size = r.Next(1, 6) } : null;
        // A DSelect-k gate selects among at least two experts (the models refuse fewer, with a message).
        ExpertGateKind Gate(int mixed) => mixed >= 2 ? (ExpertGateKind)r.Next(2) : ExpertGateKind.Softmax;
        var input = ModelInput.From(encoder, ExportFixture.ScalarTasks);
        switch (r.Next(5))
        {
            case 0:
                bool residual = r.Next(2) == 0;
                return MultiTaskModel.HardSharing(encoder, new HardSharingOptions
                {
                    Backbone = Widths(r, 1), Head = head ?? [], Mlp = mlp, ResidualHeads = residual,
                    Wide = (WidePath)r.Next(3),
                    NumericEmbedding = periodic,
                }, g, ExportFixture.ScalarTasks);
            case 1:
                return MultiTaskModel.SoftSharing(encoder, Widths(r, 1), head, options: mlp, generator: g, tasks: ExportFixture.ScalarTasks);
            case 2:
                return MultiTaskModel.CrossStitch(encoder, Widths(r, 1), head, options: mlp, generator: g, tasks: ExportFixture.ScalarTasks);
            case 3:
                int experts = r.Next(1, 6);
                return MmoeModel.Create(input, new MmoeOptions
                {
                    Experts = experts, ExpertHidden = Widths(r, 1), TowerHidden = head ?? [], Mlp = mlp, NumericEmbedding = periodic, Gate = Gate(experts),
                    DSelectK = new DSelectKOptions { SelectedExperts = r.Next(1, experts + 1), PerExample = r.Next(2) == 0 },
                }, g);
            default:
                int shared = r.Next(1, 3), own = r.Next(0, 3);
                return PleModel.Create(input, new PleOptions
                {
                    Levels = r.Next(1, 4), SharedExperts = shared, TaskExperts = own, ExpertHidden = Widths(r, 1), TowerHidden = head ?? [], Mlp = mlp,
                    NumericEmbedding = periodic, Gate = Gate(shared + own),
                    DSelectK = new DSelectKOptions { SelectedExperts = r.Next(1, shared + own + 1), PerExample = r.Next(2) == 0 },
                }, g);
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
                // A cascade's derived tasks are not the fixture encoder's tasks, so it is exported without the encoder (raw outputs).
                var options = new OnnxExportOptions { Encoder = model is CascadeModel ? null : encoder };
                var errors = RuntimeComparison.Compare(RuntimeComparison.Export(model, options), data.Features, expected);
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
