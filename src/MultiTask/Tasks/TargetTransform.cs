namespace MultiTask.Tasks;

/// <summary>
/// How a regression target is mapped to the units the model is trained in. Every transform is fitted
/// on the training labels only and undone for predictions and metrics
/// (<see cref="Data.FeatureEncoder.InverseTarget(string, float[])"/>), so results are always in the
/// user's units.
/// </summary>
public enum TargetTransform
{
    /// <summary>The label as it is (the only choice for non-regression tasks).</summary>
    None,

    /// <summary>Standardised with the training labels' mean and population standard deviation (the regression default).</summary>
    Standardize,

    /// <summary>
    /// Natural log, then standardised: for positive, right-skewed targets such as prices, where errors
    /// are relative. Every label must be positive.
    /// </summary>
    Log,

    /// <summary>
    /// Yeo-Johnson power transform with λ fitted by maximum likelihood on the training labels, then
    /// standardised: makes a skewed target closer to normal and, unlike <see cref="Log"/>, accepts any
    /// real label.
    /// </summary>
    /// <remarks>Yeo, I.-K. and Johnson, R. A. (2000), "A new family of power transformations to improve
    /// normality or symmetry", Biometrika 87(4).</remarks>
    YeoJohnson,
}
