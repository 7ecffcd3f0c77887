using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>
    /// The weighted mean squared error Σ w·(x − y)² / Σ w that <see cref="Losses.MseLoss"/> computes with a weight (elements
    /// of weight 0 contribute nothing, whatever their values; 0 when every weight is 0), in one pass and one recorded
    /// operation instead of a dozen. Null when the arguments need the general path: a target or weight that requires
    /// grad, shapes that differ, or a weight that is neither of the input's shape nor one value per row ([rows, 1]).
    /// </summary>
    internal static Tensor? MaskedMseMean(Tensor input, Tensor target, Tensor weight)
    {
        if (target.RequiresGrad || weight.RequiresGrad || !ShapeUtil.SameShape(input._shape, target._shape)) return null;
        int width;
        if (ShapeUtil.SameShape(weight._shape, input._shape)) width = 1;
        else if (input.Rank == 2 && weight.Rank == 2 && weight._shape[0] == input._shape[0] && weight._shape[1] == 1) width = input._shape[1];
        else return null;

        var x = input.Data;
        var y = target.Data;
        var w = weight.Data;
        double sum = 0, denominator = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float wi = w[i / width];
            if (wi == 0f) continue;
            float d = x[i] - y[i];
            sum += (double)wi * d * d;
            denominator += wi;
        }
        var result = Scalar(denominator == 0 ? 0f : (float)(sum / denominator));
        var node = Graph.Track(result, "MseLossBackward", Derivatives.MaskedMseMean, input);
        if (node is not null) node.State = new MaskedMseState(target, weight, width, denominator);
        return result;
    }

    /// <summary>The input gradient of <see cref="MaskedMseMean"/> for an incoming scalar gradient; not recorded.</summary>
    internal static Tensor MaskedMseMeanGrad(Tensor input, Tensor target, Tensor weight, int width, double denominator, float g)
    {
        var x = input.Data;
        var y = target.Data;
        var w = weight.Data;
        var data = ScratchBuffers.Rent(x.Length);
        float scale = denominator == 0 ? 0f : (float)(2.0 * g / denominator);
        for (int i = 0; i < x.Length; i++)
        {
            float wi = w[i / width];
            data[i] = wi == 0f ? 0f : (x[i] - y[i]) * wi * scale;
        }
        return new Tensor(data, input._shape).MarkExclusiveGradient();
    }
}
