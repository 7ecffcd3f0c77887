namespace MultiTask.Engine.NN;

/// <summary>The nonlinearity that follows a layer, used by <see cref="Init.CalculateGain"/> to pick the initialisation gain.</summary>
public enum Nonlinearity
{
    /// <summary>No nonlinearity (gain 1).</summary>
    Linear,
    /// <summary>Convolution without nonlinearity (gain 1).</summary>
    Conv,
    /// <summary>Logistic sigmoid (gain 1).</summary>
    Sigmoid,
    /// <summary>Hyperbolic tangent (gain 5/3).</summary>
    Tanh,
    /// <summary>Rectified linear unit (gain √2).</summary>
    Relu,
    /// <summary>Leaky Relu with the given negative slope (gain √(2 / (1 + slope²))).</summary>
    LeakyRelu,
    /// <summary>Scaled exponential linear unit (gain 3/4).</summary>
    Selu,
}
