using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MultiTask.Engine.NN;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Properties;

/// <summary>A broadcasting pair: shapes A and B whose broadcast is Out, and a seed for their values.</summary>
public sealed record BroadcastCase(int[] A, int[] B, int[] Out, ulong Seed)
{
    /// <inheritdoc />
    public override string ToString() => $"A=[{string.Join(",", A)}] B=[{string.Join(",", B)}] Out=[{string.Join(",", Out)}] seed {Seed}";
}

/// <summary>A shape (rank 0 to 4, sizes 1 to 4) and a seed for its values.</summary>
public sealed record ShapeCase(int[] Shape, ulong Seed)
{
    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(",", Shape)}] seed {Seed}";
}

/// <summary>The generators of the engine properties.</summary>
public static class EngineArbitraries
{
    private static Gen<int[]> Shape(int maxRank) => Gen.Choose(0, maxRank).SelectMany(rank => Gen.ArrayOf(Gen.Choose(1, 4), rank));

    private static Gen<ulong> Seed => Gen.Choose(0, int.MaxValue).Select(s => (ulong)s);

    /// <summary>Out is any shape; A and B are suffixes of it with some sizes replaced by 1.</summary>
    public static Arbitrary<BroadcastCase> Broadcast() =>
        (from output in Shape(4)
         from dropA in Gen.Choose(0, output.Length)
         from dropB in Gen.Choose(0, output.Length)
         from onesA in Gen.ArrayOf(Gen.Elements(true, false), output.Length)
         from onesB in Gen.ArrayOf(Gen.Elements(true, false), output.Length)
         from seed in Seed
         let a = output.Select((s, i) => onesA[i] ? 1 : s).Skip(dropA).ToArray()
         let b = output.Select((s, i) => onesB[i] ? 1 : s).Skip(dropB).ToArray()
         select new BroadcastCase(a, b, Broadcasted(a, b), seed)).ToArbitrary();

    /// <summary>Any shape of rank 0 to 4.</summary>
    public static Arbitrary<ShapeCase> Shapes() => (from shape in Shape(4) from seed in Seed select new ShapeCase(shape, seed)).ToArbitrary();

    /// <summary>NumPy's rule, written independently of the engine: align right, 1 stretches.</summary>
    public static int[] Broadcasted(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            result[i] = Math.Max(da, db);
        }
        return result;
    }
}

/// <summary>
/// Property-based tests of engine invariants (FsCheck, seeded by Replay so every run checks the same cases):
/// broadcasting shapes and values, gradients of sums, reshape round trips, state-dict round trips.
/// </summary>
[Properties(Arbitrary = [typeof(EngineArbitraries)], MaxTest = 150, Replay = "(20261201,1)")]
public class EngineProperties
{
    private static int Numel(int[] shape) => shape.Aggregate(1, (p, s) => p * s);

    /// <summary>The flat index into a tensor of <paramref name="shape"/> that broadcast position <paramref name="index"/> of <paramref name="output"/> reads.</summary>
    private static int SourceIndex(int[] index, int[] output, int[] shape)
    {
        int flat = 0, offset = output.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]);
        return flat;
    }

    private static IEnumerable<int[]> Indices(int[] shape)
    {
        var index = new int[shape.Length];
        for (int n = 0; n < Numel(shape); n++)
        {
            yield return (int[])index.Clone();
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
    }

    [Property]
    public bool Broadcast_add_and_mul_follow_numpy(BroadcastCase c)
    {
        var g = new Generator(c.Seed);
        var a = Tensor.Randn(g, c.A);
        var b = Tensor.Randn(g, c.B);
        var sum = a + b;
        var product = b * a;
        if (!sum.Shape.SequenceEqual(c.Out) || !product.Shape.SequenceEqual(c.Out)) return false;
        float[] av = a.ToArray(), bv = b.ToArray(), s = sum.ToArray(), p = product.ToArray();
        int k = 0;
        foreach (var index in Indices(c.Out))
        {
            float x = av[SourceIndex(index, c.Out, c.A)], y = bv[SourceIndex(index, c.Out, c.B)];
            if (s[k] != x + y || p[k] != x * y) return false;
            k++;
        }
        return true;
    }

    [Property]
    public bool Gradient_of_a_broadcast_sum_counts_the_copies(BroadcastCase c)
    {
        // d/da Σ (a + b) = the number of output elements each element of a is copied to: |Out| / |A|.
        var g = new Generator(c.Seed);
        var a = Tensor.Randn(g, c.A).RequireGrad();
        var b = Tensor.Randn(g, c.B).RequireGrad();
        (a + b).Sum().Backward();
        float copiesA = Numel(c.Out) / (float)Numel(c.A), copiesB = Numel(c.Out) / (float)Numel(c.B);
        return a.Grad!.Shape.SequenceEqual(c.A) && b.Grad!.Shape.SequenceEqual(c.B)
            && a.Grad.ToArray().All(v => v == copiesA) && b.Grad.ToArray().All(v => v == copiesB);
    }

    [Property]
    public bool Gradient_of_a_weighted_sum_is_the_weights(ShapeCase c)
    {
        var g = new Generator(c.Seed);
        var x = Tensor.Randn(g, c.Shape).RequireGrad();
        var w = Tensor.Randn(g, c.Shape);
        var dims = Enumerable.Range(0, c.Shape.Length).Where(d => d % 2 == 0).ToArray();
        // Summing some dimensions first and the rest after must not change the gradient.
        var partial = dims.Length == 0 ? (x * w) : (x * w).Sum(dims);
        partial.Sum().Backward();
        return x.Grad!.ToArray().SequenceEqual(w.ToArray());
    }

    [Property]
    public bool Reshape_round_trips_values_shape_and_gradient(ShapeCase c)
    {
        var g = new Generator(c.Seed);
        var x = Tensor.Randn(g, c.Shape).RequireGrad();
        int n = Numel(c.Shape);
        int[] flat = [n];
        int[] split = n % 2 == 0 ? [2, n / 2] : [n, 1];
        var back = x.Reshape(flat).Reshape(split).Reshape([.. c.Shape]);
        var w = Tensor.Randn(g, c.Shape);
        (back * w).Sum().Backward();
        return back.Shape.SequenceEqual(c.Shape) && back.ToArray().SequenceEqual(x.ToArray())
            && x.Grad!.Shape.SequenceEqual(c.Shape) && x.Grad.ToArray().SequenceEqual(w.ToArray());
    }

    [Property(MaxTest = 40)]
    public bool State_dict_round_trips_through_safetensors(ShapeCase c)
    {
        int inputs = 1 + c.Shape.Length, hidden = c.Shape.Length == 0 ? 3 : c.Shape[0] + 1, outputs = c.Shape.Length < 2 ? 2 : c.Shape[1];
        var original = new Sequential(new Linear(inputs, hidden, generator: new Generator(c.Seed)), new Tanh(), new Linear(hidden, outputs, generator: new Generator(c.Seed + 1)));
        var copy = new Sequential(new Linear(inputs, hidden, generator: new Generator(c.Seed + 2)), new Tanh(), new Linear(hidden, outputs, generator: new Generator(c.Seed + 3)));
        var bytes = SafeTensors.Serialize(original.StateDict());
        copy.LoadStateDict(SafeTensors.Load(new MemoryStream(bytes)));
        var x = Tensor.Randn(new Generator(c.Seed + 4), 5, inputs);
        return copy.Forward(x).ToArray().SequenceEqual(original.Forward(x).ToArray())
            && SafeTensors.Serialize(copy.StateDict()).SequenceEqual(bytes);
    }
}
