using System.Runtime.CompilerServices;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using static MultiTask.Tests.Architectures.ArchitectureTestUtil;

namespace MultiTask.Tests.Architectures;

public class HardSharingModelTests
{
    [Fact]
    public void NamesShapesAndOutputs()
    {
        var model = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8, 4], head: [2], generator: new Generator(1));

        model.StateDict().Keys.Should().Equal(
            "backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.house.2.weight", "heads.house.2.bias",
            "heads.apartment.0.weight", "heads.apartment.0.bias", "heads.apartment.2.weight", "heads.apartment.2.bias");
        model.StateDict()["backbone.0.weight"].Shape.Should().Equal(8, 3);
        model.StateDict()["heads.apartment.2.weight"].Shape.Should().Equal(2, 2);
        model.TaskNames.Should().Equal("house", "apartment");
        model.InputSize.Should().Be(3);
        model.OutputSize("apartment").Should().Be(2);
        model.BackboneOutputSize.Should().Be(4);
        model.Penalty().Should().BeNull();

        var outputs = model.Forward(Tensor.Randn(new Generator(2), 5, 3));

        outputs.TaskNames.Should().Equal("house", "apartment");
        outputs["house"].Shape.Should().Equal(5, 1);
        outputs["apartment"].Shape.Should().Equal(5, 2);
    }

    [Fact]
    public void SeededConstructionIsReproducible()
    {
        var a = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8], generator: new Generator(42));
        var b = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8], generator: new Generator(42));
        var c = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8], generator: new Generator(43));

        Snapshot(a).Should().BeEquivalentTo(Snapshot(b));
        Snapshot(a)["backbone.0.weight"].Should().NotEqual(Snapshot(c)["backbone.0.weight"]);
    }

    [Fact]
    public void MlpOptionsAddLayerNormActivationAndDropout()
    {
        var options = new MlpOptions { Activation = () => new Tanh(), LayerNorm = true, Dropout = 0.25f };
        var model = MultiTaskModel.HardSharing(3, [("y", 1)], backbone: [4], options: options, generator: new Generator(3));

        var backbone = (Sequential)model.Backbone;
        backbone.Select(m => m.GetType()).Should().Equal(typeof(Linear), typeof(LayerNorm), typeof(Tanh), typeof(Dropout));
        model.StateDict().Keys.Should().Contain(["backbone.1.weight", "backbone.1.bias"]);
        model.LastSharedParameters.Should().Equal(((Linear)backbone[0]).Weight, ((Linear)backbone[0]).Bias!);

        model.Eval();
        var x = Tensor.Randn(new Generator(4), 2, 3);
        model.Forward(x)["y"].ToArray().Should().Equal(model.Forward(x)["y"].ToArray(), "dropout is off in evaluation");
    }

    [Fact]
    public void InvalidMlpOptionsAreRejected()
    {
        var act = () => MultiTaskModel.HardSharing(3, [("y", 1)], backbone: [4], options: new MlpOptions { Dropout = 1f });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Dropout*");

        var zero = () => MultiTaskModel.HardSharing(3, [("y", 1)], backbone: [4, 0]);
        zero.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*layer 1 has size 0*");
    }

    [Fact]
    public void LastSharedParametersAreTheLastBackboneLinear()
    {
        var model = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8, 4], generator: new Generator(5));
        var sd = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);

        model.LastSharedParameters.Should().Equal(sd["backbone.2.weight"], sd["backbone.2.bias"]);
        MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: []).LastSharedParameters.Should().BeEmpty();
    }

    [Fact]
    public void ForwardTaskMatchesForward()
    {
        var model = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8], head: [4], generator: new Generator(6));
        var x = Tensor.Randn(new Generator(7), 4, 3);

        model.ForwardTask(x, "apartment").ToArray().Should().Equal(model.Forward(x)["apartment"].ToArray());
    }

    [Fact]
    public void Forward_KeepsNoGraphAlive_AfterTheOutputsAreDropped()
    {
        // The model holds no tensor of a forward pass, so the inputs (saved by the first Linear for its backward)
        // are collectable once the caller drops the outputs.
        var model = MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [4], generator: new Generator(8));
        var input = ForwardAndDrop(model);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        input.IsAlive.Should().BeFalse();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ForwardAndDrop(MultiTaskModel model)
    {
        var x = Tensor.Randn(new Generator(9), 6, 3);
        var outputs = model.Forward(x);
        outputs["house"].Sum().Item();
        return new WeakReference(x);
    }

    [Fact]
    public void CustomHeadPlugsIn()
    {
        var g = new Generator(10);
        var model = MultiTaskModel.HardSharing(3, [("house", 2), ("apartment", 1)], backbone: [8], head: [4],
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["house"] = new GaussianHead(8, g) }, generator: g);

        model.StateDict().Keys.Should().Contain(["heads.house.mean.weight", "heads.house.log_variance.bias", "heads.apartment.2.weight"]);
        model.Head("house").Should().BeOfType<GaussianHead>();
        var y = model.Forward(Tensor.Randn(g, 3, 3));
        y["house"].Shape.Should().Equal(3, 2);
        ShouldPartitionParameters(model);

        var loss = new GaussianNllLoss().Forward(y["house"].Narrow(1, 0, 1), Tensor.Zeros(3, 1), y["house"].Narrow(1, 1, 1).Exp());
        loss.Backward();
        model.TaskParameters("house").Should().OnlyContain(p => p.Grad != null);
        model.TaskParameters("apartment").Should().OnlyContain(p => p.Grad == null);
    }

    [Fact]
    public void CustomHeadForUnknownTaskIsRejected()
    {
        var act = () => MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8],
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["condo"] = new Linear(8, 1) });

        act.Should().Throw<ArgumentException>().WithMessage("*'condo'*'house', 'apartment'*");
    }

    [Fact]
    public void CustomHeadWithWrongOutputWidthIsReportedAtForward()
    {
        var model = MultiTaskModel.HardSharing(3, [("house", 2)], backbone: [8],
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["house"] = new Linear(8, 3) });

        model.Invoking(m => m.Forward(Tensor.Zeros(4, 3))).Should().Throw<InvalidOperationException>().WithMessage("*'house'*[4, 3]*expected [4, 2]*");
    }

    [Fact]
    public void UserBackboneAndHeads()
    {
        var g = new Generator(11);
        var backbone = new Sequential(new Linear(5, 6, generator: g), new Gelu());
        var model = new HardSharingModel(backbone, 6, [("a", 1, new Linear(6, 1, generator: g)), ("b", 3, new Sequential(new Linear(6, 3, generator: g)))], inputSize: 5);

        model.StateDict().Keys.Should().Equal("backbone.0.weight", "backbone.0.bias", "heads.a.weight", "heads.a.bias", "heads.b.0.weight", "heads.b.0.bias");
        model.Forward(Tensor.Zeros(2, 5))["b"].Shape.Should().Equal(2, 3);
        model.SharedParameters().Should().Equal(backbone.Parameters());
    }

    [Fact]
    public void HeadInputWidthMismatchNamesBothWidths()
    {
        var act = () => new HardSharingModel(new Linear(5, 8), 8, [("a", 1, new Sequential(new Linear(6, 1)))]);

        act.Should().Throw<ArgumentException>().WithMessage("*'a'*takes 6 features*backbone outputs 8*");
    }

    [Fact]
    public void BackboneInputWidthMismatchNamesBothWidths()
    {
        var act = () => MultiTaskModel.HardSharing(new Sequential(new Linear(5, 8)), 8, [("a", 1)], inputSize: 4);

        act.Should().Throw<ArgumentException>().WithMessage("*takes 5 features*input size is 4*");
    }

    [Fact]
    public void DeclaredBackboneWidthMismatchNamesBothWidths()
    {
        var model = MultiTaskModel.HardSharing(new Sequential(new Linear(5, 8), new Relu()), backboneOutputSize: 6, [("a", 1)]);

        model.Invoking(m => m.Forward(Tensor.Zeros(2, 5))).Should().Throw<InvalidOperationException>().WithMessage("*[2, 8]*[2, 6]*");
    }

    [Fact]
    public void LearnsTwoRelatedRegressionTasksDownToTheNoise()
    {
        // y_t = s_t·sin(2·x0) + c_t·x1 + ε with a shared nonlinear feature; σ = 0.1, so the best MSE is σ² = 0.01.
        const float sigma = 0.1f;
        var g = new Generator(12);
        const int n = 256;
        var x = Tensor.Rand(g, n, 3) * 2f - 1f;
        var y1 = new float[n];
        var y2 = new float[n];
        for (int i = 0; i < n; i++)
        {
            double feature = Math.Sin(2 * x[i, 0]);
            y1[i] = (float)(feature + 0.5 * x[i, 1] + sigma * g.NextNormal());
            y2[i] = (float)(-0.8 * feature + 0.3 * x[i, 1] + 0.5 + sigma * g.NextNormal());
        }
        var t1 = Tensor.FromArray(y1, n, 1);
        var t2 = Tensor.FromArray(y2, n, 1);
        var model = MultiTaskModel.HardSharing(3, [("first", 1), ("second", 1)], backbone: [32, 16], generator: g);
        var adam = new Adam(model.Parameters(), lr: 1e-2);
        var mse = new MseLoss();
        float l1 = 0, l2 = 0;

        for (int step = 0; step < 600; step++)
        {
            adam.ZeroGrad();
            var outputs = model.Forward(x);
            var loss1 = mse.Forward(outputs["first"], t1);
            var loss2 = mse.Forward(outputs["second"], t2);
            (loss1 + loss2).Backward();
            adam.Step();
            l1 = loss1.Item();
            l2 = loss2.Item();
        }

        l1.Should().BeLessThan(2 * sigma * sigma);
        l2.Should().BeLessThan(2 * sigma * sigma);
    }

    [Fact]
    public void LinearHeadsRunAsOneLayer_WithTheOutputsAndGradientsOfSeparateHeads()
    {
        // Heads without hidden layers are computed as one Linear over their weights side by side; each output and every
        // parameter gradient must be what the heads give one by one.
        var model = (HardSharingModel)MultiTaskModel.HardSharing(3, [("a", 1), ("b", 2), ("c", 1)], backbone: [8, 6], generator: new Generator(5));
        var x = Tensor.Randn(new Generator(6), 9, 3);
        var targets = new[] { Tensor.Randn(new Generator(7), 9, 1), Tensor.Randn(new Generator(8), 9, 2), Tensor.Randn(new Generator(9), 9, 1) };

        var joint = model.Forward(x);
        model.TaskNames.Select((t, i) => new MseLoss().Forward(joint[t], targets[i])).Aggregate((p, q) => p + q).Backward();
        var jointGrads = model.Parameters().Select(p => p.Grad!.ToArray()).ToList();
        model.ZeroGrad();

        var h = model.Backbone.Forward(x);
        var separate = model.TaskNames.Select(t => model.Head(t).Forward(h)).ToArray();
        separate.Select((y, i) => new MseLoss().Forward(y, targets[i])).Aggregate((p, q) => p + q).Backward();

        for (int i = 0; i < 3; i++)
        {
            joint[model.TaskNames[i]].ToArray().Zip(separate[i].ToArray()).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 1e-6f);
            model.ForwardTask(x, model.TaskNames[i]).ToArray().Should().Equal(joint[model.TaskNames[i]].ToArray(), "one task's output is the same number as in Forward");
        }
        var separateGrads = model.Parameters().Select(p => p.Grad!.ToArray()).ToList();
        for (int k = 0; k < jointGrads.Count; k++)
            jointGrads[k].Zip(separateGrads[k]).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 1e-5f);
    }
}
