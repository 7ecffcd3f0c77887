using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Several Linear layers that read the same input computed as one: their weights side by side make a single GEMM whose
/// output holds each layer's output in turn along the last dimension (used for experts and for heads).
/// </summary>
internal static class JointLinear
{
    /// <summary>Whether the layers can be joined: at least two, all reading <paramref name="inFeatures"/>, all with or all without bias.</summary>
    public static bool CanJoin(IReadOnlyList<Linear> layers, int inFeatures) =>
        layers.Count >= 2 && layers.All(l => l.InFeatures == inFeatures && (l.Bias is null) == (layers[0].Bias is null));

    /// <summary>[..., Σ out] = input·[W₁; W₂; …]ᵀ + [b₁, b₂, …], differentiable into every layer's parameters.</summary>
    public static Tensor Forward(Tensor input, IReadOnlyList<Linear> layers)
    {
        var weight = Tensor.Cat(layers.Select(l => (Tensor)l.Weight).ToArray(), 0);
        var bias = layers[0].Bias is null ? null : Tensor.Cat(layers.Select(l => (Tensor)l.Bias!).ToArray(), 0);
        return Tensor.Linear(input, weight, bias);
    }
}
