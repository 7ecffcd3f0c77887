using MultiTask.Architectures;
using MultiTask.Engine.Tensors;
using static MultiTask.Onnx.OnnxGraph;
using MultiTask.Engine.Differentiation;

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
        MmoeModel mmoe => Mmoe(mmoe, lowering, input),
        PleModel ple => Ple(ple, lowering, input),
        CascadeModel cascade => Cascade(cascade, lowering, input),
        _ => throw new NotSupportedException(
            $"Cannot export a {model.GetType().FullName} to ONNX: the exporter writes the forward pass of the built-in architectures " +
            "(HardSharingModel, SoftSharingModel, CrossStitchModel, MmoeModel, PleModel and CascadeModel over any of them, with any heads, backbones, columns, experts and towers " +
            "made of the engine's modules, and softmax or DSelect-k gates) " +
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

    private static OnnxValue[] Cascade(CascadeModel model, ModuleLowering lowering, OnnxValue input)
    {
        // The inner model's outputs, then each dependency's logit of p(parent)·p(conditional) in declaration order (a
        // parent is declared before the tasks that read it), with TaskDependency.ConjunctionLogit's formula.
        var inner = Emit(model.Inner, lowering, input);
        var values = model.Inner.TaskNames.Select((t, i) => (t, inner[i])).ToDictionary(p => p.t, p => p.Item2, StringComparer.Ordinal);
        foreach (var d in model.Dependencies)
            values[d.Task] = Conjunction(lowering.Graph, values[d.Parent], values[d.Conditional], "cascade." + d.Task);
        return [.. model.TaskNames.Select(t => values[t])];
    }

    private static OnnxValue Conjunction(OnnxGraph g, OnnxValue parent, OnnxValue conditional, string path)
    {
        // log σ(x) = −softplus(−x), log(1 − σ(x)) = −softplus(x); softplus linear above 20, as the engine's.
        string Softplus(string x, string hint)
        {
            var smooth = g.Node("Softplus", hint + ".smooth", [x]);
            var linear = g.Node("Greater", hint + ".linear", [x, g.Scalar(20f, hint + ".threshold")]);
            return g.Node("Where", hint, [linear, x, smooth]);
        }
        string LogSigmoid(string x, string hint) => g.Node("Neg", hint, [Softplus(g.Node("Neg", hint + ".neg", [x]), hint + ".softplus")]);
        string LogNotSigmoid(string x, string hint) => g.Node("Neg", hint, [Softplus(x, hint + ".softplus")]);

        var logParent = LogSigmoid(parent.Name, path + ".log_parent");
        var logNotParent = LogNotSigmoid(parent.Name, path + ".log_not_parent");
        var logConditional = LogSigmoid(conditional.Name, path + ".log_conditional");
        var logNotConditional = LogNotSigmoid(conditional.Name, path + ".log_not_conditional");
        // log(1 − p·q) = logaddexp(log(1 − p), log p + log(1 − q)) = max + log(1 + e^(min − max)).
        var second = g.Node("Add", path + ".parent_not_conditional", [logParent, logNotConditional]);
        var max = g.Node("Max", path + ".max", [logNotParent, second]);
        var min = g.Node("Min", path + ".min", [logNotParent, second]);
        var gap = g.Node("Exp", path + ".gap", [g.Node("Sub", path + ".difference", [min, max])]);
        var logNotBoth = g.Node("Add", path + ".log_not_both", [max, g.Node("Log", path + ".log_one_plus", [g.Node("Add", path + ".one_plus", [gap, g.Scalar(1f, path + ".one")])])]);
        var logBoth = g.Node("Add", path + ".log_both", [logParent, logConditional]);
        return new(g.Node("Sub", path, [logBoth, logNotBoth]), Math.Max(parent.Rank, conditional.Rank));
    }

    private static OnnxValue[] Mmoe(MmoeModel model, ModuleLowering lowering, OnnxValue input)
    {
        // z = input(x); task t: towers.t(Σ_e gates.t(z)_e · experts.e(z)).
        var z = model.InputLayers is { } layers ? lowering.Emit(layers, input, "input") : input;
        var experts = model.Experts.Select((e, i) => lowering.Emit(e, z, $"experts.{i}")).ToList();
        return model.TaskNames.Select(task =>
        {
            var weights = Gate(model.Gate(task), lowering, z, "gates." + task);
            return lowering.Emit(model.Tower(task), Mix(lowering, experts, weights, $"gates.{task}.mixture"), "towers." + task);
        }).ToArray();
    }

    private static OnnxValue[] Ple(PleModel model, ModuleLowering lowering, OnnxValue input)
    {
        var tasks = model.TaskNames;
        var z = model.InputLayers is { } layers ? lowering.Emit(layers, input, "input") : input;
        var reps = Enumerable.Repeat(z, tasks.Count).ToArray();
        var shared = z;
        for (int l = 0; l < model.LevelCount; l++)
        {
            int level = l;
            var sharedOut = model.SharedExperts(l).Select((e, i) => lowering.Emit(e, shared, $"shared_experts.{level}.{i}")).ToList();
            var own = tasks.Select((task, t) => model.TaskExperts(level, task).Select((e, i) => lowering.Emit(e, reps[t], $"task_experts.{level}.{task}.{i}")).ToList()).ToList();
            var next = new OnnxValue[tasks.Count];
            for (int t = 0; t < tasks.Count; t++)
            {
                // A task gate mixes the task's own experts, then the shared ones.
                var weights = Gate(model.TaskGate(l, tasks[t]), lowering, reps[t], $"task_gates.{l}.{tasks[t]}");
                next[t] = Mix(lowering, [.. own[t], .. sharedOut], weights, $"task_gates.{l}.{tasks[t]}.mixture");
            }
            if (model.SharedGate(l) is { } gate)
            {
                // The shared gate mixes every task's experts in task order, then the shared ones.
                var weights = Gate(gate, lowering, shared, $"shared_gates.{l}");
                shared = Mix(lowering, [.. own.SelectMany(o => o), .. sharedOut], weights, $"shared_gates.{l}.mixture");
            }
            reps = next;
        }
        return tasks.Select((task, t) => lowering.Emit(model.Tower(task), reps[t], "towers." + task)).ToArray();
    }

    /// <summary>Σ_e weights[:, e] · experts[e]: stack to [batch, n, width], scale by the weights as [batch, n, 1], sum over n.</summary>
    private static OnnxValue Mix(ModuleLowering lowering, IReadOnlyList<OnnxValue> experts, OnnxValue weights, string path)
    {
        var graph = lowering.Graph;
        var axis1 = graph.Int64s([1], path + ".axis1");
        var stacked = graph.Node("Concat", path + ".stacked", experts.Select(e => graph.Node("Unsqueeze", path + ".expert", [e.Name, axis1])).ToArray(), Int("axis", 1));
        var scale = graph.Node("Unsqueeze", path + ".weights", [weights.Name, graph.Int64s([2], path + ".axis2")]);
        var products = graph.Node("Mul", path + ".products", [stacked, scale]);
        return new(graph.Node("ReduceSum", path, [products, axis1], Int("keepdims", 0)), 2);
    }

    /// <summary>A gate's mixture weights [batch, experts], as its <c>Forward</c> computes them.</summary>
    private static OnnxValue Gate(ExpertGate gate, ModuleLowering lowering, OnnxValue x, string path)
    {
        var graph = lowering.Graph;
        switch (gate)
        {
            case SoftmaxGate softmax:
                return new(graph.Node("Softmax", path, [lowering.Emit(softmax.Linear, x, path + ".linear").Name], Int("axis", -1)), 2);
            case DSelectKGate { ZLinear: null } fixedGate:
            {
                // The static gate's weights do not depend on the input: one constant row, broadcast over the batch.
                float[] row;
                using (Autograd.NoGrad()) row = fixedGate.Forward(Tensor.Zeros(1, fixedGate.InputSize)).ToArray();
                return new(graph.Floats(row, [1, fixedGate.ExpertCount], path + ".weights"), 2);
            }
            case DSelectKGate dselect:
                return DSelectK(dselect, lowering, x, path);
            default:
                throw new NotSupportedException(
                    $"Cannot export gate '{path}' ({gate.GetType().FullName}) to ONNX: the exporter knows SoftmaxGate and DSelectKGate; build the model with those gates to export it.");
        }
    }

    private static OnnxValue DSelectK(DSelectKGate gate, ModuleLowering lowering, OnnxValue x, string path)
    {
        var graph = lowering.Graph;
        int k = gate.SelectedExperts, m = gate.BinaryDigits, n = gate.ExpertCount;
        double gamma = gate.Options.Gamma;
        // z [batch, k, 1, m] and its smooth step: 0 for z ≤ −γ/2, 1 for z ≥ γ/2, −2z³/γ³ + 3z/(2γ) + 1/2 between.
        var logits = lowering.Emit(gate.ZLinear!, x, path + ".z_logits");
        var z = graph.Node("Reshape", path + ".z", [logits.Name, graph.Int64s([0, k, 1, m], path + ".z_shape")]);
        var cube = graph.Node("Mul", path + ".cube", [graph.Node("Pow", path + ".z3", [z, graph.Scalar(3f, path + ".three")]), graph.Scalar((float)(-2 / (gamma * gamma * gamma)), path + ".a3")]);
        var cubic = graph.Node("Add", path + ".cubic", [graph.Node("Add", path + ".cubic_linear", [cube, graph.Node("Mul", path + ".linear", [z, graph.Scalar((float)(3 / (2 * gamma)), path + ".a1")])]), graph.Scalar(0.5f, path + ".a0")]);
        float half = (float)(gamma / 2);
        var upper = graph.Node("Where", path + ".upper", [graph.Node("GreaterOrEqual", path + ".above", [z, graph.Scalar(half, path + ".half")]), graph.Scalar(1f, path + ".one"), cubic]);
        var step = graph.Node("Where", path + ".step", [graph.Node("LessOrEqual", path + ".below", [z, graph.Scalar(-half, path + ".minus_half")]), graph.Scalar(0f, path + ".zero"), upper]);
        // r_i(e) = Π_j (1 − b_ej + (2b_ej − 1)·S(z_ij)), b_e the digits of e, most significant first.
        var bases = new float[n * m];
        var signs = new float[n * m];
        for (int e = 0; e < n; e++)
        {
            for (int j = 0; j < m; j++)
            {
                int bit = (e >> (m - 1 - j)) & 1;
                bases[e * m + j] = 1 - bit;
                signs[e * m + j] = 2 * bit - 1;
            }
        }
        var terms = graph.Node("Add", path + ".terms", [graph.Floats(bases, [1, 1, n, m], path + ".bases"),
            graph.Node("Mul", path + ".signed", [graph.Floats(signs, [1, 1, n, m], path + ".signs"), step])]);
        string Digit(int j) => graph.Node("Gather", $"{path}.digit{j}", [terms, graph.Int64s([j], $"{path}.digit{j}_index", scalar: true)], Int("axis", 3));
        var selectors = Digit(0);
        for (int j = 1; j < m; j++) selectors = graph.Node("Mul", $"{path}.selectors{j}", [selectors, Digit(j)]);
        // Σ_i softmax(w)_i · r_i over the k selectors.
        var w = graph.Node("Softmax", path + ".w", [lowering.Emit(gate.WLinear!, x, path + ".w_logits").Name], Int("axis", -1));
        var scaled = graph.Node("Mul", path + ".weighted", [graph.Node("Unsqueeze", path + ".w3", [w, graph.Int64s([2], path + ".w_axis")]), selectors]);
        return new(graph.Node("ReduceSum", path, [scaled, graph.Int64s([1], path + ".k_axis")], Int("keepdims", 0)), 2);
    }
}
