using System.Text.Json.Nodes;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.Optim;

/// <summary>Ten steps of every optimizer and option against torch.optim (foreach=False), with fixed gradients.</summary>
public class OptimizerGoldenTests
{
    public static IEnumerable<object[]> Cases() =>
        new[] { "sgd", "adam", "adamw", "rmsprop", "adagrad" }
            .SelectMany(kind => Golden.CaseNames($"optim_{kind}.json").Select(c => new object[] { kind, c[0] }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_MatchesPyTorch(string kind, string name)
    {
        var root = Golden.Load($"optim_{kind}.json");
        var c = Golden.Case($"optim_{kind}.json", name);
        var parameters = root["params"]!.AsArray().Select(p => Golden.ToTensor(p!, requiresGrad: true)).ToArray();
        var optimizer = Create(kind, parameters, c["options"]!, c["groups"]);
        var grads = root["grads"]!.AsArray();
        var after = c["after"]!.AsArray();
        for (int step = 0; step < grads.Count; step++)
        {
            var row = grads[step]!.AsArray();
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].Grad = row[i] is null ? null : Golden.ToTensor(row[i]!);
            optimizer.Step();
            var expected = after[step]!.AsArray();
            for (int i = 0; i < parameters.Length; i++)
                Golden.AssertClose(parameters[i], expected[i]!, $"{name} step {step + 1} param {i}");
        }
    }

    internal static Optimizer Create(string kind, Tensor[] parameters, JsonNode o, JsonNode? groupsNode)
    {
        double D(string key, double fallback) => o[key] is { } v ? (double)v : fallback;
        bool B(string key) => o[key] is { } v && (bool)v;
        (double, double) betas = o["betas"] is JsonArray b ? ((double)b[0]!, (double)b[1]!) : (0.9, 0.999);

        IEnumerable<ParamGroup> groups = groupsNode is JsonArray ga
            ? ga.Select(g => new ParamGroup(
                g!["params"]!.AsArray().Select(i => parameters[(int)i!]),
                learningRate: g["lr"] is { } lr ? (double)lr : null,
                weightDecay: g["weight_decay"] is { } wd ? (double)wd : null)).ToArray()
            : [new ParamGroup(parameters)];

        return kind switch
        {
            "sgd" => new Sgd(groups, new SgdOptions
            {
                LearningRate = D("lr", 0), Momentum = D("momentum", 0), Dampening = D("dampening", 0),
                WeightDecay = D("weight_decay", 0), Nesterov = B("nesterov"), Maximize = B("maximize"),
            }),
            "adam" => new Adam(groups, new AdamOptions
            {
                LearningRate = D("lr", 1e-3), Betas = betas, Eps = D("eps", 1e-8), WeightDecay = D("weight_decay", 0),
                Amsgrad = B("amsgrad"), Maximize = B("maximize"),
            }),
            "adamw" => new AdamW(groups, new AdamWOptions
            {
                LearningRate = D("lr", 1e-3), Betas = betas, Eps = D("eps", 1e-8), WeightDecay = D("weight_decay", 1e-2),
                Amsgrad = B("amsgrad"), Maximize = B("maximize"),
            }),
            "rmsprop" => new RmsProp(groups, new RmsPropOptions
            {
                LearningRate = D("lr", 1e-2), Alpha = D("alpha", 0.99), Eps = D("eps", 1e-8), WeightDecay = D("weight_decay", 0),
                Momentum = D("momentum", 0), Centered = B("centered"), Maximize = B("maximize"),
            }),
            "adagrad" => new Adagrad(groups, new AdagradOptions
            {
                LearningRate = D("lr", 1e-2), LearningRateDecay = D("lr_decay", 0), WeightDecay = D("weight_decay", 0),
                InitialAccumulatorValue = D("initial_accumulator_value", 0), Eps = D("eps", 1e-10), Maximize = B("maximize"),
            }),
            _ => throw new ArgumentException(kind),
        };
    }
}
