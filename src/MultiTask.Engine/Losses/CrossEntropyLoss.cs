using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Cross-entropy between logits and classes (PyTorch's <c>nn.CrossEntropyLoss</c>): log-softmax over the
/// class dimension followed by the negative log-likelihood, for input [N, C, d...].
/// </summary>
/// <remarks>
/// The target is either class indices [N, d...] (optionally ignored via <see cref="IgnoreIndex"/>) or class
/// probabilities with the input's shape. With label smoothing ε, the per-element loss is
/// (1 - ε)·w[y]·(-log p_y) + (ε/C)·Σ_c w_c·(-log p_c). With class indices and <see cref="Reduction.Mean"/>,
/// the sum is divided by the summed class weights of the non-ignored targets (PyTorch's rule); with
/// probabilities, by the number of elements.
/// </remarks>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="classWeights">Optional weight per class, shape [C].</param>
    /// <param name="ignoreIndex">A class-index target value that contributes nothing.</param>
    /// <param name="labelSmoothing">The amount ε in [0, 1] of probability mass spread uniformly over the classes.</param>
    /// <param name="reduction">How per-element losses are reduced (default mean).</param>
    public CrossEntropyLoss(Tensor? classWeights = null, int ignoreIndex = -100, float labelSmoothing = 0f, Reduction reduction = Reduction.Mean)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropyLoss: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        ClassWeights = classWeights;
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The weight of each class, or null.</summary>
    public Tensor? ClassWeights { get; }

    /// <summary>The class-index target value that is ignored.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The label smoothing amount ε.</summary>
    public float LabelSmoothing { get; }

    /// <inheritdoc />
    protected override int[] ElementShape(Tensor input, Tensor target) =>
        ClassTargets.ElementShape(nameof(CrossEntropyLoss), input, target, ClassWeights, allowProbabilities: true);

    /// <inheritdoc />
    protected override void ValidateValues(Tensor input, Tensor target)
    {
        if (!ClassTargets.IsProbabilities(input, target))
            ClassTargets.ValidateIndices(nameof(CrossEntropyLoss), target, input.ShapeArray[1], IgnoreIndex);
    }

    /// <inheritdoc />
    protected override Tensor MaskInput(Tensor input, Tensor keep) => Fill(input, keep.Unsqueeze(1), 0f);

    /// <inheritdoc />
    protected override Tensor MaskTarget(Tensor target, Tensor keep) =>
        keep.Rank == target.Rank ? Fill(target, keep, 0f) : Fill(target, keep.Unsqueeze(1), 0f);

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        int classes = input.ShapeArray[1];
        var logp = input.LogSoftmax(1);
        var weighted = ClassWeights is null ? logp : logp * ClassTargets.Broadcastable(ClassWeights, input.Rank);
        if (ClassTargets.IsProbabilities(input, target))
        {
            var t = LabelSmoothing > 0f ? target * (1f - LabelSmoothing) + LabelSmoothing / classes : target;
            return -(weighted * t).Sum(1);
        }
        var valid = ClassTargets.Valid(target, IgnoreIndex);
        var safe = ClassTargets.SafeIndices(target, valid);
        var nll = ClassTargets.PickedNegative(logp, safe) * MeanWeightsCore(valid, safe);
        if (LabelSmoothing == 0f) return nll;
        var smooth = -weighted.Sum(1) * valid;
        return nll * (1f - LabelSmoothing) + smooth * (LabelSmoothing / classes);
    }

    /// <inheritdoc />
    protected override Tensor? MeanWeights(Tensor input, Tensor target)
    {
        if (ClassTargets.IsProbabilities(input, target)) return null;
        var valid = ClassTargets.Valid(target, IgnoreIndex);
        return MeanWeightsCore(valid, ClassTargets.SafeIndices(target, valid));
    }

    private Tensor MeanWeightsCore(Tensor valid, Tensor safe) =>
        ClassWeights is null ? valid : ClassTargets.WeightOfTargets(ClassWeights, safe) * valid;
}
