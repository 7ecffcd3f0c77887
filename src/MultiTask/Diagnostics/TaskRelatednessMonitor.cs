using MultiTask.Engine.Tensors;
using MultiTask.Training;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Diagnostics;

/// <summary>
/// A callback that measures how the tasks relate while a model trains: the cosine between the tasks' gradients on the
/// shared parameters, how often they conflict (negative cosine), and the inter-task affinity of Fifty et al. (2021).
/// The result goes to <see cref="TrainingReport.Diagnostics"/> (read it with <c>report.Diagnostic&lt;TaskRelatedness&gt;()</c>)
/// and to <see cref="Result"/>.
/// </summary>
/// <remarks>
/// <para>Every <see cref="Every"/>-th global step, before the trainer's own forward pass, the monitor computes each labelled
/// task's loss on the batch (<see cref="TrainingBatch.ComputeLosses"/>, in evaluation mode) and its gradient on the shared
/// parameters (one extra backward pass per task). With <see cref="MeasureAffinity"/> it then, for each task i, moves the
/// shared parameters by one SGD step along task i's gradient alone, θ − η·∇Lᵢ, recomputes every task's loss on the same
/// batch and records Z[i→j] = 1 − Lⱼ(after) / Lⱼ(before) (positive: a step for i also lowers j's loss), and writes the
/// original parameter values back.</para>
/// <para>Training is unchanged: the extra passes run in evaluation mode (no dropout draws, no batch-norm statistics), the
/// gradients are returned rather than accumulated into any <see cref="Tensor.Grad"/>, and the parameters are restored
/// bit for bit, so the weights after training are identical with and without the monitor. It works with every weighting
/// strategy, since it measures the plain task losses. Cost per sampled step: T backward passes, plus T forward passes
/// for the affinity.</para>
/// <para>The monitor's sums are not checkpointed: after resuming, the result covers the epochs of the resumed run only.</para>
/// </remarks>
public sealed class TaskRelatednessMonitor : Callback
{
    private RelatednessSums? _total;
    private RelatednessSums? _epoch;
    private readonly List<TaskRelatednessEpoch> _epochs = [];
    private string[] _names = [];

    /// <summary>Creates the monitor.</summary>
    /// <param name="every">Measure the steps whose global index is a multiple of this (1: every step; step 0 is always measured).</param>
    /// <param name="measureAffinity">Also measure the lookahead inter-task affinity (T extra forward passes per sampled step).</param>
    /// <param name="lookaheadLearningRate">
    /// The learning rate η of the lookahead step; null takes the optimizer's current learning rate (of its default parameter
    /// group) at each sampled step.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="every"/> is below 1, or the learning rate is not positive and finite.</exception>
    public TaskRelatednessMonitor(int every = 10, bool measureAffinity = true, double? lookaheadLearningRate = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        if (lookaheadLearningRate is double lr && !(lr > 0 && double.IsFinite(lr)))
            throw new ArgumentOutOfRangeException(nameof(lookaheadLearningRate), lr, "The lookahead learning rate must be positive and finite.");
        Every = every;
        MeasureAffinity = measureAffinity;
        LookaheadLearningRate = lookaheadLearningRate;
    }

    /// <summary>The sampling interval in global steps.</summary>
    public int Every { get; }

    /// <summary>Whether the inter-task affinity is measured.</summary>
    public bool MeasureAffinity { get; }

    /// <summary>The lookahead learning rate, or null for the optimizer's current one.</summary>
    public double? LookaheadLearningRate { get; }

    /// <summary>The last run's measurements (set when training ends), or null before.</summary>
    public TaskRelatedness? Result { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _names = [.. context.Model.TaskNames];
        _total = new RelatednessSums(_names.Length);
        _epoch = null;
        _epochs.Clear();
        Result = null;
    }

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context) => _epoch = new RelatednessSums(_names.Length);

    /// <inheritdoc />
    public override void OnBatchBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.CurrentBatch is not { } batch || _total is null || _epoch is null || batch.Step % Every != 0) return;
        var shared = context.Weighting.SharedParameters.Where(p => p.RequiresGrad).Cast<Tensor>().ToList();
        if (shared.Count == 0) return;
        var losses = batch.ComputeLosses();
        int t = losses.Length;
        var before = new double[t];
        var grads = new float[]?[t];
        for (int i = 0; i < t; i++)
        {
            if (losses[i] is not { } loss) continue;
            before[i] = loss.Item();
            if (!double.IsFinite(before[i]) || !loss.RequiresGrad) continue;
            grads[i] = Flatten(Autograd.Grad([loss], shared, retainGraph: true, allowUnused: true), shared);
        }
        if (grads.All(g => g is null)) return;
        _total.Steps++;
        _epoch.Steps++;
        var norms = grads.Select(g => g is null ? 0 : Math.Sqrt(Dot(g, g))).ToArray();
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                if (grads[i] is not { } gi || grads[j] is not { } gj || norms[i] == 0 || norms[j] == 0) continue;
                double cosine = Math.Clamp(Dot(gi, gj) / (norms[i] * norms[j]), -1, 1);
                _total.AddCosine(i, j, cosine);
                _epoch.AddCosine(i, j, cosine);
            }
        }
        if (MeasureAffinity) Lookahead(context, batch, shared, grads, before);
    }

    private void Lookahead(TrainingContext context, TrainingBatch batch, List<Tensor> shared, float[]?[] grads, double[] before)
    {
        float lr = (float)(LookaheadLearningRate ?? context.Optimizer.ParamGroups[0].LearningRate);
        var saved = shared.Select(p => p.ToArray()).ToArray();
        try
        {
            for (int i = 0; i < grads.Length; i++)
            {
                if (grads[i] is not { } g) continue;
                int offset = 0;
                for (int k = 0; k < shared.Count; k++)
                {
                    var span = shared[k].AsSpan();
                    for (int e = 0; e < span.Length; e++) span[e] = saved[k][e] - lr * g[offset + e];
                    offset += span.Length;
                }
                Tensor?[] after;
                using (Autograd.NoGrad()) after = batch.ComputeLosses();
                for (int j = 0; j < after.Length; j++)
                {
                    if (after[j] is not { } l || grads[j] is null || before[j] == 0) continue;
                    double z = 1 - l.Item() / before[j];
                    if (!double.IsFinite(z)) continue;
                    _total!.AddAffinity(i, j, z);
                    _epoch!.AddAffinity(i, j, z);
                }
            }
        }
        finally
        {
            // Bit-exact restore: the training step must start from the very same parameters.
            for (int k = 0; k < shared.Count; k++) saved[k].CopyTo(shared[k].AsSpan());
        }
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_epoch is null) return;
        _epochs.Add(new TaskRelatednessEpoch(context.Epoch, _epoch.Steps, _epoch.Cosine(_names), _epoch.ConflictFrequency(_names),
            MeasureAffinity ? _epoch.Affinity(_names) : null));
        _epoch = null;
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_total is null) return;
        Result = new TaskRelatedness(_total.Steps, Every, _total.Cosine(_names), _total.ConflictFrequency(_names),
            MeasureAffinity ? _total.Affinity(_names) : null, [.. _epochs]);
        context.AddDiagnostics(Result);
    }

    private static float[] Flatten(Tensor?[] grads, List<Tensor> shared)
    {
        var flat = new float[shared.Sum(p => p.Numel)];
        int offset = 0;
        for (int k = 0; k < shared.Count; k++)
        {
            grads[k]?.AsSpan().CopyTo(flat.AsSpan(offset, shared[k].Numel));
            offset += shared[k].Numel;
        }
        return flat;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
