using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

/// <summary>
/// Synthetic impressions of a recommender with a known truth: which items a user clicks and, after a click, buys.
/// </summary>
/// <remarks>
/// <para>Each item has a hidden taste vector w_i (two numbers) and a flag "niche" (20 % of the items); a user has two
/// observed features u. The model sees u and the item's id only (an embedding-encoded category), so it must learn each
/// item's w_i from the data. With the affinity s = u·w_i:</para>
/// <para>p(click | x) = σ(−0.8 + 1.2·s − 3.5·niche) and p(convert | click, x) = σ(−1.2 + 1.5·s + 0.6·u₂ + 1.0·niche).</para>
/// <para><b>Why the sample-selection bias is real here.</b> Clicks and conversions both rise with the affinity s, so the
/// clicked impressions are those of high affinity: on them the mean conversion rate is about 0.50 for ordinary items and
/// 0.85 for niche items, on all impressions about 0.32 and 0.47. A conversion model trained on clicked impressions learns p(convert | click, x) where
/// s is high and must extrapolate it to the low-affinity impressions it rarely saw. Niche items are the extreme case: they
/// are rarely clicked (about 4 % of their impressions against about 36 % for the others), so they are about 3 % of the naive
/// model's training rows but 20 % of the impressions it is applied to, too few to learn their taste vectors or their higher
/// conversion rate once clicked. And it is applied to every impression (ranking, bidding and pricing use p(convert | click, x)
/// before any click). A model trained on every impression sees each item's impressions through the click task, which
/// carries s = u·w_i, the same affinity the conversion rate depends on; the conversions themselves are as rare for it as for
/// the naive model, since they only happen after clicks. Whether learning the item vectors from clicks makes up for that is
/// what the sample measures. (Rates from 2 million draws of the same generator.)</para>
/// </remarks>
internal sealed class Impressions
{
    public static readonly string[] Features = ["u1", "u2", "item"];

    private readonly double[][] _taste;
    private readonly bool[] _niche;
    private readonly string[] _names;

    public Impressions(int items, ulong seed)
    {
        var g = new Generator(seed);
        _taste = [.. Enumerable.Range(0, items).Select(_ => new[] { g.NextNormal(), g.NextNormal() })];
        _niche = [.. Enumerable.Range(0, items).Select(_ => g.NextDouble() < 0.2)];
        _names = [.. Enumerable.Range(0, items).Select(i => $"item{i}")];
    }

    public FeatureSchema Schema() => new FeatureSchema().Numeric("u1").Numeric("u2").Categorical("item", CategoricalEncoding.Embedding, _names);

    /// <summary>ctr: clicked; cvr: converted, on clicked impressions only (missing elsewhere, as in logs); ctcvr: clicked and converted.</summary>
    public static TaskSpec[] Tasks() => [TaskSpec.Binary("ctr", Features), TaskSpec.Binary("cvr", Features), TaskSpec.Binary("ctcvr", Features)];

    /// <summary>Draws <paramref name="rows"/> impressions: the dataset, and per row the true p(click), p(convert | click), the observed click ∧ convert and the niche flag.</summary>
    public Sample Draw(int rows, ulong seed)
    {
        var g = new Generator(seed);
        var u1 = new double[rows];
        var u2 = new double[rows];
        var item = new string?[rows];
        var ctr = new double[rows];
        var cvr = new double[rows];
        var ctcvr = new double[rows];
        var truth = new Truth(new double[rows], new double[rows], new bool[rows], new bool[rows]);
        for (int r = 0; r < rows; r++)
        {
            int i = (int)(g.NextDouble() * _names.Length);
            u1[r] = g.NextNormal();
            u2[r] = g.NextNormal();
            item[r] = _names[i];
            double s = u1[r] * _taste[i][0] + u2[r] * _taste[i][1];
            double niche = _niche[i] ? 1 : 0;
            truth.Click[r] = Sigmoid(-0.8 + 1.2 * s - 3.5 * niche);
            truth.Convert[r] = Sigmoid(-1.2 + 1.5 * s + 0.6 * u2[r] + 1.0 * niche);
            truth.Niche[r] = _niche[i];
            bool click = g.NextDouble() < truth.Click[r];
            // Drawn for every impression so that the click draw alone decides what is observed.
            bool convert = g.NextDouble() < truth.Convert[r];
            ctr[r] = click ? 1 : 0;
            cvr[r] = click ? (convert ? 1 : 0) : double.NaN;
            ctcvr[r] = click && convert ? 1 : 0;
            truth.Both[r] = click && convert;
        }
        var table = new Table("impressions").Add("u1", u1).Add("u2", u2).Add("item", item).Add("ctr", ctr).Add("cvr", cvr).Add("ctcvr", ctcvr);
        return new Sample(MultiTaskDataset.FromTable(Schema(), Tasks(), table), truth);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

internal sealed record Truth(double[] Click, double[] Convert, bool[] Niche, bool[] Both);

internal sealed record Sample(MultiTaskDataset Data, Truth Truth);
