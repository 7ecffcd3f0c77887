using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// A snapshot of an optimizer that lets training resume exactly (PyTorch's <c>optimizer.state_dict()</c>
/// flattened): per-parameter buffers as tensors, and hyper-parameters and step counts as numbers.
/// </summary>
/// <remarks>
/// Keys mirror PyTorch's nesting: <c>state.{p}.{buffer}</c> in <see cref="Tensors"/> and
/// <c>state.{p}.step</c>, <c>param_groups.{g}.lr</c>, <c>param_groups.{g}.num_params</c>, ... in
/// <see cref="Values"/>, where <c>p</c> counts parameters across all groups in order. Numbers are
/// kept as doubles (not float32 tensors) so that learning rates round-trip exactly.
/// </remarks>
public sealed class OptimizerStateDict
{
    /// <summary>Per-parameter buffers, keyed <c>state.{p}.{buffer}</c>.</summary>
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Step counts and per-group hyper-parameters.</summary>
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);
}
