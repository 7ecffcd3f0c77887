using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Everything <see cref="HardSharingModel.Create"/>
/// builds: the input layers, the shared MLP backbone, the heads, and the optional residual heads and
/// wide path. The defaults give the plain model (an MLP backbone of [64, 64] and a Linear head per task).
/// </summary>
/// <remarks>
/// Parameter names: <c>backbone.embeddings.*</c> (categorical embeddings), <c>backbone.periodic.*</c>
/// (numeric embeddings), <c>backbone.&lt;i&gt;.*</c> (hidden layers), <c>shared_head.*</c>,
/// <c>heads.&lt;task&gt;.*</c>, <c>wide.*</c> and <c>wide_heads.&lt;task&gt;.*</c>; <c>backbone</c>,
/// <c>shared_head</c> and <c>wide</c> are shared parameters, the others belong to their task.
/// </remarks>
public sealed record HardSharingOptions
{
    /// <summary>The hidden sizes of the shared MLP backbone; empty for none (the heads then read the input layers' output).</summary>
    public IReadOnlyList<int> Backbone { get; init; } = [64, 64];

    /// <summary>The hidden sizes of each head (and of the shared head) before its output Linear; empty (the default) for a single Linear.</summary>
    public IReadOnlyList<int> Head { get; init; } = [];

    /// <summary>Activation, layer norm and dropout of every hidden layer.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>
    /// Residual task heads: task t outputs shared_head(z) + heads.t(z), where <c>shared_head</c> is one
    /// head for all tasks and the output layer of each <c>heads.t</c> starts at exactly zero. Every task
    /// therefore starts with the pooled prediction, and the data move a task away from it only as far
    /// as its own labels support. All tasks need the same output size.
    /// </summary>
    public bool ResidualHeads { get; init; }

    /// <summary>The linear path added to the tasks' outputs (see <see cref="WidePath"/>); none by default.</summary>
    public WidePath Wide { get; init; } = WidePath.None;

    /// <summary>Periodic (PLR) embeddings of the numeric features as the backbone's input layer (<see cref="PeriodicEmbedding"/>); null (the default) for none.</summary>
    public PeriodicEmbeddingOptions? NumericEmbedding { get; init; }

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s default rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    /// <summary>
    /// User heads by task name, each reading the backbone output and returning [batch, outputSize]; they replace
    /// the MLP head of those tasks (with <see cref="ResidualHeads"/>, the user head is the task's residual).
    /// </summary>
    public IReadOnlyDictionary<string, Module<Tensor, Tensor>>? CustomHeads { get; init; }

    internal static HardSharingOptions Of(int[] backbone, int[]? head, MlpOptions? mlp, IReadOnlyDictionary<string, Module<Tensor, Tensor>>? customHeads)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return new HardSharingOptions { Backbone = backbone, Head = head ?? [], Mlp = mlp ?? new MlpOptions(), CustomHeads = customHeads };
    }

    internal void Validate()
    {
        if (Backbone is null) throw new ArgumentException("HardSharingOptions.Backbone must not be null; use [] for no shared hidden layers.", nameof(Backbone));
        if (Head is null) throw new ArgumentException("HardSharingOptions.Head must not be null; use [] for a single Linear head.", nameof(Head));
        if (Mlp is null) throw new ArgumentException("HardSharingOptions.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        if (!Enum.IsDefined(Wide)) throw new ArgumentOutOfRangeException(nameof(Wide), Wide, "Unknown HardSharingOptions.Wide value.");
        Mlp.Validate();
        NumericEmbedding?.Validate();
    }
}
