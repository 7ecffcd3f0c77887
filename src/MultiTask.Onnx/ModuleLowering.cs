using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Onnx.Proto;
using static MultiTask.Onnx.OnnxGraph;

namespace MultiTask.Onnx;

/// <summary>
/// Writes the engine's modules as ONNX nodes with evaluation-mode semantics (dropout is the identity,
/// batch norm uses its running statistics), mirroring each module's <c>Forward</c> operation for operation.
/// </summary>
internal sealed class ModuleLowering(OnnxGraph graph)
{
    /// <summary>The modules <see cref="Emit"/> knows, for error messages.</summary>
    internal const string SupportedModules =
        "Supported modules: Sequential, Linear, Relu, LeakyRelu, Elu, Gelu, Silu, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, " +
        "Identity, Dropout, Flatten, LayerNorm, BatchNorm1d (with running statistics), Embedding, and the architectures' input layers " +
        "EmbeddingInput and PeriodicEmbedding";

    public OnnxGraph Graph { get; } = graph;

    /// <summary>The output of <paramref name="module"/> (registered at <paramref name="path"/>) for input <paramref name="x"/>.</summary>
    /// <exception cref="NotSupportedException">The module, or one inside it, has no ONNX form here; the message names its path and type.</exception>
    public OnnxValue Emit(Module module, OnnxValue x, string path)
    {
        switch (module)
        {
            case Sequential sequential:
                foreach (var (name, child) in sequential.NamedChildren()) x = Emit(child, x, Join(path, name));
                return x;
            case Linear linear:
                return Linear(linear, x, path);
            case Relu:
                return Unary("Relu", x, path);
            case Sigmoid:
                return Unary("Sigmoid", x, path);
            case Tanh:
                return Unary("Tanh", x, path);
            case LeakyRelu leaky:
                return Unary("LeakyRelu", x, path, Float("alpha", leaky.NegativeSlope));
            case Elu elu:
                return Unary("Elu", x, path, Float("alpha", elu.Alpha));
            case Silu:
                return Mul(x, Unary("Sigmoid", x, path + ".sigmoid"), path);
            case Gelu gelu:
                return Gelu(gelu, x, path);
            case Softplus softplus:
                return Softplus(softplus, x, path);
            case Softmax softmax:
                return Unary("Softmax", x, path, Int("axis", softmax.Dim));
            case LogSoftmax logSoftmax:
                return Unary("LogSoftmax", x, path, Int("axis", logSoftmax.Dim));
            case Identity or Dropout:
                // Evaluation mode: dropout passes its input through, as Predict runs it.
                return x;
            case Flatten flatten:
                return Flatten(flatten, x, path);
            case LayerNorm norm:
                return LayerNorm(norm, x, path);
            case BatchNorm1d norm:
                return BatchNorm(norm, x, path);
            case Embedding embedding:
                return Lookup(embedding, x, path);
            case EmbeddingInput input:
                return EmbeddingInput(input, x, path);
            case PeriodicEmbedding periodic:
                return Periodic(periodic, x, path);
            default:
                throw Unsupported(module, path, "the exporter does not know this module");
        }
    }

    /// <summary>The mixed activations of a cross-stitch unit, as its <c>Forward</c> computes them: Σ_j α[i, j]·x_j.</summary>
    public OnnxValue[] Stitch(CrossStitchUnit unit, IReadOnlyList<OnnxValue> xs, string path)
    {
        int rank = xs[0].Rank;
        // Stack to [1, T, ...] (the forward's Stack then Unsqueeze(0)), multiply by α as [T, T, 1, ..., 1, C or 1], sum over j.
        var axes = Graph.Int64s([0, 1], path + ".axes");
        var stacked = Graph.Node("Concat", path + ".stacked", xs.Select(x => Graph.Node("Unsqueeze", path + ".unsqueezed", [x.Name, axes])).ToArray(), Int("axis", 1));
        var alphaShape = Enumerable.Repeat(1L, 2 + rank).ToArray();
        alphaShape[0] = alphaShape[1] = unit.TaskCount;
        if (unit.PerChannel) alphaShape[^1] = unit.Width;
        var alpha = Graph.Floats(unit.Alpha.ToArray(), alphaShape, Join(path, "alpha"));
        var products = Graph.Node("Mul", path + ".products", [alpha, stacked]);
        var mixed = Graph.Node("ReduceSum", path + ".mixed", [products, Graph.Int64s([1], path + ".sum_axis")], Int("keepdims", 0));
        var outputs = new OnnxValue[unit.TaskCount];
        for (int i = 0; i < outputs.Length; i++)
            outputs[i] = new(Graph.Node("Gather", $"{path}.{i}", [mixed, Graph.Int64s([i], $"{path}.index{i}", scalar: true)], Int("axis", 0)), rank);
        return outputs;
    }

