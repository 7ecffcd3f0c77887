namespace MultiTask.Engine.NN;

/// <summary>What <see cref="Module.LoadStateDict"/> could not match (PyTorch's <c>_IncompatibleKeys</c>).</summary>
/// <param name="MissingKeys">Keys the module expects that the state dict did not contain.</param>
/// <param name="UnexpectedKeys">Keys of the state dict that the module does not have.</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>True when every key matched.</summary>
    public bool IsExactMatch => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0;
}
