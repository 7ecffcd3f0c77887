using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.NN;

/// <summary>
/// Restores, when disposed, the module behaviour and gradient mode that were in force when
/// <see cref="Module.EvaluationScope"/> opened it.
/// </summary>
public readonly struct EvaluationModeScope : IDisposable
{
    // A default scope restores the defaults: no evaluation scope, gradients recorded.
    private readonly FlowSwitchToken _evaluation;
    private readonly GradModeScope _gradMode;

    internal EvaluationModeScope(FlowSwitchToken evaluation, GradModeScope gradMode)
    {
        _evaluation = evaluation;
        _gradMode = gradMode;
    }

    /// <summary>Restores the gradient mode, then the behaviour, that were in force when the scope was opened.</summary>
    public void Dispose()
    {
        _gradMode.Dispose();
        FlowSwitch<EvaluationModeScope>.Restore(_evaluation);
    }
}
