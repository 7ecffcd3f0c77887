namespace MultiTask.Search;

/// <summary>A report after each finished evaluation (all folds of one trial at one budget).</summary>
/// <param name="Trial">The evaluation that just finished.</param>
/// <param name="Completed">How many evaluations have finished so far.</param>
/// <param name="Total">How many evaluations the search runs in all.</param>
/// <param name="Best">The best completed evaluation so far at the largest budget reached, or null if none has completed.</param>
public sealed record SearchProgress(TrialResult Trial, int Completed, int Total, TrialResult? Best);
