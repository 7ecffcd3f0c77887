using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.LinearModels;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Recipes;

/// <summary>
/// Starts the wide (linear) path of a hard-sharing model at closed-form ridge solutions, so that training
/// begins where ridge regression ends and the deep part only has to learn what a linear model cannot.
/// </summary>
/// <remarks>
/// <para>The shared <see cref="HardSharingModel.Wide"/> layer gets the ridge fit to every task's labelled rows
/// stacked together (the slope the tasks share); each task's <see cref="HardSharingModel.WideHead"/> gets the
/// ridge fit to that task's residuals from the shared fit (what is particular to it). Each fit chooses its
/// penalty by leave-one-out cross-validation (<see cref="RidgeRegression"/>), so a task with few rows keeps
/// little of its own slope. Targets are in encoded units (e.g. standardised, or log then standardised). A task
/// with fewer than two labels takes no part and keeps its zero start.</para>
/// <para>On small tables ridge regression is hard to beat (spectra, a handful of rows per task); a network
/// trained from random weights often ends above it. Started here, and with the wide path frozen, the network
/// can only add to ridge.</para>
/// </remarks>
public static class RidgeWarmStart
{
    /// <summary>Sets the wide path of <paramref name="model"/> from ridge fits on <paramref name="train"/>.</summary>
    /// <param name="model">A hard-sharing model with a wide path (<see cref="WidePath.Shared"/> or <see cref="WidePath.SharedAndPerTask"/>) whose tasks each have one output.</param>
    /// <param name="train">The encoded training data the model will be trained on.</param>
    /// <param name="alphas">The ridge penalty grid; default <see cref="RidgeRegression.DefaultAlphas"/>.</param>
    /// <exception cref="ArgumentException">The model has no wide path, a task has several outputs, or the data lacks a model task.</exception>
    public static void Apply(HardSharingModel model, EncodedData train, IReadOnlyList<double>? alphas = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (model.Wide is null)
            throw new ArgumentException("The model has no shared wide path; build it with HardSharingOptions { Wide = WidePath.Shared } or SharedAndPerTask.", nameof(model));
        foreach (var task in model.TaskNames)
            if (model.OutputSize(task) != 1)
                throw new ArgumentException($"Task '{task}' has {model.OutputSize(task)} outputs; a ridge warm start fits one-output tasks only.", nameof(model));

        Tensor inputs;
        using (Autograd.NoGrad()) inputs = model.WideInputs(train.Features);
        int width = inputs.Shape[1];
        var x = inputs.AsSpan();
        var perTask = model.TaskNames.Select(task =>
        {
            int t = train.TaskIndex(task);
            var rows = train.LabeledRows(t);
            var y = train.Targets(t).ToArray();
            return (Task: task, Rows: rows, Y: rows.Select(r => (double)y[r]).ToArray());
        }).Where(p => p.Rows.Count >= 2).ToArray();
        if (perTask.Length == 0) return;

        var stackedRows = perTask.SelectMany(p => p.Rows).ToArray();
        var shared = RidgeRegression.Fit(Gather(x, width, stackedRows), stackedRows.Length, width, perTask.SelectMany(p => p.Y).ToArray(), alphas);
        Set(model.Wide, shared);
        foreach (var (task, rows, y) in perTask)
        {
            if (model.WideHead(task) is not { } head) continue;
            var design = Gather(x, width, rows);
            var residual = new double[rows.Count];
            for (int i = 0; i < residual.Length; i++) residual[i] = y[i] - shared.Predict(design.AsSpan(i * width, width));
            Set(head, RidgeRegression.Fit(design, rows.Count, width, residual, alphas));
        }
    }

    private static float[] Gather(ReadOnlySpan<float> x, int width, IReadOnlyList<int> rows)
    {
        var result = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++) x.Slice(rows[i] * width, width).CopyTo(result.AsSpan(i * width, width));
        return result;
    }

    private static void Set(Linear layer, RidgeRegression fit)
    {
        var weight = layer.Weight.AsSpan();
        for (int j = 0; j < weight.Length; j++) weight[j] = (float)fit.Weights[j];
        layer.Bias!.AsSpan()[0] = (float)fit.Intercept;
    }
}
