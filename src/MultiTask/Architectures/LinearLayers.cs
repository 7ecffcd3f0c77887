using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// What the architectures read off the engine's Linear layers: the first one a module applies (for checking widths at
/// construction), and several that read the same input computed as one.
/// </summary>
internal static class LinearLayers
{
    /// <summary>The Linear that a module applies first, when that is unambiguous (the module itself, or the first element of nested Sequentials).</summary>
    public static Linear? First(Module module)
    {
        while (true)
        {
            switch (module)
            {
                case Linear linear: return linear;
                case Sequential { Count: > 0 } seq: module = seq[0]; break;
                default: return null;
            }
        }
    }

    /// <summary>Whether the layers can be joined: at least two, all reading <paramref name="inFeatures"/>, all with or all without bias.</summary>
    public static bool CanJoin(IReadOnlyList<Linear> layers, int inFeatures) =>
        layers.Count >= 2 && layers.All(l => l.InFeatures == inFeatures && (l.Bias is null) == (layers[0].Bias is null));

    /// <summary>[..., Σ out] = input·[W₁; W₂; …]ᵀ + [b₁, b₂, …], differentiable into every layer's parameters.</summary>
    /// <remarks>Their weights side by side make a single GEMM whose output holds each layer's output in turn along the last dimension.</remarks>
    public static Tensor Joint(Tensor input, IReadOnlyList<Linear> layers)
    {
        var weight = Tensor.Cat(layers.Select(l => (Tensor)l.Weight).ToArray(), 0);
        var bias = layers[0].Bias is null ? null : Tensor.Cat(layers.Select(l => (Tensor)l.Bias!).ToArray(), 0);
        return Tensor.Linear(input, weight, bias);
    }
}
