using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Continual;

/// <summary>
/// What <see cref="ElasticWeightConsolidation.Consolidate"/> keeps of one learned task: the parameters it protects, their
/// values when the task was learned (θ*) and the diagonal of the empirical Fisher information F.
/// </summary>
public sealed class ConsolidatedTask
{
    internal ConsolidatedTask(string task, int rows, IReadOnlyList<string> names, IReadOnlyList<Parameter> parameters,
        IReadOnlyList<Tensor> anchor, IReadOnlyList<Tensor> fisher)
    {
        Task = task;
        Rows = rows;
        ParameterNames = names;
        Parameters = parameters;
        Anchor = anchor;
        Fisher = fisher;
    }

    /// <summary>The task.</summary>
    public string Task { get; }

    /// <summary>The number of training rows the Fisher information was averaged over.</summary>
    public int Rows { get; }

    /// <summary>The protected parameters' dotted names in the model that was consolidated.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The protected parameters (the objects themselves: a model sharing them is penalised too).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>θ*: each protected parameter's value when the task was consolidated (copies; treat as read-only).</summary>
    public IReadOnlyList<Tensor> Anchor { get; }

    /// <summary>F: per element of each protected parameter, the mean over the task's rows of the squared gradient of the task's loss (treat as read-only).</summary>
    public IReadOnlyList<Tensor> Fisher { get; }
}
