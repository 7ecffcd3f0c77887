using MultiTask.Architectures;
using MultiTask.Data;

namespace MultiTask.Saving;

/// <summary>A model read back by <see cref="ModelFile.LoadModel"/> for further training, with the encoder fitted for it.</summary>
/// <param name="Model">The model with the saved weights (in training mode, every parameter trainable).</param>
/// <param name="Encoder">The fitted encoder whose encoded inputs the model reads.</param>
public sealed record SavedModel(MultiTaskModel Model, FeatureEncoder Encoder);
