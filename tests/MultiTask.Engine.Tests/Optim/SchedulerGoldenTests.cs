using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.Optim;

/// <summary>Thirty steps of every learning-rate scheduler against torch.optim.lr_scheduler.</summary>
public class SchedulerGoldenTests
{
    private const string File = "optim_schedulers.json";

    public static IEnumerable<object[]> Cases() => Golden.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Schedule_MatchesPyTorch(string name)
    {
        var c = Golden.Case(File, name);
        var optimizer = NewOptimizer((string)c["optimizer"]!);
        var o = c["options"]!;
        var lrs = c["lrs"]!.AsArray();
        var momenta = c["momenta"]!.AsArray();
        var metrics = c["metrics"] as JsonArray;

        LRScheduler? scheduler = null;
        ReduceLROnPlateau? plateau = null;
        if ((string)c["scheduler"]! == "ReduceLROnPlateau") plateau = NewPlateau(optimizer, o);
        else scheduler = NewScheduler((string)c["scheduler"]!, optimizer, o);

        Check(optimizer, lrs[0]!, momenta[0]!, $"{name} after construction");
        for (int step = 1; step < lrs.Count; step++)
        {
            optimizer.Step();
            if (plateau is not null) plateau.Step((double)metrics![step - 1]!);
            else scheduler!.Step();
            if (scheduler is OneCycleLR oneCycle && step == oneCycle.TotalSteps)
                Check(optimizer, lrs[step - 1]!, momenta[step - 1]!, $"{name} holds the end of the cycle on the extra step");
            else
                Check(optimizer, lrs[step]!, momenta[step]!, $"{name} step {step}");
            var last = plateau?.GetLastLr() ?? scheduler!.GetLastLr();
            last.Should().Equal(optimizer.ParamGroups.Select(g => g.LearningRate));
        }
        if (scheduler is not null) scheduler.LastEpoch.Should().Be(lrs.Count - 1);
    }

    internal static Optimizer NewOptimizer(string kind)
    {
        var groups = new[] { new ParamGroup([Tensor.Zeros(2)]), new ParamGroup([Tensor.Zeros(3)], learningRate: 0.05) };
        return kind == "sgd"
            ? new Sgd(groups, new SgdOptions { LearningRate = 0.1, Momentum = 0.9 })
            : new Adam(groups, new AdamOptions { LearningRate = 0.1 });
    }

    private static void Check(Optimizer optimizer, JsonNode lrs, JsonNode momenta, string what)
    {
        for (int g = 0; g < optimizer.ParamGroups.Count; g++)
        {
            var group = optimizer.ParamGroups[g];
            double lr = (double)lrs[g]!;
            group.LearningRate.Should().BeApproximately(lr, 1e-12 * Math.Abs(lr) + 1e-15, $"{what}: lr of group {g}");
            double m = (double)momenta[g]!;
            double actual = optimizer.MomentumKind == MomentumKind.Beta1 ? group.Betas.Beta1 : group.Momentum;
            actual.Should().BeApproximately(m, 1e-12, $"{what}: momentum of group {g}");
        }
    }

    private static LRScheduler NewScheduler(string kind, Optimizer optimizer, JsonNode o)
    {
        double D(string key, double fallback) => o[key] is { } v ? (double)v : fallback;
        int I(string key, int fallback) => o[key] is { } v ? (int)v : fallback;
        return kind switch
        {
            "StepLR" => new StepLR(optimizer, I("step_size", 0), D("gamma", 0.1)),
            "MultiStepLR" => new MultiStepLR(optimizer, o["milestones"]!.AsArray().Select(m => (int)m!), D("gamma", 0.1)),
            "ExponentialLR" => new ExponentialLR(optimizer, D("gamma", 0)),
            "CosineAnnealingLR" => new CosineAnnealingLR(optimizer, I("T_max", 0), D("eta_min", 0)),
            "LinearLR" => new LinearLR(optimizer, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters", 5)),
            "OneCycleLR" => new OneCycleLR(optimizer,
                o["max_lr"] is JsonArray a ? a.Select(x => (double)x!).ToArray() : Enumerable.Repeat((double)o["max_lr"]!, optimizer.ParamGroups.Count).ToArray(),
                I("total_steps", 0), D("pct_start", 0.3),
                (string?)o["anneal_strategy"] == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos,
                o["cycle_momentum"] is { } cm ? (bool)cm : true, D("base_momentum", 0.85), D("max_momentum", 0.95),
                D("div_factor", 25), D("final_div_factor", 1e4), o["three_phase"] is { } tp && (bool)tp),
            _ => throw new ArgumentException(kind),
        };
    }

    private static ReduceLROnPlateau NewPlateau(Optimizer optimizer, JsonNode o) => new(optimizer,
        (string?)o["mode"] == "max" ? PlateauMode.Max : PlateauMode.Min,
        o["factor"] is { } f ? (double)f : 0.1,
        o["patience"] is { } p ? (int)p : 10,
        o["threshold"] is { } t ? (double)t : 1e-4,
        (string?)o["threshold_mode"] == "abs" ? ThresholdMode.Absolute : ThresholdMode.Relative,
        o["cooldown"] is { } c ? (int)c : 0,
        o["min_lr"] is { } m ? (double)m : 0);
}
