using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Tests.Architectures;

public sealed class CascadeModelTests : IDisposable
{
    private static readonly TaskDependency Esmm = TaskDependency.Conjunction("ctcvr", parent: "ctr", conditional: "cvr");

    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-cascade").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonNode Golden() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Goldens", "cascade.json")))!;

    /// <summary>A hard-sharing model over three inputs with a smooth backbone (so no gradient is zero by a dead unit) and a Linear head per task.</summary>
    private static HardSharingModel Inner(ulong seed, params string[] tasks)
    {
        var g = new Generator(seed);
        return new HardSharingModel(new Sequential(new Linear(3, 5, generator: g), new Tanh()), 5,
            [.. tasks.Select(t => (t, 1, (Module<Tensor, Tensor>)new Linear(5, 1, generator: g)))], inputSize: 3);
    }

    private static Tensor Inputs(int rows, ulong seed) => Tensor.Randn(new Generator(seed), rows, 3);

    private static CascadeModel Chain(IReadOnlyList<string>? outputs = null) =>
        // Declared purchase first: the cascade orders the dependencies itself.
        new(Inner(4, "click", "cart", "purchase"),
            [TaskDependency.Conjunction("purchase_all", "cart_all", "purchase"), TaskDependency.Conjunction("cart_all", "click", "cart")], outputs);

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void The_derived_output_is_the_logit_of_the_product_of_the_factors_probabilities()
    {
        var inner = Inner(1, "ctr", "cvr");
        var model = new CascadeModel(inner, [Esmm]);
        var x = Inputs(7, 2) * 3f;

        var outputs = model.Forward(x);
        var innerOutputs = inner.Forward(x);

        model.TaskNames.Should().Equal("ctr", "cvr", "ctcvr");
        outputs["ctr"].ToArray().Should().Equal(innerOutputs["ctr"].ToArray());
        outputs["cvr"].ToArray().Should().Equal(innerOutputs["cvr"].ToArray());
        outputs["ctcvr"].Shape.Should().Equal(7, 1);
        var a = innerOutputs["ctr"].ToArray();
        var b = innerOutputs["cvr"].ToArray();
        var derived = outputs["ctcvr"].ToArray();
        for (int i = 0; i < 7; i++)
        {
            double q = Sigmoid(a[i]) * Sigmoid(b[i]);
            derived[i].Should().BeApproximately((float)Math.Log(q / (1 - q)), 2e-5f);
            Sigmoid(derived[i]).Should().BeApproximately(q, 1e-6);
        }
        model.ForwardTask(x, "ctcvr").ToArray().Should().Equal(derived);
        model.ForwardTask(x, "cvr").ToArray().Should().Equal(b);
    }

    [Fact]
    public void Conjunction_logits_and_gradients_match_a_high_precision_reference_up_to_extreme_logits()
    {
        var cases = Golden()["conjunctions"]!.AsArray();
        var parent = Tensor.FromArray(cases.Select(c => (float)(double)c!["parent"]!).ToArray(), cases.Count, 1).RequireGrad();
        var conditional = Tensor.FromArray(cases.Select(c => (float)(double)c!["conditional"]!).ToArray(), cases.Count, 1).RequireGrad();

        var logit = TaskDependency.ConjunctionLogit(parent, conditional);
        var grads = Autograd.Grad(logit.Sum(), [parent, conditional]);

        var values = logit.ToArray();
        var dParent = grads[0]!.ToArray();
        var dConditional = grads[1]!.ToArray();
        for (int i = 0; i < cases.Count; i++)
        {
            double expected = (double)cases[i]!["logit"]!;
            string at = $"at logits ({(double)cases[i]!["parent"]!}, {(double)cases[i]!["conditional"]!})";
            float.IsFinite(values[i]).Should().BeTrue(at);
            values[i].Should().BeApproximately((float)expected, (float)(2e-5 + 2e-6 * Math.Abs(expected)), at);
            // The derivatives come from the float32 output, whose rounding is about 6e-8 of the logit's size (1e-3 at 1e4).
            float gradTolerance = (float)(2e-5 + 3e-8 * (Math.Abs((double)cases[i]!["parent"]!) + Math.Abs((double)cases[i]!["conditional"]!)));
            dParent[i].Should().BeApproximately((float)(double)cases[i]!["d_parent"]!, gradTolerance, at);
            dConditional[i].Should().BeApproximately((float)(double)cases[i]!["d_conditional"]!, gradTolerance, at);
        }
    }

    [Fact]
    public void The_naive_formula_fails_where_the_conjunction_stays_finite()
    {
        // Guards the reason for the log-space form: with both logits at 20, p1·p2 rounds to 1 in float32.
        var a = Tensor.FromArray([20f, 40f], 2, 1);
        var q = a.Sigmoid() * a.Sigmoid();
        var naive = (q.Log() - (1f - q).Log()).ToArray();
        naive.Should().OnlyContain(v => !float.IsFinite(v));
        var stable = TaskDependency.ConjunctionLogit(a, a).ToArray();
        stable[0].Should().BeApproximately(19.306853f, 1e-4f);
        stable[1].Should().BeApproximately(39.306853f, 1e-4f);
    }

    [Fact]
    public void Gradients_of_an_esmm_network_match_pytorch()
    {
        var golden = Golden()["esmm"]!;
        var g = new Generator(0);
        var inner = new HardSharingModel(new Sequential(new Linear(3, 4, generator: g), new Relu()), 4,
            [("ctr", 1, new Linear(4, 1, generator: g)), ("cvr", 1, new Linear(4, 1, generator: g))], inputSize: 3);
        var model = new CascadeModel(inner, [Esmm]);
        var parameters = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        var weights = golden["weights"]!.AsObject();
        parameters.Keys.Should().BeEquivalentTo(weights.Select(w => w.Key));
        foreach (var (name, w) in weights)
            Floats(w!["values"]!).CopyTo(parameters[name].AsSpan());
        int rows = (int)golden["rows"]!;
        var x = Tensor.FromArray(Floats(golden["x"]!), rows, 3);
        var click = Tensor.FromArray(Floats(golden["click"]!), rows, 1);
        var both = Tensor.FromArray(Floats(golden["ctcvr_label"]!), rows, 1);

        // ESMM's loss: ctr and ctcvr on every row, no loss of cvr's own.
        var outputs = model.Forward(x);
        var bce = new BceWithLogitsLoss();
        var loss = bce.Forward(outputs["ctr"], click) + bce.Forward(outputs["ctcvr"], both);
        loss.Backward();

        foreach (var task in new[] { "ctr", "cvr", "ctcvr" })
            outputs[task].ToArray().Should().BeEquivalentTo(Floats(golden[task]!), o => o.Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 2e-5f)).WhenTypeIs<float>(), task);
        loss.Item().Should().BeApproximately((float)(double)golden["loss"]!, 2e-5f);
        foreach (var (name, grad) in golden["grads"]!.AsObject())
            parameters[name].Grad!.ToArray().Should().BeEquivalentTo(Floats(grad!), o => o.Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 2e-5f)).WhenTypeIs<float>(), name);
    }

    [Fact]
    public void Parameter_gradients_of_a_chain_match_finite_differences()
    {
        // Central differences of Σ w·outputs, accumulated in float64; eps and tolerances as in the engine's finite-difference tests.
        const double eps = 1e-2, atol = 2e-3, rtol = 1e-2;
        var model = Chain();
        var x = Inputs(5, 8) * 2f;
        var weights = Tensor.Randn(new Generator(9), 5, model.TaskNames.Count);
        Tensor Objective() => (Tensor.Cat([.. model.Forward(x).Values], 1) * weights).Sum();

        var parameters = model.Parameters().ToList();
        var analytic = Autograd.Grad(Objective(), parameters);
        for (int p = 0; p < parameters.Count; p++)
        {
            var values = parameters[p].AsSpan();
            var expected = analytic[p]!.ToArray();
            for (int j = 0; j < values.Length; j++)
            {
                float original = values[j];
                double plus, minus;
                using (Autograd.NoGrad())
                {
                    parameters[p].AsSpan()[j] = original + (float)eps;
                    plus = Objective().Item();
                    parameters[p].AsSpan()[j] = original - (float)eps;
                    minus = Objective().Item();
                    parameters[p].AsSpan()[j] = original;
                }
                double numeric = (plus - minus) / (2 * eps);
                Math.Abs(numeric - expected[j]).Should().BeLessThanOrEqualTo(atol + rtol * Math.Abs(expected[j]), $"parameter {p}[{j}]");
            }
        }
    }

    [Fact]
    public void A_chain_of_three_multiplies_three_probabilities()
    {
        var model = Chain();
        var x = Inputs(6, 3);

        var outputs = model.Forward(x);

        model.TaskNames.Should().Equal("click", "cart", "purchase", "cart_all", "purchase_all");
        model.Dependencies.Select(d => d.Task).Should().Equal("cart_all", "purchase_all");
        var click = outputs["click"].ToArray();
        var cart = outputs["cart"].ToArray();
        var purchase = outputs["purchase"].ToArray();
        var cartAll = outputs["cart_all"].ToArray();
        var purchaseAll = outputs["purchase_all"].ToArray();
        for (int i = 0; i < 6; i++)
        {
            Sigmoid(cartAll[i]).Should().BeApproximately(Sigmoid(click[i]) * Sigmoid(cart[i]), 1e-6);
            Sigmoid(purchaseAll[i]).Should().BeApproximately(Sigmoid(click[i]) * Sigmoid(cart[i]) * Sigmoid(purchase[i]), 1e-6);
        }
        model.ForwardTask(x, "purchase_all").ToArray().Should().Equal(purchaseAll);
    }

    public static TheoryData<string> Views => ["esmm", "esmm-trained", "chain", "chain-joint-only", "chain-mixed"];

    private static CascadeModel View(string view) => view switch
    {
        "esmm" => new CascadeModel(Inner(1, "ctr", "cvr"), [Esmm]),
        "esmm-trained" => new CascadeModel(Inner(1, "ctr", "cvr"), [Esmm], ["ctr", "ctcvr"]),
        "chain" => Chain(),
        "chain-joint-only" => Chain(["click", "cart_all", "purchase_all"]),
        "chain-mixed" => Chain(["purchase_all", "cart"]),
        _ => throw new ArgumentOutOfRangeException(nameof(view)),
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void Shared_parameters_are_exactly_those_more_than_one_output_loss_reaches(string view)
    {
        var model = View(view);
        var x = Inputs(9, 5);
        var named = model.NamedParameters().ToList();
        // Which outputs' losses reach each parameter, measured by backpropagating each output separately.
        var reached = named.ToDictionary(p => p.Key, _ => new List<string>());
        foreach (var task in model.TaskNames)
        {
            var grads = Autograd.Grad(model.ForwardTask(x, task).Square().Sum(), [.. named.Select(p => (Tensor)p.Value)], allowUnused: true);
            for (int i = 0; i < named.Count; i++)
            {
                if (grads[i] is { } grad && grad.ToArray().Any(v => v != 0)) reached[named[i].Key].Add(task);
            }
        }

        ArchitectureTestUtil.ShouldPartitionParameters(model);
        model.NamedSharedParameters().Select(p => p.Key).Should().BeEquivalentTo(reached.Where(r => r.Value.Count > 1).Select(r => r.Key));
        foreach (var task in model.TaskNames)
            model.NamedTaskParameters(task).Select(p => p.Key).Should().BeEquivalentTo(reached.Where(r => r.Value is [var only] && only == task).Select(r => r.Key), task);
        reached.Values.Should().OnlyContain(r => r.Count > 0, "every parameter is reached by some output's loss");
    }

    [Fact]
    public void The_partition_of_esmm_moves_the_heads_as_the_outputs_say()
    {
        var full = View("esmm");
        full.NamedSharedParameters().Select(p => p.Key).Should().BeEquivalentTo(
            "inner.backbone.0.weight", "inner.backbone.0.bias", "inner.heads.ctr.weight", "inner.heads.ctr.bias", "inner.heads.cvr.weight", "inner.heads.cvr.bias");
        full.TaskNames.SelectMany(full.NamedTaskParameters).Should().BeEmpty();

        var trained = full.ForTasks(["ctr", "ctcvr"]);
        trained.NamedSharedParameters().Select(p => p.Key).Should().BeEquivalentTo(
            "inner.backbone.0.weight", "inner.backbone.0.bias", "inner.heads.ctr.weight", "inner.heads.ctr.bias");
        trained.NamedTaskParameters("ctcvr").Select(p => p.Key).Should().Equal("inner.heads.cvr.weight", "inner.heads.cvr.bias");
        trained.NamedTaskParameters("ctr").Should().BeEmpty();
        trained.Inner.Should().BeSameAs(full.Inner);
        trained.LastSharedParameters.Should().Equal(full.Inner.LastSharedParameters);
        ((Inner(1, "ctr", "cvr")).Penalty() is null).Should().BeTrue();
        trained.Penalty().Should().BeNull();
    }

    [Fact]
    public void The_penalty_is_the_inner_models()
    {
        var inner = SoftSharingModel.Create(new ModelInput(3, [("ctr", 1), ("cvr", 1)]), new SoftSharingOptions { Hidden = [4], Strength = 0.5 }, new Generator(2));
        var model = new CascadeModel(inner, [Esmm]);

        model.Penalty()!.Item().Should().Be(inner.Penalty().Item());
        model.LastSharedParameters.Should().BeEmpty();
        ArchitectureTestUtil.ShouldPartitionParameters(model);
    }

    [Fact]
    public void Invalid_dependencies_are_rejected_with_the_reason()
    {
        var inner = Inner(1, "ctr", "cvr");
        Action Build(params TaskDependency[] dependencies) => () => _ = new CascadeModel(inner, dependencies);

        Build().Should().Throw<ArgumentException>().WithMessage("*at least one dependency*");
        Build(TaskDependency.Conjunction("ctr", "cvr", "other")).Should().Throw<ArgumentException>().WithMessage("*'ctr' is also a task of the inner model*");
        Build(Esmm, TaskDependency.Conjunction("ctcvr", "cvr", "ctr")).Should().Throw<ArgumentException>().WithMessage("*'ctcvr' is derived by two dependencies*");
        Build(TaskDependency.Conjunction("ctcvr", "ctr", "cvt")).Should().Throw<ArgumentException>()
            .WithMessage("*'ctcvr' depends on 'cvt', which is neither*known tasks are: 'ctr', 'cvr', 'ctcvr'*");
        Build(TaskDependency.Conjunction("a", "b", "ctr"), TaskDependency.Conjunction("b", "c", "cvr"), TaskDependency.Conjunction("c", "a", "ctr"))
            .Should().Throw<ArgumentException>().WithMessage("*cycle: a → b → c → a*");

        var mixed = new HardSharingModel(new Linear(3, 4), 4, [("ctr", 1, new Linear(4, 1)), ("tags", 2, new Linear(4, 2))]);
        var widths = () => new CascadeModel(mixed, [TaskDependency.Conjunction("both", "ctr", "tags")]);
        widths.Should().Throw<ArgumentException>().WithMessage("*'ctr' (1 output(s)) by 'tags' (2 output(s))*same width*");

        var act = () => TaskDependency.Conjunction("ctr", "ctr", "cvr");
        act.Should().Throw<ArgumentException>().WithMessage("*own factors*");
        act = () => TaskDependency.Conjunction("x", "ctr", "ctr");
        act.Should().Throw<ArgumentException>().WithMessage("*both parent and conditional*");
        act = () => TaskDependency.Conjunction("a.b", "ctr", "cvr");
        act.Should().Throw<ArgumentException>().WithMessage("*contains '.'*");
    }

    [Fact]
    public void Outputs_must_be_known_unique_and_need_every_inner_task()
    {
        var model = new CascadeModel(Inner(1, "ctr", "cvr"), [Esmm]);

        model.Invoking(m => m.ForTasks(["ctr", "cvt"])).Should().Throw<ArgumentException>().WithMessage("*Output 'cvt' is not a task of the cascade*");
        model.Invoking(m => m.ForTasks(["ctr", "ctr", "ctcvr"])).Should().Throw<ArgumentException>().WithMessage("*'ctr' appears more than once*");
        model.Invoking(m => m.ForTasks(["ctr"])).Should().Throw<ArgumentException>().WithMessage("*Inner task 'cvr' is neither an output of the cascade nor a factor of one*");
        model.Invoking(m => m.ForTasks([])).Should().Throw<ArgumentException>();
        model.ForTasks(["ctcvr"]).TaskNames.Should().Equal("ctcvr");
        model.Invoking(m => m.ForwardTask(Inputs(2, 1), "nope")).Should().Throw<ArgumentException>().WithMessage("*Unknown task 'nope'*");
    }

    [Fact]
    public void Create_builds_the_inner_model_for_the_tasks_that_are_not_derived()
    {
        var input = new ModelInput(3, [("ctr", 1), ("ctcvr", 1), ("cvr", 1)]);
        var built = new List<ModelInput>();
        var model = CascadeModel.Create(input, new CascadeOptions
        {
            Dependencies = [Esmm],
            Inner = (i, g) =>
            {
                built.Add(i);
                return HardSharingModel.Create(i, new HardSharingOptions { Backbone = [6] }, g);
            },
        }, new Generator(3));

        built.Should().ContainSingle().Which.Tasks.Should().Equal(("ctr", 1), ("cvr", 1));
        model.TaskNames.Should().Equal("ctr", "ctcvr", "cvr");
        model.InputSize.Should().Be(3);
        model.Inner.Should().BeOfType<HardSharingModel>().Which.BackboneOutputSize.Should().Be(6);

        var appended = CascadeModel.Create(new ModelInput(3, [("ctr", 1), ("cvr", 1)]), new CascadeOptions { Dependencies = [Esmm] }, new Generator(3));
        appended.TaskNames.Should().Equal("ctr", "cvr", "ctcvr");
        appended.Inner.Should().BeOfType<HardSharingModel>().Which.BackboneOutputSize.Should().Be(64);

        var act = () => CascadeModel.Create(new ModelInput(3, [("ctr", 1), ("cvr", 1)]), new CascadeOptions());
        act.Should().Throw<ArgumentException>().WithMessage("*Dependencies is empty*");
        act = () => CascadeModel.Create(new ModelInput(3, [("ctr", 1), ("cvr", 1), ("ctcvr", 2)]), new CascadeOptions { Dependencies = [Esmm] });
        act.Should().Throw<ArgumentException>().WithMessage("*'ctcvr' has output size 2 in the input*");
        act = () => CascadeModel.Create(new ModelInput(3, [("ctcvr", 1)]), new CascadeOptions { Dependencies = [Esmm] });
        act.Should().Throw<ArgumentException>().WithMessage("*Every task of the input*derived*");
    }

    /// <summary>
    /// Impressions with a known structure: clicks depend on x1 only, conversions after a click on x2 only, so the
    /// conversion rate is learnable only from the product on the entire space.
    /// </summary>
    private static (MultiTaskDataset Data, double[] TrueCvr) Impressions(int rows, ulong seed)
    {
        var g = new Generator(seed);
        var features = new double[rows][];
        var ctr = new double[rows];
        var cvr = new double[rows];
        var ctcvr = new double[rows];
        var truth = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double x1 = g.NextNormal(), x2 = g.NextNormal();
            features[i] = [x1, x2];
            truth[i] = Sigmoid(1.5 * x2);
            bool click = g.NextDouble() < Sigmoid(2 * x1);
            bool convert = g.NextDouble() < truth[i];
            ctr[i] = click ? 1 : 0;
            cvr[i] = click ? (convert ? 1 : 0) : double.NaN;
            ctcvr[i] = click && convert ? 1 : 0;
        }
        var schema = new FeatureSchema().Numeric("x1").Numeric("x2");
        string[] inputs = ["x1", "x2"];
        var data = MultiTaskDataset.FromArrays(schema, [TaskSpec.Binary("ctr", inputs), TaskSpec.Binary("cvr", inputs), TaskSpec.Binary("ctcvr", inputs)],
            features, inputs, new Dictionary<string, double[]> { ["ctr"] = ctr, ["cvr"] = cvr, ["ctcvr"] = ctcvr });
        return (data, truth);
    }

    private static double CvrError(CascadeModel model, EncodedData data, double[] truth)
    {
        float[] predicted;
        using (Autograd.NoGrad()) predicted = model.ForwardTask(data.Features, "cvr").Sigmoid().ToArray();
        return predicted.Select((p, i) => Math.Abs(p - truth[i])).Average();
    }

    [Fact]
    public void The_trainer_trains_the_conditional_task_through_the_product_alone()
    {
        var (data, truth) = Impressions(2000, 11);
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        var cascade = CascadeModel.Create(ModelInput.From(encoder), new CascadeOptions
        {
            Dependencies = [Esmm],
            Inner = (i, g) => HardSharingModel.Create(i, new HardSharingOptions { Backbone = [16] }, g),
        }, new Generator(5));
        double before = CvrError(cascade, encoded, truth);

        // cvr is not an output of the trained view: its head learns from the ctcvr loss only.
        var trainer = new MultiTaskTrainer(cascade.ForTasks(["ctr", "ctcvr"]),
            new TrainerOptions { Epochs = 15, BatchSize = 100, Seed = 1, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        trainer.Fit(encoded);
        double after = CvrError(cascade, encoded, truth);

        after.Should().BeLessThan(0.06).And.BeLessThan(before / 3);
        var predictions = new MultiTaskTrainer(cascade).Predict(encoded);
        var ctr = predictions["ctr"].ToArray();
        var cvr = predictions["cvr"].ToArray();
        var ctcvr = predictions["ctcvr"].ToArray();
        for (int i = 0; i < ctr.Length; i++) ctcvr[i].Should().BeApproximately(ctr[i] * cvr[i], 1e-6f);
    }

    [Fact]
    public void A_conditional_task_of_weight_zero_trains_as_if_it_were_not_an_output()
    {
        var (data, _) = Impressions(600, 13);
        var weighted = MultiTaskDataset.FromArrays(data.Schema, [.. data.Tasks.Select(t => t.Name == "cvr" ? t with { Weight = 0 } : t)],
            [.. Enumerable.Range(0, data.RowCount).Select(r => new[] { data.NumericValues("x1")[r], data.NumericValues("x2")[r] })], ["x1", "x2"],
            data.Tasks.ToDictionary(t => t.Name, t => data.TargetValues(t.Name).ToArray()));
        var encoder = FeatureEncoder.Fit(data);
        CascadeModel Build() => CascadeModel.Create(ModelInput.From(encoder), new CascadeOptions
        {
            Dependencies = [Esmm],
            Inner = (i, g) => HardSharingModel.Create(i, new HardSharingOptions { Backbone = [8] }, g),
        }, new Generator(7));
        var options = () => new TrainerOptions { Epochs = 3, BatchSize = 50, Seed = 2, Optimizer = new AdamOptions { LearningRate = 1e-2 } };

        // cvr is labelled on clicked rows: with weight 0 the trainer measures it there but trains nothing on it, so the whole
        // cascade learns exactly what the view without cvr learns.
        var whole = Build();
        var report = new MultiTaskTrainer(whole, options()).Fit(FeatureEncoder.Fit(weighted).Transform(weighted));
        var view = Build();
        new MultiTaskTrainer(view.ForTasks(["ctr", "ctcvr"]), options()).Fit(encoder.Transform(data));

        report.History[^1].Values.Keys.Should().Contain("loss.cvr");
        foreach (var (name, p) in whole.NamedParameters())
            p.ToArray().Should().Equal(view.NamedParameters().Single(q => q.Key == name).Value.ToArray(), name);
    }

    [Fact]
    public void A_saved_cascade_predicts_every_output_bit_for_bit()
    {
        var (data, _) = Impressions(300, 12);
        var encoder = FeatureEncoder.Fit(data);
        var cascade = CascadeModel.Create(ModelInput.From(encoder), new CascadeOptions
        {
            Dependencies = [Esmm],
            Inner = (i, g) => HardSharingModel.Create(i, new HardSharingOptions { Backbone = [8], Head = [4] }, g),
        }, new Generator(6));
        new MultiTaskTrainer(cascade.ForTasks(["ctr", "ctcvr"]), new TrainerOptions { Epochs = 2, BatchSize = 64, Seed = 1 }).Fit(encoder.Transform(data));
        var expected = new MultiTaskTrainer(cascade).Predict(encoder.Transform(data));

        string path = Path.Combine(_dir, "esmm.mtmodel");
        ModelFile.Save(path, cascade, encoder);
        var predictor = ModelFile.Load(path);
        var loaded = ModelFile.LoadModel(path).Model.Should().BeOfType<CascadeModel>().Subject;

        predictor.TaskNames.Should().Equal("ctr", "cvr", "ctcvr");
        Saving.SavingFixture.ShouldBeBitIdentical(predictor.Predict(data), expected);
        loaded.Dependencies.Should().Equal(cascade.Dependencies);
        loaded.Inner.Should().BeOfType<HardSharingModel>();
    }

    private static float[] Floats(JsonNode node) => [.. node.AsArray().Select(v => (float)(double)v!)];
}
