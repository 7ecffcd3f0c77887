using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Parameter initialisation (PyTorch's <c>torch.nn.init</c>). Every method overwrites the tensor's
/// values in place, outside autograd, and returns it. Random methods draw from the given
/// <see cref="Generator"/> (or <see cref="Generator.Default"/>).
/// </summary>
public static class Init
{
    /// <summary>Fills <paramref name="tensor"/> with samples from U(<paramref name="a"/>, <paramref name="b"/>).</summary>
    public static Tensor Uniform(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(b >= a)) throw new ArgumentException($"Uniform: the upper bound b ({b}) must be at least the lower bound a ({a}).", nameof(b));
        var g = generator ?? Generator.Default;
        var data = tensor.Data;
        for (int i = 0; i < data.Length; i++) data[i] = (float)(a + (b - a) * g.NextDouble());
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with samples from N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std >= 0)) throw new ArgumentOutOfRangeException(nameof(std), $"Normal: std must be non-negative, got {std}.");
        var g = generator ?? Generator.Default;
        var data = tensor.Data;
        for (int i = 0; i < data.Length; i++) data[i] = (float)(mean + std * g.NextNormal());
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, float value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Data.AsSpan().Fill(value);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0f);

    /// <summary>Fills <paramref name="tensor"/> with ones.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1f);

    /// <summary>
    /// The recommended gain for a nonlinearity (PyTorch's <c>calculate_gain</c>);
    /// <paramref name="param"/> is the negative slope of <see cref="Nonlinearity.LeakyRelu"/> (default 0.01).
    /// </summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Conv or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3.0,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4.0,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unknown nonlinearity."),
    };

    /// <summary>
    /// The fan-in and fan-out of a weight of shape [out, in, k...] (PyTorch's
    /// <c>_calculate_fan_in_and_fan_out</c>): in·∏k and out·∏k.
    /// </summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException(
                $"Fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {ShapeUtil.Format(tensor.ShapeArray)}).", nameof(tensor));
        int receptive = 1;
        for (int d = 2; d < tensor.Rank; d++) receptive *= tensor.ShapeArray[d];
        return (tensor.ShapeArray[1] * receptive, tensor.ShapeArray[0] * receptive);
    }

    /// <summary>Xavier/Glorot uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, -a, a, generator);
    }

    /// <summary>Xavier/Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// Kaiming/He uniform: U(-b, b) with b = gain·√(3 / fan), gain = <see cref="CalculateGain"/>(nonlinearity, a).
    /// PyTorch's defaults (a = 0, fan_in, leaky_relu) give the Relu gain √2.
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        double std = KaimingStd(tensor, a, mode, nonlinearity);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming/He normal: N(0, std²) with std = gain / √fan.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null) =>
        Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (tensor.Numel == 0) return 0; // PyTorch treats initialising an empty tensor as a no-op.
        if (fan == 0) throw new ArgumentException($"Kaiming initialisation of a tensor with a zero-sized fan (shape {ShapeUtil.Format(tensor.ShapeArray)}).", nameof(tensor));
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }
}
