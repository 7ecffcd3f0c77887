using System.Numerics;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>The moment updates shared by Adam and AdamW, in PyTorch's single-tensor order of float32 operations.</summary>
internal static class AdamRule
{
    public const string ExpAvg = "exp_avg";
    public const string ExpAvgSq = "exp_avg_sq";
    public const string MaxExpAvgSq = "max_exp_avg_sq";
    public static readonly string[] BufferNames = [ExpAvg, ExpAvgSq, MaxExpAvgSq];

    public static void Validate(double eps, (double Beta1, double Beta2) betas)
    {
        if (!(eps >= 0 && eps < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException("Eps", eps, $"Invalid epsilon value: {eps}; it must be finite and non-negative.");
        ParamGroup.CheckBeta(betas.Beta1, 0);
        ParamGroup.CheckBeta(betas.Beta2, 1);
    }

    public static void Build(Tensor parameter, bool amsgrad, ParameterState state)
    {
        state.SetBuffer(ExpAvg, Tensor.ZerosLike(parameter));
        state.SetBuffer(ExpAvgSq, Tensor.ZerosLike(parameter));
        if (amsgrad) state.SetBuffer(MaxExpAvgSq, Tensor.ZerosLike(parameter));
    }

    /// <summary>
    /// One Adam step on the raw storage. <paramref name="l2"/> is added to the gradient (Adam's
    /// coupled weight decay); <paramref name="decay"/> multiplies the parameter first (AdamW's).
    /// </summary>
    public static void Step(Tensor param, Tensor grad, ParamGroup group, ParameterState state,
        double eps, bool amsgrad, bool maximize, float l2, float decay)
    {
        var p = param.AsSpan();
        ReadOnlySpan<float> g = grad.AsSpan();
        var m = state[ExpAvg].AsSpan();
        var v = state[ExpAvgSq].AsSpan();
        var vMax = amsgrad ? state.GetOrAddBuffer(MaxExpAvgSq, param).AsSpan() : default;

        var (beta1, beta2) = group.Betas;
        double step = state.Step;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        float negStepSize = (float)-(group.LearningRate / biasCorrection1);
        float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);
        float b1 = (float)beta1, b2 = (float)beta2;
        float oneMinusB1 = (float)(1 - beta1), oneMinusB2 = (float)(1 - beta2);
        float e = (float)eps;

        int start = amsgrad ? 0 : StepVectorized(p, g, m, v, decay, maximize, l2, b1, b2, oneMinusB1, oneMinusB2, bc2Sqrt, e, negStepSize);
        for (int i = start; i < p.Length; i++)
        {
            float pi = p[i] * decay;
            float gi = maximize ? -g[i] : g[i];
            if (l2 != 0) gi += l2 * pi;
            float mi = m[i] * b1 + oneMinusB1 * gi;
            float vi = v[i] * b2 + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            if (amsgrad)
            {
                vi = MathF.Max(vMax[i], vi);
                vMax[i] = vi;
            }
            float denom = MathF.Sqrt(vi) / bc2Sqrt + e;
            p[i] = pi + negStepSize * mi / denom;
        }
    }

    /// <summary>
    /// The same update, <see cref="Vector{T}"/> lanes at a time, with exactly the scalar loop's float32
    /// operations in the same order (no fused multiply-adds), so results are bit-identical. Returns
    /// the index where the scalar loop takes over for the tail.
    /// </summary>
    private static int StepVectorized(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float decay,
        bool maximize, float l2, float b1, float b2, float oneMinusB1, float oneMinusB2, float bc2Sqrt, float e, float negStepSize)
    {
        if (!Vector.IsHardwareAccelerated) return 0;
        int w = Vector<float>.Count, i = 0;
        var vDecay = new Vector<float>(decay);
        var vL2 = new Vector<float>(l2);
        var vB1 = new Vector<float>(b1);
        var vB2 = new Vector<float>(b2);
        var vOneMinusB1 = new Vector<float>(oneMinusB1);
        var vOneMinusB2 = new Vector<float>(oneMinusB2);
        var vBc2Sqrt = new Vector<float>(bc2Sqrt);
        var vE = new Vector<float>(e);
        var vNegStep = new Vector<float>(negStepSize);
        for (; i <= p.Length - w; i += w)
        {
            var pi = new Vector<float>(p[i..]) * vDecay;
            var gi = new Vector<float>(g[i..]);
            if (maximize) gi = -gi;
            if (l2 != 0) gi += vL2 * pi;
            var mi = new Vector<float>(m[i..]) * vB1 + vOneMinusB1 * gi;
            var vi = new Vector<float>(v[i..]) * vB2 + vOneMinusB2 * gi * gi;
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            var denom = Vector.SquareRoot(vi) / vBc2Sqrt + vE;
            (pi + vNegStep * mi / denom).CopyTo(p[i..]);
        }
        return i;
    }
}
