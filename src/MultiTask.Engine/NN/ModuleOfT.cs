namespace MultiTask.Engine.NN;

/// <summary>
/// A module that maps an input to an output (PyTorch's <c>forward</c>). Most layers are
/// <c>Module&lt;Tensor, Tensor&gt;</c>; a model with several inputs or outputs picks its own types.
/// </summary>
/// <typeparam name="TInput">The input type.</typeparam>
/// <typeparam name="TOutput">The output type.</typeparam>
public abstract class Module<TInput, TOutput> : Module
{
    /// <summary>Computes the module's output.</summary>
    /// <param name="input">The input.</param>
    /// <returns>The output.</returns>
    public abstract TOutput Forward(TInput input);
}
