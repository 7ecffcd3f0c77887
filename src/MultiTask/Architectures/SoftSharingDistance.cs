namespace MultiTask.Architectures;

/// <summary>How <see cref="SoftSharingModel.Penalty"/> measures the distance between the tasks' columns.</summary>
public enum SoftSharingDistance
{
    /// <summary>λ·Σ_i ‖θ_i − θ̄‖², where θ̄ is the mean over tasks of corresponding parameters.</summary>
    ToMean,

    /// <summary>λ·Σ_{i&lt;j} ‖θ_i − θ_j‖², which equals T times <see cref="ToMean"/> for T tasks.</summary>
    Pairwise,
}
