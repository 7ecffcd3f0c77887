using MultiTask.Training;

namespace MultiTask.Weighting;

/// <summary>
/// The bookkeeping every Gram-matrix strategy shares: which tasks are present, their gradients' Gram matrix,
/// and turning weights over the present tasks into a combined shared gradient and per-task weights.
/// </summary>
internal sealed class GradientSpace
{
    private GradientSpace(float[]?[] gradients, int[] present, double[,] gram)
    {
        Gradients = gradients;
        Present = present;
        Gram = gram;
    }

    /// <summary>One gradient per task, null for absent tasks.</summary>
    public float[]?[] Gradients { get; }

    /// <summary>The indices of the present tasks; the Gram matrix is over these, in this order.</summary>
    public int[] Present { get; }

    /// <summary>Gᵢⱼ = gᵢ·gⱼ over the present tasks.</summary>
    public double[,] Gram { get; }

    /// <summary>Builds the Gram matrix of the present tasks' gradients; a non-finite entry is a divergence.</summary>
    public static GradientSpace Of(float[]?[] gradients, WeightingContext context, string strategy)
    {
        var present = Enumerable.Range(0, gradients.Length).Where(i => gradients[i] is not null).ToArray();
        var gram = Solvers.GramMatrix.Of([.. present.Select(i => gradients[i]!)]);
        for (int a = 0; a < present.Length; a++)
        {
            if (!double.IsFinite(gram[a, a]))
                throw new TrainingDivergedException($"the squared norm of the shared-parameter gradient {strategy} got for task '{context.TaskNames[present[a]]}'",
                    context.TaskNames[present[a]], gram[a, a], context.Epoch, context.Step);
        }
        return new GradientSpace(gradients, present, gram);
    }

    /// <summary>Σₐ weightsₐ·g_{Present[a]}, flattened like the shared parameters.</summary>
    public float[] Combine(IReadOnlyList<double> weights, int numel)
    {
        var combined = new float[numel];
        for (int a = 0; a < Present.Length; a++)
        {
            if (weights[a] != 0) GradientVectors.AddScaled(combined, weights[a], Gradients[Present[a]]);
        }
        return combined;
    }

    /// <summary>Spreads weights over the present tasks to one weight per task (0 for absent tasks).</summary>
    public double[] PerTask(IReadOnlyList<double> weights)
    {
        var result = new double[Gradients.Length];
        for (int a = 0; a < Present.Length; a++) result[Present[a]] = weights[a];
        return result;
    }
}
