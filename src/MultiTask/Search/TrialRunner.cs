using System.Collections.Concurrent;
using System.Diagnostics;
using MultiTask.Data;
using MultiTask.Engine;
using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>
/// What a <see cref="SearchStrategy"/> drives: it proposes configurations (<see cref="NewTrial"/>) and has
/// batches of them evaluated (<see cref="Evaluate"/>) on every fold, in parallel, with failures recorded.
/// </summary>
public sealed class TrialRunner
{
    private readonly IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> _folds;
    private readonly Func<TrialFold, double> _objective;
    private readonly IProgress<SearchProgress>? _progress;
    private readonly CancellationToken _cancellationToken;
    private readonly List<TrialResult> _results = [];
    private readonly Lock _reportLock = new();
    private readonly int _total;
    private int _completed;
    private int _nextId;
    private TrialResult? _best;

    internal TrialRunner(SearchSpace space, SearchOptions options, IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> folds,
        Func<TrialFold, double> objective, IProgress<SearchProgress>? progress, int total, CancellationToken cancellationToken)
    {
        Space = space;
        Options = options;
        _folds = folds;
        _objective = objective;
        _progress = progress;
        _total = total;
        _cancellationToken = cancellationToken;
        // The sampling stream is separate from the fold shuffle (seeded by Options.Seed itself), so
        // supplying folds by hand does not change which configurations are drawn.
        Generator = new Generator(Mix(options.Seed, 0x5EA2C4UL));
    }

    /// <summary>The search space.</summary>
    public SearchSpace Space { get; }

    /// <summary>The search options.</summary>
    public SearchOptions Options { get; }

    /// <summary>The seeded stream the strategy draws configurations from (on the calling thread, before evaluation).</summary>
    public Generator Generator { get; }

    /// <summary>Every evaluation so far, in proposal order.</summary>
    public IReadOnlyList<TrialResult> Results => _results;

    /// <summary>Registers a configuration under the next <see cref="Trial.Id"/> with its derived seed.</summary>
    /// <param name="values">A value for every parameter of <see cref="Space"/> (e.g. from <see cref="SearchSpace.Sample"/>).</param>
    /// <returns>The trial.</returns>
    /// <exception cref="ArgumentException">A parameter has no value.</exception>
    public Trial NewTrial(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var p in Space.Parameters)
            if (!values.ContainsKey(p.Name))
                throw new ArgumentException($"The configuration has no value for parameter '{p.Name}'; give every parameter of the space a value.", nameof(values));
        int id = _nextId++;
        return new Trial(id, Mix(Options.Seed, (ulong)id + 1), values, Space.Parameters);
    }

    /// <summary>
    /// Evaluates every trial on every fold at <paramref name="budget"/>, up to <see cref="SearchOptions.MaxParallel"/>
    /// folds at once, and appends one result per trial, in the order given. A fold that throws or returns a
    /// non-finite score marks its trial failed; cancellation stops new folds from starting and throws.
    /// </summary>
    /// <param name="trials">The configurations.</param>
    /// <param name="budget">The budget passed to the objective.</param>
    /// <param name="rung">The successive-halving rung recorded with the results.</param>
    /// <returns>The new results, in the order of <paramref name="trials"/>.</returns>
    /// <exception cref="OperationCanceledException">The search was cancelled.</exception>
    public IReadOnlyList<TrialResult> Evaluate(IReadOnlyList<Trial> trials, int budget, int rung = 0)
    {
        ArgumentNullException.ThrowIfNull(trials);
        if (budget < 1) throw new ArgumentOutOfRangeException(nameof(budget), budget, $"The budget must be at least 1, got {budget}.");
        _cancellationToken.ThrowIfCancellationRequested();
        int n = trials.Count, k = _folds.Count, first = _results.Count;
        var scores = new double[n][];
        var errors = new string?[n][];
        var exceptions = new Exception?[n][];
        var ticks = new long[n][];
        var remaining = new int[n];
        var finished = new TrialResult[n];
        for (int i = 0; i < n; i++)
        {
            scores[i] = new double[k];
            errors[i] = new string?[k];
            exceptions[i] = new Exception?[k];
            ticks[i] = new long[k];
            remaining[i] = k;
        }

        void RunFold(int unit)
        {
            int i = unit / k, f = unit % k;
            var trial = trials[i];
            var (train, validation) = _folds[f];
            var context = new TrialFold(trial, budget, f, k, train, validation, Mix(trial.Seed, (ulong)f + 1), Options.Direction, _cancellationToken);
            long start = Stopwatch.GetTimestamp();
            try
            {
                double score = _objective(context);
                scores[i][f] = score;
                if (!double.IsFinite(score))
                {
                    scores[i][f] = double.NaN;
                    errors[i][f] = $"fold {f} scored {score}";
                }
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                scores[i][f] = double.NaN;
                errors[i][f] = $"fold {f}: {e.GetType().Name}: {e.Message}";
                exceptions[i][f] = e;
            }
            ticks[i][f] = Stopwatch.GetTimestamp() - start;
            if (Interlocked.Decrement(ref remaining[i]) == 0) Finish(i);
        }

        void Finish(int i)
        {
            int failedFold = Array.FindIndex(errors[i], e => e is not null);
            var result = new TrialResult(first + i, trials[i], rung, budget, scores[i],
                failedFold < 0 ? TrialStatus.Completed : TrialStatus.Failed,
                failedFold < 0 ? null : errors[i][failedFold], failedFold < 0 ? null : exceptions[i][failedFold],
                Stopwatch.GetElapsedTime(0, ticks[i].Sum()));
            finished[i] = result;
            lock (_reportLock)
            {
                _completed++;
                if (result.Status == TrialStatus.Completed && (_best is null || result.Budget > _best.Budget
                        || (result.Budget == _best.Budget && SearchResult.Better(result, _best, Options.Direction))))
                    _best = result;
                _progress?.Report(new SearchProgress(result, _completed, _total, _best));
            }
        }

        if (Options.MaxParallel == 1 || n * k == 1)
        {
            for (int u = 0; u < n * k; u++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                RunFold(u);
            }
        }
        else
        {
            // No buffering: folds start in proposal order, one at a time per free worker, so cancellation
            // leaves few started folds and long trials at the front do not wait behind a prefetched chunk.
            var units = Partitioner.Create(Enumerable.Range(0, n * k), EnumerablePartitionerOptions.NoBuffering);
            // Folds already fill the cores, so each fold's matrix products run on its own thread only
            // (the engine setting is per thread; products give the same bits with any thread count).
            Parallel.ForEach(units, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxParallel, CancellationToken = _cancellationToken }, (u, loop) =>
            {
                // The loop notices a cancelled token only at its own pace (under a busy thread pool, after every fold had
                // started); checking here guarantees that no fold starts after the cancel.
                if (_cancellationToken.IsCancellationRequested)
                {
                    loop.Stop();
                    return;
                }
                int previous = EngineOptions.MaxThreads;
                EngineOptions.MaxThreads = 1;
                try { RunFold(u); }
                finally { EngineOptions.MaxThreads = previous; }
            });
        }
        _cancellationToken.ThrowIfCancellationRequested();
        _results.AddRange(finished);
        return finished;
    }

    /// <summary>A SplitMix64 finaliser of two words: independent-looking seeds from (seed, index) pairs.</summary>
    internal static ulong Mix(ulong a, ulong b)
    {
        ulong z = a + 0x9E3779B97F4A7C15UL * (b + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