    /// <summary>The columns <paramref name="columns"/> of a [batch, width] value.</summary>
    public OnnxValue Columns(OnnxValue x, IReadOnlyList<int> columns, string hint) =>
        new(Graph.Node("Gather", hint, [x.Name, Graph.Int64s(columns.Select(c => (long)c).ToArray(), hint + ".columns")], Int("axis", 1)), 2);

    public OnnxValue Add(OnnxValue a, OnnxValue b, string hint) => new(Graph.Node("Add", hint, [a.Name, b.Name]), Math.Max(a.Rank, b.Rank));

    internal static NotSupportedException Unsupported(Module module, string path, string why) =>
        new($"Cannot export module '{(path.Length == 0 ? "(root)" : path)}' ({module.GetType().FullName}) to ONNX: {why}. {SupportedModules}; " +
            "build that part from these, or export a model without it.");

    private OnnxValue Linear(Linear linear, OnnxValue x, string path)
    {
        if (x.Rank < 1) throw Unsupported(linear, path, "its input is a scalar");
        var bias = linear.Bias is null ? null : Graph.Weight(linear.Bias, Join(path, "bias"));
        if (x.Rank == 2)
        {
            // y = x·Wᵀ + b in one Gemm, with W as stored ([out, in]).
            var weight = Graph.Weight(linear.Weight, Join(path, "weight"));
            string[] inputs = bias is null ? [x.Name, weight] : [x.Name, weight, bias];
            return new(Graph.Node("Gemm", path, inputs, Int("transB", 1)), 2);
        }
        // Over the last dimension of a higher-rank input: MatMul with Wᵀ, then the bias.
        var w = linear.Weight.ToArray();
        var transposed = new float[w.Length];
        for (int o = 0; o < linear.OutFeatures; o++)
            for (int i = 0; i < linear.InFeatures; i++) transposed[i * linear.OutFeatures + o] = w[o * linear.InFeatures + i];
        var product = Graph.Node("MatMul", bias is null ? path : path + ".matmul",
            [x.Name, Graph.Floats(transposed, [linear.InFeatures, linear.OutFeatures], Join(path, "weight_t"))]);
        return new(bias is null ? product : Graph.Node("Add", path, [product, bias]), x.Rank);
    }

    private OnnxValue Gelu(Gelu gelu, OnnxValue x, string path)
    {
        var half = Graph.Node("Mul", path + ".half_x", [x.Name, Graph.Scalar(0.5f, path + ".half")]);
        string inner;
        if (gelu.TanhApproximation)
        {
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            var cube = Graph.Node("Mul", path + ".x3", [Graph.Node("Mul", path + ".x2", [x.Name, x.Name]), x.Name]);
            var cubic = Graph.Node("Add", path + ".cubic", [x.Name, Graph.Node("Mul", path + ".scaled_x3", [cube, Graph.Scalar(0.044715f, path + ".k")])]);
            inner = Graph.Node("Tanh", path + ".tanh", [Graph.Node("Mul", path + ".arg", [cubic, Graph.Scalar(0.7978845608028654f, path + ".sqrt_2_over_pi")])]);
        }
        else
        {
            // 0.5·x·(1 + erf(x/√2))
            inner = Graph.Node("Erf", path + ".erf", [Graph.Node("Mul", path + ".arg", [x.Name, Graph.Scalar(0.70710678118654752f, path + ".inv_sqrt2")])]);
        }
        var onePlus = Graph.Node("Add", path + ".one_plus", [inner, Graph.Scalar(1f, path + ".one")]);
        return new(Graph.Node("Mul", path, [half, onePlus]), x.Rank);
    }

