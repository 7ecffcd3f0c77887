namespace MultiTask.Architectures;

/// <summary>The settings of a <see cref="DSelectKGate"/>.</summary>
/// <remarks>
/// Hazimeh, Zhao, Chowdhery, Sathiamoorthy, Chen, Mazumder, Hong &amp; Chi, "DSelect-k: Differentiable Selection in
/// the Mixture of Experts with Applications to Multi-Task Learning", NeurIPS 2021. The defaults are the authors'
/// reference implementation's (γ = 1, λ = 1e-6, per-example routing).
/// </remarks>
public sealed record DSelectKOptions
{
    /// <summary>k: the number of single-expert selectors, so at most k experts get a non-zero weight once the gate has converged.</summary>
    public int SelectedExperts { get; init; } = 2;

    /// <summary>γ: the width of the smooth step's polynomial part; a selector's logit beyond ±γ/2 is saturated (exactly 0 or 1).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>
    /// Route each example by its own input (z and w are Linears of the gate's input); false for the static gate, whose
    /// z and w are learned vectors shared by all examples (task-only routing).
    /// </summary>
    public bool PerExample { get; init; } = true;

    /// <summary>λ of the entropy regulariser that pushes each selector to one expert (≥ 0); 0 for none.</summary>
    public double EntropyStrength { get; init; } = 1e-6;

    internal void Validate()
    {
        if (SelectedExperts < 1)
            throw new ArgumentOutOfRangeException(nameof(SelectedExperts), SelectedExperts, $"DSelectKOptions.SelectedExperts (k) must be at least 1, got {SelectedExperts}.");
        if (!(Gamma > 0 && double.IsFinite(Gamma)))
            throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, $"DSelectKOptions.Gamma (γ) must be positive and finite, got {Gamma}.");
        if (!(EntropyStrength >= 0 && double.IsFinite(EntropyStrength)))
            throw new ArgumentOutOfRangeException(nameof(EntropyStrength), EntropyStrength, $"DSelectKOptions.EntropyStrength (λ) must be finite and ≥ 0, got {EntropyStrength}.");
    }
}
