using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>What the expert models (<see cref="MmoeModel"/>, <see cref="PleModel"/>) share: option checks, expert stacking, last layers.</summary>
internal static class ExpertModels
{
    public static void CheckExpertHidden(IReadOnlyList<int>? hidden, string owner)
    {
        if (hidden is null || hidden.Count == 0)
            throw new ArgumentException($"{owner}.ExpertHidden needs at least one size: the last is the width of each expert's output, e.g. [64, 32].", "ExpertHidden");
        for (int i = 0; i < hidden.Count; i++)
        {
            if (hidden[i] <= 0)
                throw new ArgumentOutOfRangeException("ExpertHidden", hidden[i], $"{owner}.ExpertHidden sizes must be positive; layer {i} has size {hidden[i]}.");
        }
    }

    public static void CheckGate(ExpertGateKind kind, DSelectKOptions? dselect, string owner)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException("Gate", kind, $"Unknown {owner}.Gate value.");
        if (dselect is null) throw new ArgumentException($"{owner}.DSelectK must not be null; use new DSelectKOptions() for the defaults.", "DSelectK");
        if (kind == ExpertGateKind.DSelectK) dselect.Validate();
    }

    /// <summary>Runs the experts on <paramref name="input"/> and stacks their outputs into [batch, experts, width].</summary>
    public static Tensor Stack(IReadOnlyList<Module<Tensor, Tensor>> experts, Tensor input, int width, Func<int, string> name)
    {
        if (SingleLayers(experts, input, width) is { } layers)
        {
            // Experts of one Linear + ReLU each are one wider layer: their weights side by side make a single GEMM whose
            // [batch, experts·width] output is the stack itself, instead of one small product, activation and copy per expert.
            return LinearLayers.Joint(input, layers).Relu().Reshape(input.Shape[0], layers.Length, width);
        }
        var outputs = new Tensor[experts.Count];
        for (int e = 0; e < experts.Count; e++)
        {
            var y = experts[e].Forward(input);
            if (y.Rank != 2 || y.Shape[0] != input.Shape[0] || y.Shape[1] != width)
                throw new InvalidOperationException(
                    $"Expert '{name(e)}' returned shape [{string.Join(", ", y.Shape)}], but the model mixes expert outputs of [{input.Shape[0]}, {width}]; " +
                    "every expert it mixes must output the model's expert width.");
            outputs[e] = y;
        }
        return Tensor.Stack(outputs, 1);
    }

    /// <summary>The experts' Linear layers when every expert is the engine's Linear + ReLU on this input, else null.</summary>
    private static Linear[]? SingleLayers(IReadOnlyList<Module<Tensor, Tensor>> experts, Tensor input, int width)
    {
        if (input.Rank != 2) return null;
        var layers = new Linear[experts.Count];
        for (int e = 0; e < experts.Count; e++)
        {
            if (experts[e] is not Sequential { Count: 2 } expert || expert[0] is not Linear linear || expert[1] is not Relu || linear.OutFeatures != width)
                return null;
            layers[e] = linear;
        }
        return LinearLayers.CanJoin(layers, input.Shape[1]) ? layers : null;
    }

    /// <summary>Checks that a gate returned [batch, experts].</summary>
    public static Tensor CheckWeights(Tensor weights, ExpertGate gate, int batch, string name)
    {
        if (weights.Rank != 2 || weights.Shape[0] != batch || weights.Shape[1] != gate.ExpertCount)
            throw new InvalidOperationException(
                $"Gate '{name}' returned shape [{string.Join(", ", weights.Shape)}], expected [{batch}, {gate.ExpertCount}] (batch, experts).");
        return weights;
    }

    /// <summary>The parameters of a module's last Linear (or, without one, of its last module that has parameters).</summary>
    public static IEnumerable<Parameter> LastLayer(Module module)
    {
        var last = module.Modules().OfType<Linear>().LastOrDefault()
            ?? module.Modules().LastOrDefault(m => m.Parameters(recurse: false).Any());
        return last?.Parameters(recurse: false) ?? [];
    }

    /// <summary>Checks that a tower reads the experts' width when its first layer says so.</summary>
    public static void CheckTower(Module tower, string task, int width, string argument)
    {
        if (LinearLayers.First(tower) is { } linear && linear.InFeatures != width)
            throw new ArgumentException(
                $"The tower of task '{task}' starts with a Linear that takes {linear.InFeatures} features, but the experts output {width}; " +
                "make the tower's input width equal to the expert width.", argument);
    }

    /// <summary>Mean weight per expert over the batch, [experts].</summary>
    public static double[] MeanWeights(Tensor weights)
    {
        var mean = weights.Mean(0).ToArray();
        return Array.ConvertAll(mean, v => (double)v);
    }
}
