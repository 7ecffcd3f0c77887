using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using MultiTask.Architectures;
using MultiTask.Engine;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Onnx;

namespace MultiTask.Benchmarks;

/// <summary>
/// I — inference against ONNX Runtime: the W1 model (2 tasks, shared 8→64→64, heads 64→32→1) at seeded weights, predicted
/// by the engine (Forward inside <see cref="Module.EvaluationScope"/>, what Predict runs per chunk) and by ONNX Runtime on the
/// same model exported with <see cref="OnnxExporter"/>, side by side in one process: batch 1 and 1,024, one thread and all.
/// </summary>
public static class InferenceBenchmark
{
    public static int Run(string[] args)
    {
        int rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(3);
        var model = MultiTaskModel.HardSharing(8, [("a", 1), ("b", 1)], backbone: [64, 64], head: [32], generator: new Generator(7));
        model.Eval();
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        byte[] onnx = stream.ToArray();

        Console.WriteLine($"I — W1 inference, engine vs ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version}; {Environment.ProcessorCount} cores; median of {rounds} samples");
        Console.WriteLine("threads  batch  engine µs/batch  ORT µs/batch  engine rows/s  ORT rows/s  engine / ORT time");
        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            EngineOptions.MaxThreads = threads;
            using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            using var session = new InferenceSession(onnx, options);
            foreach (int batch in new[] { 1, 1024 })
            {
                var g = new Generator(11);
                var x = new float[batch * 8];
                for (int i = 0; i < x.Length; i++) x[i] = (float)g.NextNormal();
                var input = Tensor.FromArray(x, batch, 8);
                void Engine()
                {
                    using (Module.EvaluationScope()) model.Forward(input);
                }
                using var ortInput = OrtValue.CreateTensorValueFromMemory(x, [batch, 8]);
                using var runOptions = new RunOptions();
                string[] inputs = ["features"], outputs = [.. session.OutputNames];
                void Ort()
                {
                    using var results = session.Run(runOptions, inputs, [ortInput], outputs);
                }
                double engine = Measure(Engine, rounds), ort = Measure(Ort, rounds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{threads,7}  {batch,5}  {engine * 1e6,15:F1}  {ort * 1e6,12:F1}  {batch / engine,12:N0}  {batch / ort,10:N0}  {engine / ort,17:F2}"));
            }
        }
        return 0;
    }

    private static double Measure(Action action, int rounds)
    {
        Timing.WarmUp(action, 0.3);
        int calls = Timing.CallsPerSample(action, 0.2);
        return Timing.Median([.. Enumerable.Range(0, rounds).Select(_ => Timing.Sample(action, calls))]);
    }
}
