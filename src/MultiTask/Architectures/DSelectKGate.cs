using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The DSelect-k gate: k single-expert selectors, each a smooth-step binary code over the n experts, mixed by
/// softmax weights, so that once the smooth steps saturate at most k experts have a non-zero weight. Parameters:
/// per example, the Linears <c>z_logits</c> ([k·m, input]) and <c>w_logits</c> ([k, input]); static, the tensors
/// <c>z_logits</c> [k, m] and <c>w_logits</c> [k]; m = ⌈log₂ n⌉.
/// </summary>
/// <remarks>
/// <para>
/// Hazimeh, Zhao, Chowdhery, Sathiamoorthy, Chen, Mazumder, Hong &amp; Chi, "DSelect-k: Differentiable Selection in
/// the Mixture of Experts with Applications to Multi-Task Learning", NeurIPS 2021. With the smooth step
/// S(t) = 0 for t ≤ −γ/2, 1 for t ≥ γ/2 and −2t³/γ³ + 3t/(2γ) + 1/2 between, selector i gives expert e the weight
/// r_i(e) = Π_j (b_ej ? S(z_ij) : 1 − S(z_ij)), where b_e is e written in m binary digits, most significant first;
/// the gate's weights are Σ_i softmax(w)_i · r_i. Each r_i sums to 1 over all 2^m codes, so the rows sum to 1 when n
/// is a power of two and to at most 1 otherwise (codes ≥ n reach no expert).
/// </para>
/// <para>
/// <see cref="Penalty"/> is λ·H(r) with H(r) = −Σ r·log(r + 10⁻⁶) over the selectors and experts, which pushes each
/// selector towards one expert, plus, when n is not a power of two, Σ_i (1/Σ_e r_i(e) − 1), which keeps the weight
/// on reachable experts (the reference implementation adds Σ_i 1/Σ_e r_i(e); the constant only moves the value).
/// The per-example gate regularises the selectors of the last forward pass made in training mode, averaged over its
/// examples (the reference implementation sums over the batch; the mean keeps λ independent of the batch size);
/// the static gate's selectors do not depend on the input. Initialisation as the authors': z ~ U(−γ/100, γ/100), so
/// every selector starts undecided, and w ~ U(−0.05, 0.05).
/// </para>
/// </remarks>
public sealed class DSelectKGate : ExpertGate
{
    private const float Epsilon = 1e-6f;
    private readonly Tensor _base;
    private readonly Tensor _sign;
    private Tensor? _lastSelectors;

    /// <summary>Creates the gate.</summary>
    /// <param name="inputSize">The width of the gate's input (read only by the per-example gate).</param>
    /// <param name="expertCount">The number of experts n (at least 2).</param>
    /// <param name="options">k, γ, per-example or static routing, and λ; null for the defaults.</param>
    /// <param name="generator">The seeded source for initialisation.</param>
    /// <exception cref="ArgumentException">Fewer than two experts, k larger than n, or invalid options.</exception>
    public DSelectKGate(int inputSize, int expertCount, DSelectKOptions? options = null, Generator? generator = null)
        : base(inputSize, expertCount)
    {
        options ??= new DSelectKOptions();
        options.Validate();
        if (expertCount < 2)
            throw new ArgumentException($"A DSelect-k gate selects among at least 2 experts, got {expertCount}; use a softmax gate (or more experts).", nameof(expertCount));
        if (options.SelectedExperts > expertCount)
            throw new ArgumentException(
                $"DSelectKOptions.SelectedExperts (k = {options.SelectedExperts}) is larger than the {expertCount} experts the gate mixes; choose k ≤ {expertCount}.", nameof(options));
        Options = options;
        int k = options.SelectedExperts;
        BinaryDigits = (int)Math.Ceiling(Math.Log2(expertCount));
        int m = BinaryDigits;
        double gamma = options.Gamma;
        if (options.PerExample)
        {
            ZLinear = Register("z_logits", new Linear(inputSize, k * m));
            WLinear = Register("w_logits", new Linear(inputSize, k));
            Init.Uniform(ZLinear.Weight, -gamma / 100, gamma / 100, generator);
            Init.Uniform(ZLinear.Bias!, -gamma / 100, gamma / 100, generator);
            Init.Uniform(WLinear.Weight, -0.05, 0.05, generator);
            Init.Uniform(WLinear.Bias!, -0.05, 0.05, generator);
        }
        else
        {
            ZLogits = Register("z_logits", new Parameter(Tensor.Zeros(k, m)));
            WLogits = Register("w_logits", new Parameter(Tensor.Zeros(k)));
            Init.Uniform(ZLogits, -gamma / 100, gamma / 100, generator);
            Init.Uniform(WLogits, -0.05, 0.05, generator);
        }
        // r_i(e) = Π_j (1 − b_ej + (2b_ej − 1)·S(z_ij)): S where the bit is 1, 1 − S where it is 0.
        var bases = new float[expertCount * m];
        var signs = new float[expertCount * m];
        for (int e = 0; e < expertCount; e++)
        {
            for (int j = 0; j < m; j++)
            {
                int bit = (e >> (m - 1 - j)) & 1;
                bases[e * m + j] = 1 - bit;
                signs[e * m + j] = 2 * bit - 1;
            }
        }
        _base = Tensor.FromArray(bases, 1, 1, expertCount, m);
        _sign = Tensor.FromArray(signs, 1, 1, expertCount, m);
    }

