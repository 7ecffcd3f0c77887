using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// One extraction level of a <see cref="PleModel"/>: shared experts, each task's own experts, each task's gate (mixing
/// the task's own experts, then the shared ones) and, for every level but the last, the shared gate (mixing every
/// task's experts in task order, then the shared ones).
/// </summary>
/// <param name="SharedExperts">The shared experts; they read the previous level's shared mixture (the input at level 0).</param>
/// <param name="TaskExperts">Each task's own experts (possibly none); they read the previous level's mixture of their task.</param>
/// <param name="TaskGates">Each task's gate; it reads the same input as the task's experts.</param>
/// <param name="SharedGate">The shared gate, reading the shared experts' input; null at the last level.</param>
/// <param name="ExpertOutputSize">The width of every expert's output at this level.</param>
public sealed record PleLevel(
    IReadOnlyList<Module<Tensor, Tensor>> SharedExperts,
    IReadOnlyDictionary<string, IReadOnlyList<Module<Tensor, Tensor>>> TaskExperts,
    IReadOnlyDictionary<string, ExpertGate> TaskGates,
    ExpertGate? SharedGate,
    int ExpertOutputSize);
