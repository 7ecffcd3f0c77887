namespace MultiTask.Engine.Differentiation;

// What an operation records for its backward rule (Node.State), one type per kind of argument, so that each rule in
// Derivatives reads named fields instead of unnamed slots.

/// <summary>The input's shape, which the gradient takes back (reshape, expand).</summary>
internal sealed record InputShape(int[] Shape);

/// <summary>Sum: the input's shape, and the keep-dim shape the gradient is reshaped to first (null: a sum of everything).</summary>
internal sealed record SumState(int[] InputShape, int[]? KeepDimShape);

/// <summary>A permutation of the dimensions.</summary>
internal sealed record PermuteState(int[] Order);

/// <summary>A reduction over <see cref="Dims"/> whose result, with those dims kept as 1, has <see cref="KeepDimShape"/>.</summary>
internal sealed record ReduceState(int[] Dims, int[] KeepDimShape);

/// <summary>A p-norm over <see cref="Dims"/>.</summary>
internal sealed record NormState(double P, int[] Dims, int[] KeepDimShape);

/// <summary>The dimension a softmax or log-softmax normalises.</summary>
internal sealed record SoftmaxState(int Dim);

/// <summary>LeakyRelu's slope for negative inputs.</summary>
internal sealed record LeakyReluState(double NegativeSlope);

/// <summary>ELU's α.</summary>
internal sealed record EluState(double Alpha);

/// <summary>Softplus's β and the threshold of β·x above which it is linear.</summary>
internal sealed record SoftplusState(double Beta, double Threshold);

/// <summary>The scalar exponent of x^e.</summary>
internal sealed record PowState(double Exponent);

/// <summary>Narrow: the slice [Start, Start + length) of <see cref="Dim"/> of an input of <see cref="InputShape"/>.</summary>
internal sealed record NarrowState(int Dim, int Start, int[] InputShape);

/// <summary>Pad: the input sits at [Start, Start + Length) of <see cref="Dim"/> of the result.</summary>
internal sealed record PadState(int Dim, int Start, int Length);

/// <summary>IndexSelect along <see cref="Dim"/> from an input of <see cref="InputShape"/>.</summary>
internal sealed record IndexSelectState(int Dim, int[] Index, int[] InputShape);

/// <summary>IndexAdd along <see cref="Dim"/> at <see cref="Index"/>.</summary>
internal sealed record IndexAddState(int Dim, int[] Index);

/// <summary>Gather (index in Node.Saved) along <see cref="Dim"/> from an input of <see cref="InputShape"/>.</summary>
internal sealed record GatherState(int Dim, int[] InputShape);

/// <summary>ScatterAdd (index in Node.Saved) along <see cref="Dim"/>.</summary>
internal sealed record ScatterAddState(int Dim);

/// <summary>Cat along <see cref="Dim"/>: input i spans [Offsets[i], Offsets[i + 1]).</summary>
internal sealed record CatState(int Dim, int[] Offsets);

/// <summary>Max or min along one dimension (the index in Node.Saved): the dim and the keep-dim shape.</summary>
internal sealed record ExtremeAtIndexState(int Dim, int[] KeepDimShape);

internal sealed record MaskedMseState(Tensors.Tensor Target, Tensors.Tensor Weight, int Width, double Denominator);
