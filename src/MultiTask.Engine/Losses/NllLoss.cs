using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Negative log-likelihood of class indices given log-probabilities (PyTorch's <c>nn.NLLLoss</c>):
/// -w[y]·input[y] per element for input [N, C, d...] and class-index target [N, d...]. With
/// <see cref="Reduction.Mean"/> the sum is divided by the summed class weights of the non-ignored targets.
/// </summary>
/// <param name="classWeights">Optional weight per class, shape [C].</param>
/// <param name="ignoreIndex">A target value that contributes nothing (not even to the mean's denominator).</param>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class NllLoss(Tensor? classWeights = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The weight of each class, or null.</summary>
    public Tensor? ClassWeights { get; } = classWeights;

    /// <summary>The target value that is ignored.</summary>
    public int IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc />
    protected override int[] ElementShape(Tensor input, Tensor target) =>
        ClassTargets.ElementShape(nameof(NllLoss), input, target, ClassWeights, allowProbabilities: false);

    /// <inheritdoc />
    protected override void ValidateValues(Tensor input, Tensor target) =>
        ClassTargets.ValidateIndices(nameof(NllLoss), target, input.ShapeArray[1], IgnoreIndex);

    /// <inheritdoc />
    protected override Tensor MaskInput(Tensor input, Tensor keep) => Fill(input, keep.Unsqueeze(1), 0f);

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var valid = ClassTargets.Valid(target, IgnoreIndex);
        var safe = ClassTargets.SafeIndices(target, valid);
        return ClassTargets.PickedNegative(input, safe) * MeanWeightsCore(target, valid, safe);
    }

    /// <inheritdoc />
    protected override Tensor? MeanWeights(Tensor input, Tensor target)
    {
        var valid = ClassTargets.Valid(target, IgnoreIndex);
        return MeanWeightsCore(target, valid, ClassTargets.SafeIndices(target, valid));
    }

    private Tensor MeanWeightsCore(Tensor target, Tensor valid, Tensor safe) =>
        ClassWeights is null ? valid : ClassTargets.WeightOfTargets(ClassWeights, safe) * valid;
}
