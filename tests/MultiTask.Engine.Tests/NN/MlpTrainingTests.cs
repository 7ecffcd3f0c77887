using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

/// <summary>End to end: modules, loss, autograd and optimizer together learn a non-linear function.</summary>
public class MlpTrainingTests
{
    [Fact]
    public void Mlp_LearnsNonLinearRegression_WellBelowTheLinearBaseline()
    {
        var gen = new Generator(123);
        var x = Tensor.Rand(gen, 512, 2) * 4f - 2f;                 // U(-2, 2)²
        var y = (x.Narrow(1, 0, 1) * 2f).Tanh() + x.Narrow(1, 1, 1).Square() * 0.5f;
        var xTest = Tensor.Rand(gen, 256, 2) * 4f - 2f;
        var yTest = (xTest.Narrow(1, 0, 1) * 2f).Tanh() + xTest.Narrow(1, 1, 1).Square() * 0.5f;

        double mlp = TrainAndTest(new Sequential(new Linear(2, 32, generator: gen), new Tanh(), new Linear(32, 32, generator: gen), new Tanh(), new Linear(32, 1, generator: gen)));
        double linear = TrainAndTest(new Sequential(new Linear(2, 1, generator: gen)));

        // The best linear fit leaves the curvature unexplained (test MSE ≈ 0.3); the MLP must capture it.
        linear.Should().BeGreaterThan(0.15);
        mlp.Should().BeLessThan(0.01);

        double TrainAndTest(Sequential model)
        {
            var optimizer = new Adam(model.Parameters(), lr: 1e-2);
            var mse = new MseLoss();
            for (int step = 0; step < 600; step++)
            {
                optimizer.ZeroGrad();
                var loss = mse.Forward(model.Forward(x), y);
                loss.Backward();
                optimizer.Step();
            }
            using var _ = Autograd.NoGrad();
            return mse.Forward(model.Forward(xTest), yTest).Item();
        }
    }
}
