using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Differentiation;

/// <summary>Gradient mode and functional gradients (PyTorch's <c>torch.no_grad</c> and <c>torch.autograd.grad</c>).</summary>
public static class Autograd
{
    // Kept per flow of control (FlowSwitch, async-local) rather than per thread, for the reason given at
    // Module.EvaluationScope: a scope belongs to the code that opened it, which may await and continue on
    // another thread. On one thread it behaves as PyTorch's thread-local grad mode: other threads keep theirs.

    /// <summary>Whether operations on the current thread (or asynchronous flow) are recorded for differentiation.</summary>
    public static bool IsGradEnabled => !FlowSwitch<GradModeScope>.IsOn;

    /// <summary>
    /// Stops recording operations on the current thread until the returned scope is disposed:
    /// <c>using (Autograd.NoGrad()) { ... }</c>. The mode follows an <c>await</c> inside the scope to the
    /// thread that continues, and work started inside the scope; other threads are unaffected.
    /// </summary>
    public static GradModeScope NoGrad() => SetGradEnabled(false);

    /// <summary>Re-enables recording inside a <see cref="NoGrad"/> scope until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => SetGradEnabled(true);

    /// <summary>Sets the gradient mode until the returned scope is disposed.</summary>
    public static GradModeScope SetGradEnabled(bool enabled) => new(FlowSwitch<GradModeScope>.Set(!enabled));

    /// <summary>
    /// Computes and returns the gradients of <paramref name="outputs"/> with respect to
    /// <paramref name="inputs"/>, without touching any <see cref="Tensor.Grad"/>.
    /// </summary>
    /// <param name="outputs">The differentiated tensors.</param>
    /// <param name="inputs">The tensors to differentiate with respect to (leaves or intermediate results).</param>
    /// <param name="gradOutputs">The gradient with respect to each output; null entries (or a null list) mean ones for one-element outputs.</param>
    /// <param name="retainGraph">Keep the graph for another backward; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="createGraph">Record the backward pass so that the returned gradients can be differentiated again.</param>
    /// <param name="allowUnused">Return null for an input the outputs do not depend on instead of throwing.</param>
    /// <returns>One gradient per input, in order.</returns>
    public static Tensor?[] Grad(
        IReadOnlyList<Tensor> outputs,
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null,
        bool? retainGraph = null,
        bool createGraph = false,
        bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (!inputs[i].RequiresGrad)
                throw new ArgumentException($"Input {i} of Autograd.Grad does not require grad; set RequiresGrad = true on it before building the graph.", nameof(inputs));
        }
        var grads = GradEngine.Run(outputs, gradOutputs, retainGraph ?? createGraph, createGraph, inputs);
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is null && !allowUnused)
                throw new InvalidOperationException(
                    $"Input {i} of Autograd.Grad (shape {ShapeUtil.Format(inputs[i].ShapeArray)}) was not used in the graph " +
                    "of the outputs. Pass allowUnused: true if this is expected.");
        }
        return grads;
    }

    /// <summary>Computes the gradient of one scalar output with respect to <paramref name="inputs"/>.</summary>
    /// <param name="output">The differentiated one-element tensor.</param>
    /// <param name="inputs">The tensors to differentiate with respect to.</param>
    /// <param name="createGraph">Record the backward pass for higher-order gradients.</param>
    /// <param name="retainGraph">Keep the graph for another backward; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="allowUnused">Return null for unused inputs instead of throwing.</param>
    /// <returns>One gradient per input, in order.</returns>
    public static Tensor?[] Grad(Tensor output, IReadOnlyList<Tensor> inputs, bool createGraph = false, bool? retainGraph = null, bool allowUnused = false) =>
        Grad([output], inputs, null, retainGraph, createGraph, allowUnused);
}

/// <summary>Restores the previous gradient mode when disposed.</summary>
public readonly struct GradModeScope : IDisposable
{
    // The switch is on while recording is disabled, so that a default scope restores the default mode (enabled).
    private readonly FlowSwitchToken _disabled;

    internal GradModeScope(FlowSwitchToken disabled) => _disabled = disabled;

    /// <summary>Restores the gradient mode that was active when the scope was created.</summary>
    public void Dispose() => FlowSwitch<GradModeScope>.Restore(_disabled);
}

