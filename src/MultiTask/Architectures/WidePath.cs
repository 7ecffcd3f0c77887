namespace MultiTask.Architectures;

/// <summary>
/// The linear ("wide") path of a <see cref="HardSharingModel"/>: a linear map of the encoded inputs
/// added to the tasks' outputs, next to the deep path through the backbone (wide and deep).
/// </summary>
public enum WidePath
{
    /// <summary>No linear path.</summary>
    None,

    /// <summary>One <c>wide</c> Linear shared by every task (shared parameters); all tasks need the same output size.</summary>
    Shared,

    /// <summary>The shared <c>wide</c> Linear plus a zero-initialised <c>wide_heads.&lt;task&gt;</c> Linear per task (task parameters).</summary>
    SharedAndPerTask,
}
