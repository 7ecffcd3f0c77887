using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class GradNormTests
{
    // The last shared layer is W (1×2); task 1: L1 = (W·x1)², task 2: L2 = W·x2, with
    // x1 = (1, 2), x2 = (3, 4): ∇_W L1 = 2(W·x1)·x1 and ∇_W L2 = x2, whose norm is 5.
    private sealed class Setup
    {
        public Parameter W { get; } = new(Tensor.FromArray([1f, 1f], 1, 2));

        public WeightingContext Context { get; }

        public GradNorm Strategy { get; }

        public Setup(double alpha = 1.5)
        {
            Context = new WeightingContext(["t1", "t2"], [W], [W]);
            Strategy = new GradNorm(alpha);
            Strategy.Initialize(Context);
        }

        public Tensor?[] Losses()
        {
            var z1 = W.MatMul(Tensor.FromArray([1f, 2f], 2, 1)).Reshape();
            var z2 = W.MatMul(Tensor.FromArray([3f, 4f], 2, 1)).Reshape();
            return [z1.Square(), z2];
        }

        public void SetWeights(float w1, float w2)
        {
            Strategy.TaskWeights.AsSpan()[0] = w1;
            Strategy.TaskWeights.AsSpan()[1] = w2;
        }

        public void SetW(float a, float b)
        {
            W.AsSpan()[0] = a;
            W.AsSpan()[1] = b;
            W.Grad = null;
            Strategy.TaskWeights.Grad = null;
        }
    }

    [Fact]
    public void Backward_FirstStep_GradientNormsTargetsAndWeightGradientMatchPaper()
    {
        var s = new Setup();
        s.SetWeights(1.5f, 0.5f);

        var result = s.Strategy.Backward(s.Losses(), s.Context);

        // W = (1, 1): L1 = 9, ∇L1 = (6, 12), ‖∇L1‖ = 6√5; L2 = 7, ‖∇L2‖ = 5.
        double n1 = 6 * Math.Sqrt(5), n2 = 5;
        double g1 = 1.5 * n1, g2 = 0.5 * n2, mean = (g1 + g2) / 2;
        // Step 0: every L̃ᵢ = 1, so rᵢ = 1 and each target is Ḡ.
        Expect.Close(result.Diagnostics["grad_loss"], Math.Abs(g1 - mean) + Math.Abs(g2 - mean));
        Expect.Close(s.Strategy.TaskWeights.Grad, n1, -n2);
        Expect.Close(result.Weights, 1.5, 0.5);
        Expect.Close(result.Objective, 1.5 * 9 + 0.5 * 7);
        // The model gets ∇ Σ wᵢLᵢ.
        Expect.Close(s.W.Grad, 1.5 * 6 + 0.5 * 3, 1.5 * 12 + 0.5 * 4);
    }

    [Fact]
    public void Backward_LaterStep_UsesLossRatiosToInitialLosses()
    {
        var s = new Setup(alpha: 1.5);
        s.Strategy.Backward(s.Losses(), s.Context);
        s.Context.InitialLosses.Should().Equal(9.0, 7.0);
        s.SetW(0.5f, 0.5f);
        s.Context.Step = 1;

        var result = s.Strategy.Backward(s.Losses(), s.Context);

        // W = (0.5, 0.5): L1 = 1.5² = 2.25, ∇L1 = 3·(1, 2); L2 = 3.5.
        double n1 = 3 * Math.Sqrt(5), n2 = 5;
        double l1 = 2.25 / 9, l2 = 3.5 / 7, meanL = (l1 + l2) / 2;
        double r1 = l1 / meanL, r2 = l2 / meanL;
        double g1 = n1, g2 = n2, meanG = (g1 + g2) / 2;
        double t1 = meanG * Math.Pow(r1, 1.5), t2 = meanG * Math.Pow(r2, 1.5);
        Expect.Close(result.Diagnostics["grad_loss"], Math.Abs(g1 - t1) + Math.Abs(g2 - t2));
        Expect.Close(s.Strategy.TaskWeights.Grad, Math.Sign(g1 - t1) * n1, Math.Sign(g2 - t2) * n2);
        Expect.Close(s.W.Grad, 3 + 3, 6 + 4);
    }

    [Fact]
    public void WeightGradient_EqualsTheSecondOrderAutogradRoute_OfThePaper()
    {
        // The paper differentiates L_grad = Σ|‖∇_W(wᵢLᵢ)‖ − Ḡ·rᵢ^α| through the gradient norm itself
        // (a second-order graph). The strategy uses the closed form ∂L_grad/∂wᵢ = sign(Gᵢ − tᵢ)·‖∇_W Lᵢ‖;
        // here both are computed and must agree.
        var s = new Setup();
        s.SetWeights(1.3f, 0.7f);
        s.Strategy.Backward(s.Losses(), s.Context);
        var closedForm = s.Strategy.TaskWeights.Grad!.ToArray();

        var w = new Parameter(Tensor.FromArray([1.3f, 0.7f]));
        var losses = s.Losses();
        var norms = new Tensor[2];
        for (int i = 0; i < 2; i++)
        {
            var weighted = w.Narrow(0, i, 1).Reshape() * losses[i]!;
            var grad = MultiTask.Engine.Differentiation.Autograd.Grad(weighted, [s.W], createGraph: true)[0]!;
            norms[i] = grad.Norm();
        }
        // Step 0: every loss ratio is 1, so each target is the (constant) mean gradient norm.
        float target = (norms[0].Item() + norms[1].Item()) / 2;
        var gradLoss = (norms[0] - target).Abs() + (norms[1] - target).Abs();
        var secondOrder = MultiTask.Engine.Differentiation.Autograd.Grad(gradLoss, [w])[0]!.ToArray();

        secondOrder[0].Should().BeApproximately(closedForm[0], 1e-4f);
        secondOrder[1].Should().BeApproximately(closedForm[1], 1e-4f);
    }

    [Fact]
    public void AfterOptimizerStep_RenormalisesToTaskCount()
    {
        var s = new Setup();
        s.SetWeights(3f, 1f);
        s.Strategy.AfterOptimizerStep(s.Context);
        Expect.Close(s.Strategy.TaskWeights, 1.5, 0.5);
    }

    [Fact]
    public void AfterOptimizerStep_ClampsNonPositiveWeights()
    {
        var s = new Setup();
        s.SetWeights(-1f, 1f);
        s.Strategy.AfterOptimizerStep(s.Context);
        double min = s.Strategy.MinWeight;
        Expect.Close(s.Strategy.TaskWeights, 2 * min / (1 + min), 2 * 1 / (1 + min));
        s.Strategy.TaskWeights.ToArray().Should().OnlyContain(w => w > 0);
    }

    [Fact]
    public void TrainingWithSgd_KeepsWeightsPositiveAndSummingToTaskCount()
    {
        var s = new Setup();
        var optimizer = new MultiTask.Engine.Optim.Sgd([s.W, .. s.Strategy.Parameters()], lr: 0.01);
        for (int step = 0; step < 5; step++)
        {
            s.W.Grad = null;
            s.Strategy.ZeroGrad();
            s.Context.Step = step;
            s.Strategy.Backward(s.Losses(), s.Context);
            optimizer.Step();
            s.Strategy.AfterOptimizerStep(s.Context);
            var w = s.Strategy.TaskWeights.ToArray();
            w.Should().OnlyContain(x => x > 0);
            ((double)w.Sum()).Should().BeApproximately(2, 1e-5);
        }
        // Task 1's gradient is larger, so GradNorm moves weight to task 2.
        s.Strategy.TaskWeights.ToArray()[1].Should().BeGreaterThan(1f);
    }

    [Fact]
    public void Initialize_WithoutSharedParameters_Throws()
    {
        var ctx = new WeightingContext(["t1"], []);
        var act = () => new GradNorm().Initialize(ctx);
        act.Should().Throw<ArgumentException>().WithMessage("*last shared*");
    }

    [Fact]
    public void StateDict_RoundTrip()
    {
        var a = new Setup();
        a.SetWeights(0.25f, 1.75f);
        var snapshot = a.Strategy.StateDict();
        var b = new Setup();
        b.Strategy.LoadStateDict(snapshot);
        Expect.Close(b.Strategy.TaskWeights, 0.25, 1.75);
    }

    [Theory]
    [InlineData(-0.5, 1e-4)]
    [InlineData(1.5, 0.0)]
    public void Constructor_BadHyperParameters_Throw(double alpha, double minWeight)
    {
        var act = () => new GradNorm(alpha, minWeight);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
