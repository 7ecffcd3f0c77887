using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

public class ModuleTests
{
    private sealed class Net : Module<Tensor, Tensor>
    {
        public Net(Generator g)
        {
            Backbone = Register("backbone", new Sequential(new Linear(3, 4, generator: g), new Relu(), new Linear(4, 4, generator: g)));
            Heads = Register("heads", new ModuleDict().Add("a", new Linear(4, 1, generator: g)).Add("b", new Linear(4, 2, bias: false, generator: g)));
            Scale = Register("scale", new Parameter(Tensor.Ones(1)));
            Counter = RegisterBuffer("counter", Tensor.Zeros(1));
        }

        public Sequential Backbone { get; }
        public ModuleDict Heads { get; }
        public Parameter Scale { get; }
        public Tensor Counter { get; }

        public override Tensor Forward(Tensor input)
        {
            var h = Backbone.Forward(input) * Scale;
            return Head("a").Forward(h) + Head("b").Forward(h).Sum(1, keepDim: true);
        }

        private Module<Tensor, Tensor> Head(string name) => (Module<Tensor, Tensor>)Heads[name];
    }

    private sealed class Tied : Module<Tensor, Tensor>
    {
        public Tied()
        {
            var shared = new Linear(2, 2, generator: new Generator(1));
            Register("first", shared);
            Register("second", shared);
        }

        public override Tensor Forward(Tensor input) => input;
    }

    private static readonly string[] ExpectedParameterNames =
    [
        "scale", "backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias", "heads.a.weight", "heads.a.bias", "heads.b.weight",
    ];

    [Fact]
    public void NamedParameters_AreDottedAndOrderedLikePyTorch()
    {
        var net = new Net(new Generator(1));
        net.NamedParameters().Select(p => p.Key).Should().Equal(ExpectedParameterNames);
        net.NamedParameters(recurse: false).Select(p => p.Key).Should().Equal("scale");
        net.Parameters().Should().HaveCount(8).And.OnlyContain(p => p.RequiresGrad && p.IsLeaf);
    }

    [Fact]
    public void StateDict_ContainsParametersAndBuffers_InPyTorchOrder()
    {
        var net = new Net(new Generator(1));
        net.StateDict().Keys.Should().Equal(
            "scale", "counter", "backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias", "heads.a.weight", "heads.a.bias", "heads.b.weight");
        net.NamedBuffers().Select(b => b.Key).Should().Equal("counter");
        net.Parameters().Should().NotContain(p => ReferenceEquals(p, net.Counter));
    }

    [Fact]
    public void StateDict_ValuesAreDetachedViews()
    {
        var net = new Net(new Generator(1));
        var sd = net.StateDict();
        sd["scale"].RequiresGrad.Should().BeFalse();
        net.Scale.AsSpan()[0] = 5f;
        sd["scale"].Item().Should().Be(5f);
    }

    [Fact]
    public void NamedChildren_AndModules_WalkTheTree()
    {
        var net = new Net(new Generator(1));
        net.NamedChildren().Select(c => c.Key).Should().Equal("backbone", "heads");
        net.NamedModules().Select(m => m.Key).Should().Equal("", "backbone", "backbone.0", "backbone.1", "backbone.2", "heads", "heads.a", "heads.b");
        net.Modules().Should().HaveCount(8);
    }

    [Fact]
    public void SharedModule_ParametersAppearOnce_StateDictKeepsBothNames()
    {
        var tied = new Tied();
        tied.NamedParameters().Select(p => p.Key).Should().Equal("first.weight", "first.bias");
        tied.StateDict().Keys.Should().Equal("first.weight", "first.bias", "second.weight", "second.bias");
    }

    [Fact]
    public void StateDict_RoundTrip_CopiesValuesInPlace()
    {
        var source = new Net(new Generator(1));
        source.Counter.AsSpan()[0] = 7f;
        var target = new Net(new Generator(2));
        var weightBefore = target.Backbone[0] is Linear l ? l.Weight : null;
        var snapshot = source.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

        var result = target.LoadStateDict(snapshot);

        result.IsExactMatch.Should().BeTrue();
        foreach (var (name, value) in target.StateDict()) value.ToArray().Should().Equal(snapshot[name].ToArray(), name);
        ((Linear)target.Backbone[0]).Weight.Should().BeSameAs(weightBefore, "loading must not replace parameters held by optimizers");
        target.Counter.Item().Should().Be(7f);
        var x = Tensor.Randn(new Generator(3), 5, 3);
        target.Forward(x).ToArray().Should().Equal(source.Forward(x).ToArray());
    }

