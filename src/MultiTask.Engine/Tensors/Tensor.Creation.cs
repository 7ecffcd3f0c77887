namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>A tensor filled with zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[ShapeUtil.Numel(shape)], (int[])shape.Clone());

    /// <summary>A tensor filled with ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, float value)
    {
        var data = new float[ShapeUtil.Numel(shape)];
        data.AsSpan().Fill(value);
        return new Tensor(data, (int[])shape.Clone());
    }

    /// <summary>A zero tensor with the shape of <paramref name="other"/>.</summary>
    public static Tensor ZerosLike(Tensor other) => Zeros(other._shape);

    /// <summary>A tensor of ones with the shape of <paramref name="other"/>.</summary>
    public static Tensor OnesLike(Tensor other) => Full(other._shape, 1f);

    /// <summary>A tensor with the shape of <paramref name="other"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor other, float value) => Full(other._shape, value);

    /// <summary>A one-element tensor of rank 0.</summary>
    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>Values from <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive) in steps of <paramref name="step"/>.</summary>
    public static Tensor Arange(double start, double end, double step = 1)
    {
        if (step == 0) throw new ArgumentException("Arange step must be non-zero.", nameof(step));
        int n = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(start + i * step);
        return new Tensor(data, [n]);
    }

    /// <summary>Values from 0 to <paramref name="end"/> (exclusive).</summary>
    public static Tensor Arange(int end) => Arange(0, end);

    /// <summary>An identity matrix with <paramref name="n"/> rows and <paramref name="m"/> (default n) columns.</summary>
    public static Tensor Eye(int n, int? m = null)
    {
        int cols = m ?? n;
        var t = Zeros(n, cols);
        for (int i = 0; i < Math.Min(n, cols); i++) t.Data[i * cols + i] = 1f;
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/> with the given shape (default: one dimension).</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        int[] s = shape.Length == 0 ? [values.Length] : (int[])shape.Clone();
        if (ShapeUtil.Numel(s) != values.Length)
            throw new ArgumentException(
                $"Got {values.Length} values for shape {ShapeUtil.Format(s)}, which needs {ShapeUtil.Numel(s)}.", nameof(values));
        return new Tensor(values.ToArray(), s);
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/> converted to float32.</summary>
    public static Tensor FromArray(ReadOnlySpan<double> values, params int[] shape)
    {
        var f = new float[values.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
        return FromArray(f, shape);
    }

    /// <summary>A matrix holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FromArray(float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var data = new float[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                data[i * cols + j] = values[i, j];
        return new Tensor(data, [rows, cols]);
    }

    /// <summary>Uniform samples in [0, 1) (PyTorch's <c>torch.rand</c>).</summary>
    public static Tensor Rand(Generator generator, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var t = Zeros(shape);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = generator.NextSingle();
        return t;
    }

    /// <summary>Standard normal samples (PyTorch's <c>torch.randn</c>).</summary>
    public static Tensor Randn(Generator generator, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var t = Zeros(shape);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = (float)generator.NextNormal();
        return t;
    }

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) (PyTorch's <c>torch.randint</c>).</summary>
    public static Tensor Randint(Generator generator, int low, int high, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var t = Zeros(shape);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = generator.NextInt64(low, high);
        return t;
    }
}