    private OnnxValue Softplus(Softplus softplus, OnnxValue x, string path)
    {
        // ln(1 + e^(βx))/β, and x itself where βx > threshold, as the engine computes it.
        var scaled = softplus.Beta == 1f ? x.Name : Graph.Node("Mul", path + ".beta_x", [x.Name, Graph.Scalar(softplus.Beta, path + ".beta")]);
        var smooth = Graph.Node("Softplus", path + ".smooth", [scaled]);
        if (softplus.Beta != 1f) smooth = Graph.Node("Div", path + ".smooth_over_beta", [smooth, Graph.Scalar(softplus.Beta, path + ".beta_divisor")]);
        if (float.IsPositiveInfinity(softplus.Threshold)) return new(smooth, x.Rank);
        var linear = Graph.Node("Greater", path + ".linear", [scaled, Graph.Scalar(softplus.Threshold, path + ".threshold")]);
        return new(Graph.Node("Where", path, [linear, x.Name, smooth]), x.Rank);
    }

    private OnnxValue Flatten(Flatten flatten, OnnxValue x, string path)
    {
        int start = flatten.StartDim < 0 ? flatten.StartDim + x.Rank : flatten.StartDim;
        int end = flatten.EndDim < 0 ? flatten.EndDim + x.Rank : flatten.EndDim;
        if (start == end && start >= 0 && start < x.Rank) return x;
        // ONNX Flatten(axis = 1) gives [batch, rest], which is the engine's flatten(1, -1).
        if (start == 1 && end == x.Rank - 1) return new(Graph.Node("Flatten", path, [x.Name], Int("axis", 1)), 2);
        throw Unsupported(flatten, path, $"only Flatten(1, -1), which keeps the batch dimension, has an ONNX form here (got start {flatten.StartDim}, end {flatten.EndDim} for a rank-{x.Rank} input)");
    }

