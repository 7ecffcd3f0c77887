namespace MultiTask.Search;

/// <summary>How an evaluation of a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Every fold returned a finite score.</summary>
    Completed,

    /// <summary>A fold threw or returned a non-finite score; <see cref="TrialResult.Error"/> says which and why.</summary>
    Failed,
}
