namespace MultiTask.Engine.NN;

/// <summary>Which fan Kaiming initialisation preserves the variance of.</summary>
public enum FanMode
{
    /// <summary>The number of inputs of a unit: preserves the variance of activations in the forward pass.</summary>
    FanIn,
    /// <summary>The number of outputs of a unit: preserves the variance of gradients in the backward pass.</summary>
    FanOut,
}
