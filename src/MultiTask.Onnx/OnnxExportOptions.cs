using MultiTask.Data;

namespace MultiTask.Onnx;

/// <summary>What <see cref="OnnxExporter"/> writes besides the network itself.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// The encoder the model was trained with. It fixes the input width, names the input columns in the
    /// model's metadata (<c>multitask.input_columns</c>), and is required for <see cref="UserUnits"/>.
    /// </summary>
    public FeatureEncoder? Encoder { get; init; }

    /// <summary>
    /// Append the map to the user's units that <c>MultiTaskTrainer.Predict</c> applies, so that each output is
    /// what Predict returns: regression values with the target transform undone (standardisation, log and
    /// Yeo-Johnson), probabilities for binary and multilabel tasks (sigmoid) and multiclass tasks (softmax),
    /// raw outputs for custom tasks. False (the default): the raw outputs of the model's <c>Forward</c>.
    /// Requires <see cref="Encoder"/>.
    /// </summary>
    public bool UserUnits { get; init; }

    /// <summary>The name of the graph's input, a float tensor [batch, width] of encoded rows; "features" by default.</summary>
    public string InputName { get; init; } = "features";
}