    /// <summary>k, γ, the routing and λ.</summary>
    public DSelectKOptions Options { get; }

    /// <summary>k: the number of single-expert selectors.</summary>
    public int SelectedExperts => Options.SelectedExperts;

    /// <summary>m = ⌈log₂ n⌉: the binary digits of each selector.</summary>
    public int BinaryDigits { get; }

    /// <summary>Whether n is a power of two (every binary code reaches an expert).</summary>
    public bool IsPowerOfTwo => ExpertCount == 1 << BinaryDigits;

    /// <summary>The Linear of the selectors' logits (per-example gate), or null.</summary>
    public Linear? ZLinear { get; }

    /// <summary>The Linear of the selector weights' logits (per-example gate), or null.</summary>
    public Linear? WLinear { get; }

    /// <summary>The selectors' logits [k, m] (static gate), or null.</summary>
    public Parameter? ZLogits { get; }

    /// <summary>The selector weights' logits [k] (static gate), or null.</summary>
    public Parameter? WLogits { get; }

    /// <summary>The smooth step S_γ applied elementwise.</summary>
    /// <param name="t">Any tensor.</param>
    /// <param name="gamma">γ &gt; 0.</param>
    /// <returns>0 for t ≤ −γ/2, 1 for t ≥ γ/2, −2t³/γ³ + 3t/(2γ) + 1/2 between; differentiable, with zero slope outside.</returns>
    public static Tensor SmoothStep(Tensor t, double gamma)
    {
        ArgumentNullException.ThrowIfNull(t);
        float half = (float)(gamma / 2);
        var cubic = t.Pow(3f) * (float)(-2 / (gamma * gamma * gamma)) + t * (float)(3 / (2 * gamma)) + 0.5f;
        return Tensor.Where(t.Le(-half), Tensor.ZerosLike(t), Tensor.Where(t.Ge(half), Tensor.OnesLike(t), cubic));
    }

    /// <summary>The outputs r_i(e) of the k single-expert selectors.</summary>
    /// <param name="input">[batch, <see cref="ExpertGate.InputSize"/>].</param>
    /// <returns>[batch, k, n] for the per-example gate; [1, k, n] for the static gate.</returns>
    public Tensor Selectors(Tensor input)
    {
        CheckInput(input);
        return SelectorsOf(input);
    }

    /// <summary>The mixture weights Σ_i softmax(w)_i · r_i.</summary>
    /// <param name="input">[batch, <see cref="ExpertGate.InputSize"/>].</param>
    /// <returns>[batch, n]: non-negative, at most k non-zero once the selectors have saturated.</returns>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        int batch = input.Shape[0];
        var r = SelectorsOf(input);
        Tensor weights;
        if (ZLinear is not null)
        {
            var w = WLinear!.Forward(input).Softmax(-1).Unsqueeze(2);
            weights = (w * r).Sum(1);
            if (BehavesAsTraining) _lastSelectors = r;
        }
        else
        {
            var w = WLogits!.Softmax(0).Reshape(1, SelectedExperts, 1);
            weights = (w * r).Sum(1).Expand(batch, ExpertCount);
        }
        return weights;
    }

    /// <summary>
    /// λ·H(r) (+ the reachability term when n is not a power of two; see the class remarks): for the static gate from
    /// its parameters, for the per-example gate from the last forward pass in training mode (averaged over its
    /// examples), or null when there has been none, or when λ = 0 and n is a power of two.
    /// </summary>
    public override Tensor? Penalty()
    {
        if (Options.EntropyStrength == 0 && IsPowerOfTwo) return null;
        var r = ZLinear is null ? SelectorsOf(null) : _lastSelectors;
        if (r is null) return null;
        float examples = r.Shape[0];
        Tensor? total = null;
        if (Options.EntropyStrength > 0)
        {
            var entropy = -(r * (r + Epsilon).Log()).Sum();
            total = entropy * (float)(Options.EntropyStrength / examples);
        }
        if (!IsPowerOfTwo)
        {
            var reach = ((1f / r.Sum(-1)) - 1f).Sum() / examples;
            total = total is null ? reach : total + reach;
        }
        return total;
    }

    private Tensor SelectorsOf(Tensor? input)
    {
        int k = SelectedExperts, m = BinaryDigits;
        var z = ZLinear is not null ? ZLinear.Forward(input!).Reshape(input!.Shape[0], k, 1, m) : ZLogits!.Reshape(1, k, 1, m);
        var terms = _base + _sign * SmoothStep(z, Options.Gamma);
        var r = terms.Narrow(3, 0, 1);
        for (int j = 1; j < m; j++) r = r * terms.Narrow(3, j, 1);
        return r.Squeeze(3);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"in={InputSize}, experts={ExpertCount}, k={SelectedExperts}, gamma={Options.Gamma}, per_example={(Options.PerExample ? "True" : "False")}";
}
