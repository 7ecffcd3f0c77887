using System.Globalization;

namespace MultiTask.Training;

/// <summary>
/// What one finished epoch measured, as named numbers (the keys callbacks monitor):
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>loss</c>: the sum over tasks of each task's average training loss; <c>loss.&lt;task&gt;</c>: one task's
/// average training loss over the epoch, each batch weighted by its number of labels (absent when the task had none);</item>
/// <item><c>objective</c>: the mean over steps of the differentiated objective (weighted losses plus regularisation);</item>
/// <item><c>val_loss</c>, <c>val_loss.&lt;task&gt;</c>: the same on the validation data, in evaluation mode;</item>
/// <item><c>&lt;task&gt;.&lt;metric&gt;</c>: validation metrics in the user's units, e.g. <c>condo.rmse</c>;</item>
/// <item><c>weight.&lt;task&gt;</c>: the task's mean weight over the steps it was present in;
/// <c>lr</c>: the learning rate of the first parameter group during the epoch;
/// <c>steps</c>, <c>skipped_steps</c>: optimizer steps taken and batches skipped.</item>
/// </list>
/// </remarks>
public sealed class EpochRecord
{
    private readonly OrderedDictionary<string, double> _values;

    /// <summary>Creates a record.</summary>
    /// <param name="epoch">The 0-based epoch index.</param>
    /// <param name="values">The named values.</param>
    public EpochRecord(int epoch, IEnumerable<KeyValuePair<string, double>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        _values = new OrderedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in values) _values[k] = v;
    }

    /// <summary>The 0-based epoch index.</summary>
    public int Epoch { get; }

    /// <summary>All values by key, in a stable order.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>The value of <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">The epoch has no such value; the message lists the keys it has.</exception>
    public double this[string key] => TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"Epoch {Epoch} has no value '{key}'; it has: {string.Join(", ", _values.Keys)}.");

    /// <summary>Looks up a value.</summary>
    /// <param name="key">The key, e.g. <c>val_loss</c> or <c>condo.rmse</c>.</param>
    /// <param name="value">The value when found.</param>
    /// <returns>Whether the key exists.</returns>
    public bool TryGetValue(string key, out double value)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _values.TryGetValue(key, out value);
    }

    /// <summary>The summed training loss over tasks.</summary>
    public double Loss => this["loss"];

    /// <summary>The summed validation loss over tasks, or null without validation data.</summary>
    public double? ValidationLoss => TryGetValue("val_loss", out var v) ? v : null;

    /// <summary>The learning rate used during the epoch.</summary>
    public double LearningRate => this["lr"];

    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}: " + string.Join(", ", _values.Select(kv => kv.Key + "=" + kv.Value.ToString("G6", CultureInfo.InvariantCulture)));
}
