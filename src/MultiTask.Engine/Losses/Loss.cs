using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// The base of every loss: a template method that owns per-element weights, masking and reduction,
/// while a subclass writes only the per-element formula (<see cref="Elementwise"/>).
/// </summary>
/// <remarks>
/// <para>
/// A loss computes values vᵢ, one per element of its <em>element shape</em> (the input's shape, or for
/// class-index losses the target's shape), and optionally its own mean weights dᵢ (class weights of
/// the targets, 0 for ignored targets); without them dᵢ = 1. The optional <c>weight</c> argument of
/// <see cref="Forward"/> gives wᵢ (broadcastable to the element shape; 1 when omitted). Then:
/// </para>
/// <list type="bullet">
/// <item><see cref="Reduction.None"/>: wᵢ·vᵢ;</item>
/// <item><see cref="Reduction.Sum"/>: Σ wᵢ·vᵢ;</item>
/// <item><see cref="Reduction.Mean"/>: Σ wᵢ·vᵢ / Σ wᵢ·dᵢ — a weighted mean. Without <c>weight</c> this is
/// exactly PyTorch's rule (e.g. cross-entropy with class weights divides by the summed weights of the
/// non-ignored targets, and gives NaN when every target is ignored); with <c>weight</c>, a zero
/// denominator (every element masked) gives 0 instead of NaN.</item>
/// </list>
/// <para>
/// <b>Masking.</b> An element whose weight is exactly 0 is masked: its target and input are replaced by a
/// harmless value before the formula runs and its loss is replaced by 0, so it changes neither the result
/// nor any gradient even when its label is missing (NaN) or the model output there is not finite. This is
/// how missing labels are handled.
/// </para>
/// </remarks>
public abstract class Loss
{
    /// <summary>Creates a loss with the given reduction.</summary>
    protected Loss(Reduction reduction)
    {
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction.");
        Reduction = reduction;
    }

    /// <summary>How per-element losses are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>Computes the loss of <paramref name="input"/> (predictions) against <paramref name="target"/>.</summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets.</param>
    /// <param name="weight">
    /// Optional per-element weights, broadcastable to the element shape; 0 masks an element out entirely.
    /// See the class remarks for the exact reduction rule.
    /// </param>
    /// <returns>A scalar for <see cref="Reduction.Mean"/> and <see cref="Reduction.Sum"/>, else the per-element losses.</returns>
    public Tensor Forward(Tensor input, Tensor target, Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var elementShape = ElementShape(input, target);
        if (FusedForward(input, target, weight) is { } fused) return fused;
        var keep = KeepMask(weight, elementShape);
        if (keep is not null)
        {
            input = MaskInput(input, keep);
            target = MaskTarget(target, keep);
        }
        ValidateValues(input, target);
        return Reduce(Elementwise(input, target), MeanWeights(input, target), weight, keep);
    }

    /// <summary>The per-element loss, with the element shape (the only method most losses write).</summary>
    protected abstract Tensor Elementwise(Tensor input, Tensor target);

    /// <summary>
    /// The whole loss in one fused operation when this loss has one for these (validated) arguments, else null and the
    /// general path runs; the result must equal the general path's up to rounding.
    /// </summary>
    private protected virtual Tensor? FusedForward(Tensor input, Tensor target, Tensor? weight) => null;

    /// <summary>
    /// The loss's own mean weights dᵢ (see the class remarks), or null for all ones. Class-index losses
    /// return the class weight of each target and 0 for ignored targets.
    /// </summary>
    protected virtual Tensor? MeanWeights(Tensor input, Tensor target) => null;

    /// <summary>
    /// Checks the shapes of <paramref name="input"/> and <paramref name="target"/> and returns the shape of
    /// the per-element loss. By default both must have the same shape.
    /// </summary>
    protected virtual int[] ElementShape(Tensor input, Tensor target)
    {
        if (!ShapeUtil.SameShape(input.ShapeArray, target.ShapeArray))
            throw new ArgumentException(
                $"{GetType().Name}: the target shape {ShapeUtil.Format(target.ShapeArray)} must equal the input shape " +
                $"{ShapeUtil.Format(input.ShapeArray)}; reshape one of them (e.g. Unsqueeze(-1) or Squeeze(-1)).", nameof(target));
        return input.ShapeArray;
    }

    /// <summary>Checks the values (e.g. probabilities in range, class indices valid); runs after masking.</summary>
    protected virtual void ValidateValues(Tensor input, Tensor target) { }

    /// <summary>Replaces masked inputs (<paramref name="keep"/> is 0, element shape) by a harmless value.</summary>
    protected virtual Tensor MaskInput(Tensor input, Tensor keep) => Fill(input, keep, 0f);

    /// <summary>Replaces masked targets (<paramref name="keep"/> is 0, element shape) by a harmless value.</summary>
    protected virtual Tensor MaskTarget(Tensor target, Tensor keep) => Fill(target, keep, 0f);

    /// <summary><paramref name="value"/> where <paramref name="keep"/> is 0, else <paramref name="x"/> (gradient flows only where kept).</summary>
    protected static Tensor Fill(Tensor x, Tensor keep, float value) => Tensor.Where(keep, x, Tensor.Scalar(value));

    /// <summary>
    /// The 0/1 mask of elements whose weight is non-zero, with the element shape, or null without weights.
    /// </summary>
    /// <exception cref="ArgumentException">The weight cannot be broadcast to the element shape.</exception>
    protected Tensor? KeepMask(Tensor? weight, int[] elementShape)
    {
        if (weight is null) return null;
        ArgumentNullException.ThrowIfNull(elementShape);
        int[] broadcast;
        try { broadcast = ShapeUtil.Broadcast(weight.ShapeArray, elementShape); }
        catch (ArgumentException) { broadcast = []; }
        if (!ShapeUtil.SameShape(broadcast, elementShape))
            throw new ArgumentException(
                $"{GetType().Name}: the weight shape {ShapeUtil.Format(weight.ShapeArray)} cannot be broadcast to the per-element " +
                $"loss shape {ShapeUtil.Format(elementShape)}.", nameof(weight));
        return weight.Detach().Ne(0f).Expand(elementShape);
    }

    /// <summary>Applies the weights, the mask and the reduction (see the class remarks).</summary>
    protected Tensor Reduce(Tensor values, Tensor? meanWeights, Tensor? weight, Tensor? keep)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (weight is null)
        {
            return Reduction switch
            {
                Reduction.None => values,
                Reduction.Sum => values.Sum(),
                _ => meanWeights is null ? values.Mean() : values.Sum() / meanWeights.Sum(),
            };
        }
        var weighted = Fill(values * weight, keep!, 0f);
        switch (Reduction)
        {
            case Reduction.None: return weighted;
            case Reduction.Sum: return weighted.Sum();
        }
        var denominator = (meanWeights is null ? weight.Expand(values.ShapeArray) : meanWeights * weight).Sum();
        // Every element masked: 0 rather than 0/0, so a batch without labels contributes nothing.
        return weighted.Sum() / (denominator + denominator.Detach().Eq(0f));
    }
}
