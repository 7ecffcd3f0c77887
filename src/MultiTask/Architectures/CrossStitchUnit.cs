using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// A cross-stitch unit: mixes the activations of T task columns as x̃_i = Σ_j α_ij·x_j with a learned
/// α (parameter <c>alpha</c>: [T, T] per layer, or [T, T, C] per channel, mixing channel c of the last
/// dimension with α[:, :, c]).
/// </summary>
/// <remarks>
/// Misra, Shrivastava, Gupta &amp; Hebert, "Cross-stitch Networks for Multi-task Learning", CVPR 2016.
/// α starts at α_ii = a and α_ij = (1 − a)/(T − 1), so each task keeps mostly its own activation and
/// every row sums to 1; with one task α = [[1]].
/// </remarks>
public sealed class CrossStitchUnit : Module<IReadOnlyList<Tensor>, Tensor[]>
{
    /// <summary>Creates the unit.</summary>
    /// <param name="taskCount">The number of columns T (≥ 1).</param>
    /// <param name="width">The channel count C of the mixed activations (their last dimension).</param>
    /// <param name="perChannel">Learn one α matrix per channel instead of one for the layer.</param>
    /// <param name="selfWeight">The initial α_ii (a), usually in (0, 1].</param>
    public CrossStitchUnit(int taskCount, int width, bool perChannel = false, double selfWeight = 0.9)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(taskCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (!double.IsFinite(selfWeight))
            throw new ArgumentOutOfRangeException(nameof(selfWeight), selfWeight, "The cross-stitch self weight must be finite.");
        TaskCount = taskCount;
        Width = width;
        PerChannel = perChannel;
        float self = taskCount == 1 ? 1f : (float)selfWeight;
        float other = taskCount == 1 ? 0f : (float)((1 - selfWeight) / (taskCount - 1));
        int channels = perChannel ? width : 1;
        var alpha = perChannel ? Tensor.Zeros(taskCount, taskCount, width) : Tensor.Zeros(taskCount, taskCount);
        var data = alpha.AsSpan();
        for (int i = 0; i < taskCount; i++)
            for (int j = 0; j < taskCount; j++)
                data.Slice((i * taskCount + j) * channels, channels).Fill(i == j ? self : other);
        Alpha = Register("alpha", new Parameter(alpha));
    }

    /// <summary>The number of columns T.</summary>
    public int TaskCount { get; }

    /// <summary>The channel count C of the mixed activations.</summary>
    public int Width { get; }

    /// <summary>Whether α is learned per channel.</summary>
    public bool PerChannel { get; }

    /// <summary>The mixing weights: [T, T], or [T, T, C] per channel.</summary>
    public Parameter Alpha { get; }

    /// <summary>Mixes the columns' activations, which must all have the same shape [..., C].</summary>
    /// <param name="input">One activation per column, in task order.</param>
    /// <returns>The mixed activations, in task order.</returns>
    /// <exception cref="ArgumentException">Wrong count, or activations of different shapes or width.</exception>
    public override Tensor[] Forward(IReadOnlyList<Tensor> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Count != TaskCount)
            throw new ArgumentException($"The cross-stitch unit mixes {TaskCount} columns, got {input.Count} activations.", nameof(input));
        var shape = input[0].Shape;
        for (int i = 0; i < input.Count; i++)
        {
            if (input[i].Rank == 0 || input[i].Shape[^1] != Width || !input[i].Shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"The cross-stitch unit expects {TaskCount} activations of equal shape with last dimension {Width}; " +
                    $"activation {i} has shape [{string.Join(", ", input[i].Shape)}], activation 0 has [{string.Join(", ", shape)}].", nameof(input));
        }
        // Stack to [T, ...] and broadcast α as [T, T, 1, ..., 1, C or 1]: out[i] = Σ_j α[i, j] · x[j].
        var stacked = Tensor.Stack(input).Unsqueeze(0);
        var alphaShape = new int[2 + shape.Count];
        Array.Fill(alphaShape, 1);
        alphaShape[0] = TaskCount;
        alphaShape[1] = TaskCount;
        if (PerChannel) alphaShape[^1] = Width;
        var mixed = (Alpha.Reshape(alphaShape) * stacked).Sum(1);
        var outputs = new Tensor[TaskCount];
        for (int i = 0; i < TaskCount; i++) outputs[i] = mixed.Narrow(0, i, 1).Squeeze(0);
        return outputs;
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"tasks={TaskCount}, width={Width}, per_channel={(PerChannel ? "True" : "False")}";
}