    private OnnxValue LayerNorm(LayerNorm norm, OnnxValue x, string path)
    {
        int k = norm.NormalizedShape.Count;
        if (x.Rank < k) throw Unsupported(norm, path, $"it normalises {k} trailing dimensions of a rank-{x.Rank} input");
        long[] shape = [.. norm.NormalizedShape.Select(d => (long)d)];
        var scale = norm.Weight is null
            ? Graph.Floats(Enumerable.Repeat(1f, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray(), shape, Join(path, "ones"))
            : Graph.Weight(norm.Weight, Join(path, "weight"));
        string[] inputs = norm.Bias is null ? [x.Name, scale] : [x.Name, scale, Graph.Weight(norm.Bias, Join(path, "bias"))];
        return new(Graph.Node("LayerNormalization", path, inputs, Int("axis", -k), Float("epsilon", norm.Eps)), x.Rank);
    }

    private OnnxValue BatchNorm(BatchNorm1d norm, OnnxValue x, string path)
    {
        if (norm.RunningMean is null || norm.RunningVar is null)
            throw Unsupported(norm, path,
                "it keeps no running statistics (trackRunningStats: false), so it normalises every prediction batch by that batch's own statistics; " +
                "build it with trackRunningStats: true to export it");
        if (x.Rank is not (2 or 3)) throw Unsupported(norm, path, $"BatchNorm1d reads [N, C] or [N, C, L] inputs, got rank {x.Rank}");
        int c = norm.NumFeatures;
        var scale = norm.Weight is null ? Graph.Floats(Enumerable.Repeat(1f, c).ToArray(), [c], Join(path, "ones")) : Graph.Weight(norm.Weight, Join(path, "weight"));
        var shift = norm.Bias is null ? Graph.Floats(new float[c], [c], Join(path, "zeros")) : Graph.Weight(norm.Bias, Join(path, "bias"));
        var mean = Graph.Weight(norm.RunningMean, Join(path, "running_mean"));
        var variance = Graph.Weight(norm.RunningVar, Join(path, "running_var"));
        return new(Graph.Node("BatchNormalization", path, [x.Name, scale, shift, mean, variance], Float("epsilon", norm.Eps)), x.Rank);
    }

    private OnnxValue Lookup(Embedding embedding, OnnxValue indices, string path)
    {
        // Indices arrive as floats holding whole numbers; the lookup needs them as integers.
        var index = Graph.Node("Cast", path + ".index", [indices.Name], Int("to", (long)TensorProto.Types.DataType.Int64));
        return new(Graph.Node("Gather", path, [Graph.Weight(embedding.Weight, Join(path, "weight")), index], Int("axis", 0)), indices.Rank + 1);
    }

    private OnnxValue EmbeddingInput(EmbeddingInput input, OnnxValue x, string path)
    {
        if (x.Rank != 2) throw Unsupported(input, path, $"it reads [batch, {input.InputSize}] inputs, got rank {x.Rank}");
        // The plain columns in order, then one vector per index column, as the forward concatenates them.
        var parts = new List<string>();
        if (input.PlainColumns.Count > 0) parts.Add(Columns(x, input.PlainColumns, path + ".plain").Name);
        var names = input.NamedChildren().Select(c => c.Key).ToList();
        for (int i = 0; i < input.Embeddings.Count; i++)
        {
            var column = Graph.Node("Gather", Join(path, names[i]) + ".column",
                [x.Name, Graph.Int64s([input.IndexColumns[i]], Join(path, names[i]) + ".column_index", scalar: true)], Int("axis", 1));
            parts.Add(Lookup(input.Embeddings[i], new(column, 1), Join(path, names[i])).Name);
        }
        return new(parts.Count == 1 ? parts[0] : Graph.Node("Concat", path, parts, Int("axis", 1)), 2);
    }

    private OnnxValue Periodic(PeriodicEmbedding periodic, OnnxValue x, string path)
    {
        if (x.Rank != 2) throw Unsupported(periodic, path, $"it reads [batch, {periodic.InputSize}] inputs, got rank {x.Rank}");
        int m = periodic.Columns.Count, d = periodic.Options.Size;
        // angle = x[:, columns].unsqueeze(2) · c · 2π, in the forward's order of multiplication.
        var selected = Columns(x, periodic.Columns, path + ".selected");
        var unsqueezed = Graph.Node("Unsqueeze", path + ".unsqueezed", [selected.Name, Graph.Int64s([2], path + ".axis2")]);
        var scaled = Graph.Node("Mul", path + ".scaled", [unsqueezed, Graph.Weight(periodic.Frequencies, Join(path, "frequencies"))]);
        var angle = Graph.Node("Mul", path + ".angle", [scaled, Graph.Scalar(2f * MathF.PI, path + ".two_pi")]);
        var features = Graph.Node("Concat", path + ".periodic",
            [Graph.Node("Sin", path + ".sin", [angle]), Graph.Node("Cos", path + ".cos", [angle])], Int("axis", 2));
        // One [B, 2k]·[2k, d] product per feature, batched over features: [m, B, 2k]·[m, 2k, d] → [m, B, d].
        var byFeature = Graph.Node("Transpose", path + ".by_feature", [features], Ints("perm", 1, 0, 2));
        var product = Graph.Node("MatMul", path + ".product", [byFeature, Graph.Weight(periodic.Weight, Join(path, "weight"))]);
        var byRow = Graph.Node("Transpose", path + ".by_row", [product], Ints("perm", 1, 0, 2));
        var biased = Graph.Node("Add", path + ".biased", [byRow, Graph.Weight(periodic.Bias, Join(path, "bias"))]);
        var activated = Graph.Node("Relu", path + ".relu", [biased]);
        // Shape [0, m·d]: 0 keeps the (symbolic) batch dimension.
        var embedded = Graph.Node("Reshape", path + ".embedded", [activated, Graph.Int64s([0, (long)m * d], path + ".shape")]);
        var passThrough = Enumerable.Range(0, periodic.InputSize).Except(periodic.Columns).ToArray();
        if (passThrough.Length == 0) return new(embedded, 2);
        return new(Graph.Node("Concat", path, [Columns(x, passThrough, path + ".pass_through").Name, embedded], Int("axis", 1)), 2);
    }

    private OnnxValue Unary(string opType, OnnxValue x, string path, params AttributeProto[] attributes) =>
        new(Graph.Node(opType, path, [x.Name], attributes), x.Rank);

    private OnnxValue Mul(OnnxValue x, OnnxValue y, string path) => new(Graph.Node("Mul", path, [x.Name, y.Name]), x.Rank);

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
