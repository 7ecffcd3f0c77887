namespace MultiTask.Training;

/// <summary>A progress report of <see cref="MultiTaskEnsemble.Fit"/>: one member's <see cref="TrainingProgress"/>.</summary>
/// <param name="Member">The 0-based member index.</param>
/// <param name="Progress">The member's report (members training in parallel report interleaved).</param>
public sealed record EnsembleProgress(int Member, TrainingProgress Progress);
