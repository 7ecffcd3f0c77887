using System.Globalization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>An integer parameter on [low, high] (both included), uniform or uniform in log space.</summary>
internal sealed class IntParameter : SearchParameter
{
    private readonly int _low, _high;
    private readonly bool _log;
    private readonly object?[] _grid;

    public IntParameter(string name, int low, int high, bool log, IReadOnlyList<int>? grid) : base(name)
    {
        if (low > high)
            throw new ArgumentOutOfRangeException(nameof(low), $"Int parameter '{name}' needs low <= high, got [{low}, {high}].");
        if (log && low <= 0)
            throw new ArgumentOutOfRangeException(nameof(low), $"Int parameter '{name}' with log: true needs low >= 1, got {low}.");
        if (grid is not null)
        {
            if (grid.Count == 0)
                throw new ArgumentException($"The grid of parameter '{name}' is empty; give at least one value or leave grid null.", nameof(grid));
            foreach (int v in grid)
                if (v < low || v > high)
                    throw new ArgumentOutOfRangeException(nameof(grid), $"Grid value {v} of parameter '{name}' lies outside its range [{low}, {high}].");
            _grid = grid.Select(v => (object?)v).ToArray();
        }
        else
        {
            _grid = Enumerable.Range(low, high - low + 1).Select(v => (object?)v).ToArray();
        }
        (_low, _high, _log) = (low, high, log);
    }

    public override Type ValueType => typeof(int);

    public override IReadOnlyList<object?>? GridValues => _grid;

    public override object? Sample(Generator generator)
    {
        if (!_log) return (int)generator.NextInt64(_low, (long)_high + 1);
        // Sample the log of [low - 0.5, high + 0.5) and round, so each integer gets the log-space mass of
        // its own rounding interval and both ends are as likely as their neighbours suggest.
        double lo = Math.Log(_low - 0.5), hi = Math.Log(_high + 0.5);
        double v = Math.Exp(lo + generator.NextDouble() * (hi - lo));
        return (int)Math.Clamp(Math.Round(v, MidpointRounding.AwayFromZero), _low, _high);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ~ {(_log ? "log-" : "")}int[{_low}, {_high}]");
}
