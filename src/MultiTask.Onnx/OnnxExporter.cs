using System.Text.Json;
using Google.Protobuf;
using MultiTask.Architectures;
using MultiTask.Onnx.Proto;

namespace MultiTask.Onnx;

/// <summary>
/// Writes a trained <see cref="MultiTaskModel"/> as an ONNX model, to serve it with ONNX Runtime or any other
/// ONNX runtime without MultiTask.
/// </summary>
/// <remarks>
/// <para>
/// The graph has one input, <see cref="OnnxExportOptions.InputName"/> ("features"): float32 [batch, width]
/// rows encoded as the model was trained (<c>FeatureEncoder.Transform</c>), with a symbolic batch dimension.
/// It has one float32 output [batch, output size] per task, named after the task: the raw outputs of the
/// model's <c>Forward</c>, or with <see cref="OnnxExportOptions.UserUnits"/> what <c>MultiTaskTrainer.Predict</c>
/// returns.
/// </para>
/// <para>
/// The exporter walks the model and writes evaluation-mode semantics, as Predict runs it: dropout is the
/// identity and batch norm uses its running statistics. It knows the built-in architectures
/// (<see cref="HardSharingModel"/> with its shared head and wide path, <see cref="SoftSharingModel"/>,
/// <see cref="CrossStitchModel"/>), their input layers (<see cref="EmbeddingInput"/>,
/// <see cref="PeriodicEmbedding"/>) and the engine's modules, so user heads, backbones and columns built
/// from those export too. Any other module fails the export with a <see cref="NotSupportedException"/>
/// that names its path in the model and its type. The file uses ONNX IR version <see cref="IrVersion"/> and
/// opset <see cref="Opset"/>.
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The version of the default ONNX operator set the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of the written model (the one that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>Writes <paramref name="model"/> to the file <paramref name="path"/> (created or overwritten).</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="path">The file to write, usually ending in <c>.onnx</c>.</param>
    /// <param name="options">The encoder, user units and input name; null for raw outputs.</param>
    /// <exception cref="NotSupportedException">The architecture or one of its modules has no ONNX form here; nothing is written.</exception>
    /// <exception cref="ArgumentException">Inconsistent options (see <see cref="Export(MultiTaskModel, Stream, OnnxExportOptions?)"/>).</exception>
    public static void Export(MultiTaskModel model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Built before the file is opened, so that a model that cannot be exported leaves no file behind.
        var proto = Build(model, options ?? new OnnxExportOptions());
        using var file = File.Create(path);
        proto.WriteTo(file);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>, which stays open.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="options">The encoder, user units and input name; null for raw outputs.</param>
    /// <exception cref="NotSupportedException">The architecture or one of its modules has no ONNX form here; nothing is written.</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="OnnxExportOptions.UserUnits"/> without an encoder; an encoder of another width than the model's
    /// input, or without one of the model's tasks (or with another output size); an input name that is empty or a task's name.
    /// </exception>
    public static void Export(MultiTaskModel model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Build(model, options ?? new OnnxExportOptions()).WriteTo(stream);
    }

    private static ModelProto Build(MultiTaskModel model, OnnxExportOptions options)
    {
        var encoder = options.Encoder;
        if (string.IsNullOrEmpty(options.InputName))
            throw new ArgumentException("OnnxExportOptions.InputName must not be empty.", nameof(options));
        if (options.UserUnits && encoder is null)
            throw new ArgumentException(
                "OnnxExportOptions.UserUnits needs the encoder the model was trained with (OnnxExportOptions.Encoder): it holds each task's kind and target transform.",
                nameof(options));
        if (encoder is not null)
        {
            if (model.InputSize is int inputSize && inputSize != encoder.Width)
                throw new ArgumentException($"The model reads {inputSize} input columns but the encoder produces {encoder.Width}; pass the encoder the model was trained with.", nameof(options));
            foreach (var task in model.TaskNames)
            {
                var spec = encoder.Tasks.FirstOrDefault(t => t.Name == task)
                    ?? throw new ArgumentException(
                        $"The model's task '{task}' is not one of the encoder's tasks ({string.Join(", ", encoder.Tasks.Select(t => $"'{t.Name}'"))}); pass the encoder the model was trained with.",
                        nameof(options));
                if (spec.OutputSize != model.OutputSize(task))
                    throw new ArgumentException($"Task '{task}' has {model.OutputSize(task)} outputs in the model but {spec.OutputSize} in the encoder; pass the encoder the model was trained with.", nameof(options));
            }
        }

        var graph = new OnnxGraph();
        graph.Proto.Name = model.GetType().Name;
        graph.Reserve(options.InputName);
        foreach (var task in model.TaskNames) graph.Reserve(task);
        object width = model.InputSize ?? encoder?.Width ?? (object)"width";
        graph.Proto.Input.Add(OnnxGraph.FloatValue(options.InputName, "batch", width));

        var lowering = new ModuleLowering(graph);
        var outputs = ArchitectureLowering.Emit(model, lowering, new OnnxValue(options.InputName, 2));
        for (int i = 0; i < outputs.Length; i++)
        {
            string task = model.TaskNames[i];
            var y = outputs[i];
            if (options.UserUnits) y = UserUnitsLowering.Emit(encoder!.Tasks.First(t => t.Name == task), encoder, y, graph);
            graph.AddNode("Identity", [y.Name], task);
            graph.Proto.Output.Add(OnnxGraph.FloatValue(task, "batch", model.OutputSize(task)));
        }

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "MultiTask.Onnx",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"{model.GetType().Name} with tasks {string.Join(", ", model.TaskNames)}; input '{options.InputName}' [batch, {width}] of encoded rows; " +
                        (options.UserUnits ? "outputs in the user's units, as MultiTaskTrainer.Predict returns them." : "raw outputs of the model's Forward."),
            Graph = graph.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "multitask.outputs", Value = options.UserUnits ? "user_units" : "raw" });
        if (encoder is not null)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = "multitask.input_columns", Value = JsonSerializer.Serialize(encoder.ColumnNames) });
        return proto;
    }
}
