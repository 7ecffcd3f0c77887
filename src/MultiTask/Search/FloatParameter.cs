using System.Globalization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>A real-valued parameter, uniform on [low, high] or uniform in log space (log-uniform).</summary>
internal sealed class FloatParameter : SearchParameter
{
    private readonly double _low, _high;
    private readonly bool _log;
    private readonly object?[]? _grid;

    public FloatParameter(string name, double low, double high, bool log, IReadOnlyList<double>? grid) : base(name)
    {
        string kind = log ? "LogUniform" : "Uniform";
        if (!double.IsFinite(low) || !double.IsFinite(high) || low >= high)
            throw new ArgumentOutOfRangeException(nameof(low),
                $"{kind} parameter '{name}' needs finite low < high, got [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}].");
        if (log && low <= 0)
            throw new ArgumentOutOfRangeException(nameof(low),
                $"LogUniform parameter '{name}' needs low > 0 (its logarithm is sampled), got {low.ToString(CultureInfo.InvariantCulture)}; use Uniform for ranges that include 0.");
        if (grid is not null)
        {
            if (grid.Count == 0)
                throw new ArgumentException($"The grid of parameter '{name}' is empty; give at least one value or leave grid null.", nameof(grid));
            foreach (double v in grid)
                if (!(v >= low && v <= high))
                    throw new ArgumentOutOfRangeException(nameof(grid),
                        $"Grid value {v.ToString(CultureInfo.InvariantCulture)} of parameter '{name}' lies outside its range [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}].");
            _grid = grid.Select(v => (object?)v).ToArray();
        }
        (_low, _high, _log) = (low, high, log);
    }

    public override Type ValueType => typeof(double);

    public override IReadOnlyList<object?>? GridValues => _grid;

    public override object? Sample(Generator generator)
    {
        double u = generator.NextDouble();
        // Interpolating the logarithms makes every decade equally likely, which is what a learning rate
        // or a regularisation strength needs; the clamp guards the last ulp of exp(log(high)).
        double v = _log ? Math.Exp(Math.Log(_low) + u * (Math.Log(_high) - Math.Log(_low))) : _low + u * (_high - _low);
        return Math.Clamp(v, _low, _high);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ~ {(_log ? "log-uniform" : "uniform")}[{_low}, {_high}]{(_grid is null ? "" : $", grid {ValueText.Format(_grid, false)}")}");
}
