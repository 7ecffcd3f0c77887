using MultiTask.Architectures;

namespace MultiTask.Onnx;

/// <summary>
/// Writes the wiring of the built-in architectures, mirroring their <c>Forward</c>: which module reads
/// which value and how the outputs are combined. Parameter paths are the models' registered names.
/// </summary>
internal static class ArchitectureLowering
{
    /// <summary>The raw output of every task, in the model's task order.</summary>
    /// <exception cref="NotSupportedException">The architecture, or a module in it, has no ONNX form here.</exception>
    public static OnnxValue[] Emit(MultiTaskModel model, ModuleLowering lowering, OnnxValue input) => model switch
    {
        HardSharingModel hard => HardSharing(hard, lowering, input),
        SoftSharingModel soft => SoftSharing(soft, lowering, input),
        CrossStitchModel stitch => CrossStitch(stitch, lowering, input),
        _ => throw new NotSupportedException(
            $"Cannot export a {model.GetType().FullName} to ONNX: the exporter writes the forward pass of the built-in architectures " +
            "(HardSharingModel, SoftSharingModel and CrossStitchModel, with any heads, backbones and columns made of the engine's modules) " +
            "and does not know this architecture's. Build the model as one of those to export it."),
    };

    private static OnnxValue[] HardSharing(HardSharingModel model, ModuleLowering lowering, OnnxValue input)
    {
        // z = backbone(x); task t: heads.t(z) [+ shared_head(z)] [+ wide(x_w)] [+ wide_heads.t(x_w)].
        var shared = lowering.Emit(model.Backbone, input, "backbone");
        OnnxValue? pooled = model.SharedHead is { } sharedHead ? lowering.Emit(sharedHead, shared, "shared_head") : null;
        bool anyWide = model.Wide is not null || model.TaskNames.Any(t => model.WideHead(t) is not null);
        OnnxValue? wideInputs = !anyWide ? null : model.WideColumns is { } columns ? lowering.Columns(input, columns, "wide_inputs") : input;
        OnnxValue? wide = model.Wide is { } linear ? lowering.Emit(linear, wideInputs!.Value, "wide") : null;
        var outputs = new OnnxValue[model.TaskNames.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            string task = model.TaskNames[i];
            var y = lowering.Emit(model.Head(task), shared, "heads." + task);
            if (pooled is { } p) y = lowering.Add(p, y, $"heads.{task}.plus_shared_head");
            if (wide is { } w) y = lowering.Add(y, w, $"heads.{task}.plus_wide");
            if (model.WideHead(task) is { } own) y = lowering.Add(y, lowering.Emit(own, wideInputs!.Value, "wide_heads." + task), $"heads.{task}.plus_wide_head");
            outputs[i] = y;
        }
        return outputs;
    }

    private static OnnxValue[] SoftSharing(SoftSharingModel model, ModuleLowering lowering, OnnxValue input) =>
        model.TaskNames.Select(task =>
            lowering.Emit(model.Head(task), lowering.Emit(model.Column(task), input, "columns." + task), "heads." + task)).ToArray();

    private static OnnxValue[] CrossStitch(CrossStitchModel model, ModuleLowering lowering, OnnxValue input)
    {
        var tasks = model.TaskNames;
        var xs = Enumerable.Repeat(input, tasks.Count).ToArray();
        for (int k = 0; k < model.StitchUnits.Count; k++)
        {
            for (int i = 0; i < xs.Length; i++) xs[i] = lowering.Emit(model.Stages(tasks[i])[k], xs[i], $"columns.{tasks[i]}.{k}");
            xs = lowering.Stitch(model.StitchUnits[k], xs, $"stitches.{k}");
        }
        return tasks.Select((task, i) => lowering.Emit(model.Head(task), xs[i], "heads." + task)).ToArray();
    }
}
