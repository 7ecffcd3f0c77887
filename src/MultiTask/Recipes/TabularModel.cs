using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Training;

namespace MultiTask.Recipes;

/// <summary>What <see cref="TabularRecipe.Fit"/> returns: the fitted encoder and the trained ensemble, predicting from raw rows.</summary>
public sealed class TabularModel
{
    internal TabularModel(FeatureEncoder encoder, MultiTaskEnsemble ensemble, TabularRecipeOptions options)
    {
        Encoder = encoder;
        Ensemble = ensemble;
        Options = options;
    }

    /// <summary>The encoder fitted on the training rows.</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>The trained members.</summary>
    public MultiTaskEnsemble Ensemble { get; }

    /// <summary>The settings it was fitted with.</summary>
    public TabularRecipeOptions Options { get; }

    /// <summary>The tasks the model predicts.</summary>
    public IReadOnlyList<string> TaskNames => Ensemble.TaskNames;

    /// <summary>The averaged predictions for every row of <paramref name="data"/>, per task, in the user's units (see <see cref="MultiTaskEnsemble.Predict"/>).</summary>
    /// <param name="data">Rows over the same schema and tasks as the training data (labels are not needed).</param>
    public TaskOutputs Predict(MultiTaskDataset data) => Ensemble.Predict(Encoder.Transform(data));

    /// <summary>Each task's loss and metrics on <paramref name="data"/>, in the user's units.</summary>
    /// <param name="data">Labelled rows over the same schema and tasks as the training data.</param>
    public EvaluationResult Evaluate(MultiTaskDataset data) => Ensemble.Evaluate(Encoder.Transform(data));
}
