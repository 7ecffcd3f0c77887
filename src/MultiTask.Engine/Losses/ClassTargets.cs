using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>Shape checks and gathering shared by the losses over class scores [N, C, d...] with class-index targets [N, d...].</summary>
internal static class ClassTargets
{
    /// <summary>Whether the target holds class probabilities (same shape as the input) rather than class indices.</summary>
    public static bool IsProbabilities(Tensor input, Tensor target) => ShapeUtil.SameShape(input.ShapeArray, target.ShapeArray);

    /// <summary>Checks input [N, C, d...] against a class-index target [N, d...] and returns the target's shape.</summary>
    public static int[] ElementShape(string loss, Tensor input, Tensor target, Tensor? classWeights, bool allowProbabilities)
    {
        if (input.Rank < 2)
            throw new ArgumentException(
                $"{loss}: the input must have shape [N, C] or [N, C, d...] (a batch of class scores), got {ShapeUtil.Format(input.ShapeArray)}; " +
                "use Unsqueeze(0) for a single example.", nameof(input));
        int classes = input.ShapeArray[1];
        if (classWeights is not null && (classWeights.Rank != 1 || classWeights.ShapeArray[0] != classes))
            throw new ArgumentException(
                $"{loss}: class weights must have shape [{classes}] (one per class), got {ShapeUtil.Format(classWeights.ShapeArray)}.");
        if (allowProbabilities && IsProbabilities(input, target))
        {
            var element = new int[input.Rank - 1];
            element[0] = input.ShapeArray[0];
            for (int d = 2; d < input.Rank; d++) element[d - 1] = input.ShapeArray[d];
            return element;
        }
        bool ok = target.Rank == input.Rank - 1 && target.ShapeArray[0] == input.ShapeArray[0];
        for (int d = 2; ok && d < input.Rank; d++) ok = target.ShapeArray[d - 1] == input.ShapeArray[d];
        if (!ok)
        {
            var expected = new List<int> { input.ShapeArray[0] };
            for (int d = 2; d < input.Rank; d++) expected.Add(input.ShapeArray[d]);
            throw new ArgumentException(
                $"{loss}: for input shape {ShapeUtil.Format(input.ShapeArray)} the class-index target must have shape " +
                $"{ShapeUtil.Format([.. expected])}" + (allowProbabilities ? $" (or {ShapeUtil.Format(input.ShapeArray)} for class probabilities)" : "") +
                $", got {ShapeUtil.Format(target.ShapeArray)}.", nameof(target));
        }
        return target.ShapeArray;
    }

    /// <summary>Checks that every non-ignored target is a whole number in [0, classes).</summary>
    public static void ValidateIndices(string loss, Tensor target, int classes, int ignoreIndex)
    {
        foreach (float v in target.AsSpan())
        {
            if (v == ignoreIndex) continue;
            if (!(v >= 0 && v < classes) || v != MathF.Floor(v))
                throw new ArgumentException(
                    $"{loss}: target class index {v} is out of range for {classes} classes (expected 0..{classes - 1}, or the ignore index {ignoreIndex}).",
                    nameof(target));
        }
    }

    /// <summary>1 where the target is not ignored, else 0.</summary>
    public static Tensor Valid(Tensor target, int ignoreIndex) => target.Detach().Ne(ignoreIndex);

    /// <summary>The targets with ignored entries replaced by class 0, so that they can be gathered.</summary>
    public static Tensor SafeIndices(Tensor target, Tensor valid) => Tensor.Where(valid, target.Detach(), Tensor.Scalar(0f));

    /// <summary>-input[n, target[n, d...], d...] (the negative log-likelihood of the target class).</summary>
    public static Tensor PickedNegative(Tensor logProbabilities, Tensor safeIndices) =>
        -logProbabilities.Gather(1, safeIndices.Unsqueeze(1)).Squeeze(1);

    /// <summary>The class weight of each target, with the target's shape.</summary>
    public static Tensor WeightOfTargets(Tensor classWeights, Tensor safeIndices) =>
        classWeights.IndexSelect(0, safeIndices.Reshape(-1)).Reshape(safeIndices.ShapeArray);

    /// <summary>The class weights shaped [1, C, 1, ...] to broadcast against an input of rank <paramref name="rank"/>.</summary>
    public static Tensor Broadcastable(Tensor classWeights, int rank)
    {
        var shape = Enumerable.Repeat(1, rank).ToArray();
        shape[1] = classWeights.ShapeArray[0];
        return classWeights.Reshape(shape);
    }
}