    [Fact]
    public void LoadStateDict_Strict_ThrowsListingMissingAndUnexpectedKeys_AndCopiesNothing()
    {
        var net = new Net(new Generator(1));
        var before = net.Scale.Item();
        var sd = new Net(new Generator(2)).StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        sd["scale"].AsSpan()[0] = 42f;
        sd.Remove("heads.b.weight");
        sd["heads.c.weight"] = Tensor.Zeros(1);

        var act = () => net.LoadStateDict(sd);

        act.Should().Throw<ArgumentException>().WithMessage("*Missing keys: 'heads.b.weight'*Unexpected keys: 'heads.c.weight'*strict: false*");
        net.Scale.Item().Should().Be(before);
    }

    [Fact]
    public void LoadStateDict_NonStrict_LoadsMatchingKeys_AndReportsTheRest()
    {
        var net = new Net(new Generator(1));
        var sd = new Dictionary<string, Tensor> { ["scale"] = Tensor.Full([1], 3f), ["extra"] = Tensor.Zeros(2) };

        var result = net.LoadStateDict(sd, strict: false);

        net.Scale.Item().Should().Be(3f);
        result.UnexpectedKeys.Should().Equal("extra");
        result.MissingKeys.Should().HaveCount(8).And.Contain("backbone.0.weight").And.Contain("counter");
        result.IsExactMatch.Should().BeFalse();
    }

    [Fact]
    public void LoadStateDict_ShapeMismatch_ThrowsNamingKeyAndShapes_EvenWhenNotStrict()
    {
        var net = new Net(new Generator(1));
        var sd = new Dictionary<string, Tensor> { ["backbone.0.weight"] = Tensor.Zeros(3, 4) };
        var act = () => net.LoadStateDict(sd, strict: false);
        act.Should().Throw<ArgumentException>().WithMessage("*'backbone.0.weight'*[3, 4]*[4, 3]*");
    }

    [Fact]
    public void TrainEval_PropagateToEveryDescendant()
    {
        var net = new Net(new Generator(1));
        net.Modules().Should().OnlyContain(m => m.IsTraining);
        net.Eval().Should().BeSameAs(net);
        net.Modules().Should().OnlyContain(m => !m.IsTraining);
        net.Backbone.Train();
        net.IsTraining.Should().BeFalse();
        net.Backbone.Modules().Should().OnlyContain(m => m.IsTraining);
        net.Train();
        net.Modules().Should().OnlyContain(m => m.IsTraining);
    }

    [Fact]
    public void ZeroGrad_SetsGradientsToNull()
    {
        var net = new Net(new Generator(1));
        net.Forward(Tensor.Randn(new Generator(3), 5, 3)).Sum().Backward();
        net.Parameters().Should().OnlyContain(p => p.Grad != null);
        net.ZeroGrad();
        net.Parameters().Should().OnlyContain(p => p.Grad == null);
    }

    [Fact]
    public void Freeze_FrozenParametersGetNoGradient_OthersDo()
    {
        var net = new Net(new Generator(1));
        net.Backbone.Freeze();
        net.Forward(Tensor.Randn(new Generator(3), 5, 3)).Sum().Backward();
        net.Backbone.Parameters().Should().OnlyContain(p => p.Grad == null && !p.RequiresGrad);
        net.Heads.Parameters().Should().OnlyContain(p => p.Grad != null);
        net.Scale.Grad.Should().NotBeNull();

        net.Backbone.Unfreeze();
        net.Forward(Tensor.Randn(new Generator(3), 5, 3)).Sum().Backward();
        net.Backbone.Parameters().Should().OnlyContain(p => p.Grad != null);
    }

    [Fact]
    public void FullyFrozenModel_OutputDoesNotRequireGrad()
    {
        var net = new Net(new Generator(1));
        net.RequireGrad(false);
        net.Forward(Tensor.Randn(new Generator(3), 5, 3)).RequiresGrad.Should().BeFalse();
    }

    [Fact]
    public void Register_DuplicateOrDottedName_Throws()
    {
        var act = () => new Sequential().Add("x", new Relu()).Add("x", new Relu());
        act.Should().Throw<ArgumentException>().WithMessage("*already*'x'*");
        var dotted = () => new ModuleDict().Add("a.b", new Relu());
        dotted.Should().Throw<ArgumentException>().WithMessage("*'.'*'a.b'*");
    }

    [Fact]
    public void Parameter_SharesStorage_AndIsALeafRequiringGrad()
    {
        var data = Tensor.FromArray([1f, 2f]);
        var p = new Parameter(data);
        p.RequiresGrad.Should().BeTrue();
        p.IsLeaf.Should().BeTrue();
        p.AsSpan()[0] = 9f;
        data[0].Should().Be(9f);
        new Parameter(data, requiresGrad: false).RequiresGrad.Should().BeFalse();
    }

    [Fact]
    public void ToString_ShowsTheTree()
    {
        var s = new Sequential(new Linear(2, 3, generator: new Generator(1)), new Relu()).ToString();
        s.Should().Be("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Relu()\n)");
    }
}
