using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>The moment updates shared by Adam and AdamW, in PyTorch's single-tensor order of float32 operations.</summary>
internal static class AdamRule
{
    public const string ExpAvg = "exp_avg";
    public const string ExpAvgSq = "exp_avg_sq";
    public const string MaxExpAvgSq = "max_exp_avg_sq";

    public static void Validate(double eps, (double Beta1, double Beta2) betas)
    {
        if (!(eps >= 0))
            throw new ArgumentOutOfRangeException("Eps", eps, $"Invalid epsilon value: {eps}; it must be non-negative.");
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

        for (int i = 0; i < p.Length; i++)
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
}
