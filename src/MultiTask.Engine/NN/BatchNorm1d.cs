using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Batch normalisation of inputs [N, C] or [N, C, L] per channel C (PyTorch's <c>nn.BatchNorm1d</c>).
/// </summary>
/// <remarks>
/// In training, each channel is normalised with the batch mean and biased variance, and the running
/// statistics are updated with the batch mean and the <em>unbiased</em> variance:
/// running = (1 - momentum)·running + momentum·batch (a cumulative average when momentum is null).
/// In evaluation (after <see cref="Module.Eval"/>, or inside <see cref="Module.EvaluationScope"/>) the running
/// statistics are used and left unchanged. The buffers are named as in PyTorch
/// (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>, the last held as a float).
/// </remarks>
public sealed class BatchNorm1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">The number of channels C.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="momentum">The weight of the batch statistics in the running averages, or null for a cumulative average.</param>
    /// <param name="affine">Whether to learn a per-channel scale (weight, init 1) and shift (bias, init 0).</param>
    /// <param name="trackRunningStats">Whether to keep running statistics; without them batch statistics are used in evaluation too.</param>
    public BatchNorm1d(int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true, bool trackRunningStats = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numFeatures);
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = Register("weight", new Parameter(Tensor.Ones(numFeatures)));
            Bias = Register("bias", new Parameter(Tensor.Zeros(numFeatures)));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(numFeatures));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones(numFeatures));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Scalar(0f));
        }
    }

    /// <summary>The number of channels.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for stability.</summary>
    public float Eps { get; }

    /// <summary>The weight of the batch statistics in the running averages, or null for a cumulative average.</summary>
    public float? Momentum { get; }

    /// <summary>The per-channel scale, or null.</summary>
    public Parameter? Weight { get; }

    /// <summary>The per-channel shift, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>The running mean per channel, or null when running statistics are not tracked.</summary>
    public Tensor? RunningMean { get; }

    /// <summary>The running (unbiased) variance per channel, or null when running statistics are not tracked.</summary>
    public Tensor? RunningVar { get; }

    /// <summary>The number of training batches seen, or null when running statistics are not tracked.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if ((input.Rank != 2 && input.Rank != 3) || input.ShapeArray[1] != NumFeatures)
            throw new ArgumentException(
                $"BatchNorm1d expects inputs of shape [N, {NumFeatures}] or [N, {NumFeatures}, L], got {ShapeUtil.Format(input.ShapeArray)}.", nameof(input));
        int[] dims = input.Rank == 2 ? [0] : [0, 2];
        int[] channelShape = input.Rank == 2 ? [NumFeatures] : [NumFeatures, 1];
        // Read once: the statistics used and whether they are updated must agree for the whole call.
        bool training = BehavesAsTraining;
        bool useBatch = training || RunningMean is null;
        Tensor y;
        if (useBatch)
        {
            int count = input.Numel / NumFeatures;
            if (training && count <= 1)
                throw new ArgumentException(
                    $"BatchNorm1d needs more than one value per channel in training, got input shape {ShapeUtil.Format(input.ShapeArray)}; use a larger batch or Eval().", nameof(input));
            var mean = input.Mean(dims, keepDim: true);
            var variance = input.Var(dims, correction: 0, keepDim: true);
            if (training && RunningMean is not null) UpdateRunningStats(mean, variance, count);
            y = (input - mean) * (variance + Eps).Rsqrt();
        }
        else
        {
            y = (input - RunningMean!.Reshape(channelShape)) * (RunningVar!.Reshape(channelShape) + Eps).Rsqrt();
        }
        return Weight is null ? y : y * Weight.Reshape(channelShape) + Bias!.Reshape(channelShape);
    }

    private void UpdateRunningStats(Tensor mean, Tensor variance, int count)
    {
        var batches = NumBatchesTracked!.AsSpan();
        batches[0] += 1f;
        double factor = Momentum ?? 1.0 / batches[0];
        double unbias = count / (count - 1.0);
        var m = mean.AsSpan();
        var v = variance.AsSpan();
        var rm = RunningMean!.AsSpan();
        var rv = RunningVar!.AsSpan();
        for (int c = 0; c < NumFeatures; c++)
        {
            rm[c] = (float)((1 - factor) * rm[c] + factor * m[c]);
            rv[c] = (float)((1 - factor) * rv[c] + factor * v[c] * unbias);
        }
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Eps}, momentum={(Momentum is null ? "None" : Momentum.ToString())}, affine={(Weight is not null ? "True" : "False")}, " +
        $"track_running_stats={(RunningMean is not null ? "True" : "False")}";
}
