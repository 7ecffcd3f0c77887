using System.Text.Json.Nodes;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.Losses;

/// <summary>Every loss, reduction and option against PyTorch: output and gradients.</summary>
public class LossGoldenTests
{
    private const string Classification = "losses_classification.json";
    private const string Regression = "losses_regression.json";

    public static IEnumerable<object[]> ClassificationCases => Golden.CaseNames(Classification);

    public static IEnumerable<object[]> RegressionCases => Golden.CaseNames(Regression);

    private static Reduction ParseReduction(JsonNode kwargs) => (string)kwargs["reduction"]! switch
    {
        "none" => Reduction.None,
        "sum" => Reduction.Sum,
        _ => Reduction.Mean,
    };

    private static Tensor? Opt(JsonNode kwargs, string key) => kwargs[key] is { } n ? Golden.ToTensor(n) : null;

    private static Loss Make(string name, JsonNode k)
    {
        var r = ParseReduction(k);
        float F(string key, float fallback) => k[key] is { } n ? (float)(double)n : fallback;
        string kind = name.Split('_')[0];
        return name switch
        {
            _ when name.StartsWith("mse", StringComparison.Ordinal) => new MseLoss(r),
            _ when name.StartsWith("l1", StringComparison.Ordinal) => new L1Loss(r),
            _ when name.StartsWith("smooth_l1", StringComparison.Ordinal) => new SmoothL1Loss(F("beta", 1f), r),
            _ when name.StartsWith("huber", StringComparison.Ordinal) => new HuberLoss(F("delta", 1f), r),
            _ when name.StartsWith("bce_logits", StringComparison.Ordinal) => new BceWithLogitsLoss(Opt(k, "weight"), Opt(k, "pos_weight"), r),
            _ when name.StartsWith("bce", StringComparison.Ordinal) => new BceLoss(Opt(k, "weight"), r),
            _ when name.StartsWith("ce_", StringComparison.Ordinal) => new CrossEntropyLoss(Opt(k, "class_weights"), (int)F("ignore_index", -100), F("label_smoothing", 0f), r),
            _ when name.StartsWith("nll", StringComparison.Ordinal) => new NllLoss(Opt(k, "class_weights"), (int)F("ignore_index", -100), r),
            _ when name.StartsWith("gaussian_nll", StringComparison.Ordinal) => new GaussianNllLoss(k["full"] is { } f && (bool)f, F("eps", 1e-6f), r),
            _ when name.StartsWith("poisson", StringComparison.Ordinal) => new PoissonNllLoss(k["log_input"] is not { } li || (bool)li, k["full"] is { } pf && (bool)pf, F("eps", 1e-8f), r),
            _ => throw new ArgumentException($"unknown loss case {name} ({kind})"),
        };
    }

    [Theory]
    [MemberData(nameof(ClassificationCases))]
    public void Classification_MatchesPyTorch(string name) => Check(Classification, name);

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void Regression_MatchesPyTorch(string name) => Check(Regression, name);

    private static void Check(string file, string name)
    {
        var c = Golden.Case(file, name);
        var loss = Make(name, c["kwargs"]!);
        var input = Golden.ToTensor(c["input"]!, requiresGrad: true);
        var target = Golden.ToTensor(c["target"]!, requiresGrad: c["grad_target"] is not null);
        Tensor? extra = c["extra"] is { } e ? Golden.ToTensor(e, requiresGrad: true) : null;

        var output = loss is GaussianNllLoss g ? g.Forward(input, target, extra!) : loss.Forward(input, target);

        Golden.AssertClose(output, c["output"]!, $"{name} output");
        output.Backward(Golden.ToTensor(c["grad_output"]!));
        Golden.AssertClose(input.Grad!, c["grad_input"]!, $"{name} grad input", atol: 1e-5);
        if (extra is not null) Golden.AssertClose(extra.Grad!, c["grad_extra"]!, $"{name} grad extra", atol: 1e-5);
        if (c["grad_target"] is { } gt) Golden.AssertClose(target.Grad!, gt, $"{name} grad target", atol: 1e-5);
    }
}
