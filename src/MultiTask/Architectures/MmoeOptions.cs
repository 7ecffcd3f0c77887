namespace MultiTask.Architectures;

/// <summary>
/// What <see cref="MmoeModel.Create"/> builds: the input layers, <see cref="Experts"/> MLP experts, one gate and one
/// MLP tower per task.
/// </summary>
/// <remarks>
/// Parameter names: <c>input.embeddings.*</c>, <c>input.periodic.*</c> (input layers, when the encoder needs them),
/// <c>experts.&lt;i&gt;.*</c>, <c>gates.&lt;task&gt;.*</c> and <c>towers.&lt;task&gt;.*</c>; the input layers and the
/// experts are shared, a gate and a tower belong to their task.
/// </remarks>
public sealed record MmoeOptions : ExpertModelOptions
{
    /// <summary>The number of experts (at least 1).</summary>
    public int Experts { get; init; } = 4;

    internal void Validate()
    {
        if (Experts < 1)
            throw new ArgumentOutOfRangeException(nameof(Experts), Experts, $"MmoeOptions.Experts must be at least 1, got {Experts}.");
        ValidateShared("MmoeOptions");
        if (Gate == ExpertGateKind.DSelectK && DSelectK.SelectedExperts > Experts)
            throw new ArgumentException(
                $"MmoeOptions.DSelectK.SelectedExperts (k = {DSelectK.SelectedExperts}) is larger than MmoeOptions.Experts ({Experts}); a gate selects k of the experts.", nameof(DSelectK));
    }
}
