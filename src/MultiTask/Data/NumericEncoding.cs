namespace MultiTask.Data;

/// <summary>How a numeric feature becomes input columns (chosen per feature in the <see cref="FeatureSchema"/>).</summary>
public enum NumericEncoding
{
    /// <summary>One column <c>(x − mean) / std</c> with the training mean and population standard deviation (the default).</summary>
    Standard,

    /// <summary>
    /// One column <c>(x − median) / IQR</c> with the training median and interquartile range (an IQR of 0
    /// is replaced by 1): outliers do not squeeze the bulk of the values.
    /// </summary>
    Robust,

    /// <summary>
    /// One column: the empirical CDF of the training values (up to 1000 quantiles, interpolated; ties
    /// take the middle of their step) mapped through the inverse standard normal CDF and clipped to
    /// ±5.2, as scikit-learn's <c>QuantileTransformer(output_distribution="normal")</c>. Any monotone
    /// skew becomes a normal shape.
    /// </summary>
    Quantile,

    /// <summary>
    /// Piecewise-linear encoding (PLE): T columns over bins whose edges are training quantiles (see
    /// <see cref="NumericOptions.Bins"/>; fewer bins when quantiles tie). Bins fully below the value are
    /// 1, the value's bin holds its fractional position, bins above are 0. As in the paper and its
    /// reference implementation, the first bin is not clipped below 0 and the last not above 1, so
    /// values outside the training range extrapolate linearly.
    /// </summary>
    /// <remarks>Gorishniy, Rubachev and Babenko, "On Embeddings for Numerical Features in Tabular Deep
    /// Learning", NeurIPS 2022, section 3.2.</remarks>
    PiecewiseLinear,
}
