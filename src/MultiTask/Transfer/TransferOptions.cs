using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Transfer;

/// <summary>How <see cref="TransferLearning.AddTasks(MultiTaskModel, Data.FeatureEncoder, Data.MultiTaskDataset, TransferOptions, Generator)"/> builds the new tasks' heads.</summary>
public sealed record TransferOptions
{
    /// <summary>Each new head's hidden sizes before its output layer; empty (the default) for a single <c>Linear</c> on the backbone's output.</summary>
    public IReadOnlyList<int> Head { get; init; } = [];

    /// <summary>Activation, dropout and layer norm of the new heads' hidden layers.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>
    /// Whether each new MLP head's output layer starts at zero (default true): a new task then starts at its mean target
    /// (0 in standardised units), or at the shared head's pooled prediction with residual heads, instead of at random outputs
    /// that the first steps must undo. The hidden layers and custom heads are initialised as usual.
    /// </summary>
    public bool ZeroOutputLayer { get; init; } = true;

    /// <summary>User heads by new task name, replacing the MLP head of those tasks; each reads the backbone output and returns [batch, outputSize].</summary>
    public IReadOnlyDictionary<string, Module<Tensor, Tensor>>? CustomHeads { get; init; }
}
