using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

/// <summary>
/// MMoE, CGC, two-level PLE and DSelect-k MMoE against an independent float64 PyTorch implementation of the papers
/// (tests/reference/make_architecture_goldens.py): the same weights, loaded by name, must give the same outputs and the
/// same gradient of every parameter.
/// </summary>
public class ExpertGoldenTests
{
    private static JsonNode Golden() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Goldens", "architectures.json")))!;

    public static TheoryData<string> Cases() => [.. Golden()["cases"]!.AsArray().Select(c => (string)c!["name"]!)];

    private static MultiTaskModel Build(string name, ModelInput input) => name switch
    {
        "mmoe" => MmoeModel.Create(input, new MmoeOptions { Experts = 3, ExpertHidden = [6, 4], TowerHidden = [3] }),
        "cgc" => PleModel.Create(input, new PleOptions { Levels = 1, SharedExperts = 2, TaskExperts = 1, ExpertHidden = [4], TowerHidden = [] }),
        "ple" => PleModel.Create(input, new PleOptions { Levels = 2, SharedExperts = 2, TaskExperts = 2, ExpertHidden = [4], TowerHidden = [3] }),
        "mmoe_dselectk" => MmoeModel.Create(input, new MmoeOptions
        {
            Experts = 5, ExpertHidden = [4], TowerHidden = [], Gate = ExpertGateKind.DSelectK,
            DSelectK = new DSelectKOptions { SelectedExperts = 2, Gamma = 1.0, EntropyStrength = 0.1 },
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static float[] Floats(JsonNode node) => [.. node.AsArray().Select(v => (float)(double)v!)];

    private static void ShouldMatch(float[] actual, float[] expected, string what)
    {
        actual.Should().HaveCount(expected.Length, what);
        float scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            actual[i].Should().BeApproximately(expected[i], 2e-5f * (Math.Abs(expected[i]) + scale) + 1e-7f, $"{what}[{i}]");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Outputs_and_gradients_match_the_reference(string name)
    {
        var golden = Golden();
        var c = golden["cases"]!.AsArray().Single(n => (string)n!["name"]! == name)!;
        var tasks = golden["tasks"]!.AsArray().Select(t => ((string)t!["name"]!, (int)t["output_size"]!)).ToList();
        int rows = (int)c["rows"]!, features = (int)c["features"]!;
        var model = Build(name, new ModelInput(features, tasks));

        var parameters = c["parameters"]!.AsObject();
        model.StateDict().Keys.Should().BeEquivalentTo(parameters.Select(p => p.Key), "the reference names every parameter as the model does");
        model.LoadStateDict(parameters.ToDictionary(p => p.Key, p => Tensor.FromArray(Floats(p.Value!["values"]!), [.. p.Value!["shape"]!.AsArray().Select(s => (int)s!)])));

        var outputs = model.Forward(Tensor.FromArray(Floats(c["input"]!), rows, features));
        foreach (var (task, expected) in c["outputs"]!.AsObject())
            ShouldMatch(outputs[task].ToArray(), Floats(expected!), $"output {task}");

        var loss = outputs.Values.Select(y => y.Square().Sum()).Aggregate((a, b) => a + b);
        if (c["penalty"] is JsonNode penalty)
        {
            var p = model.Penalty()!;
            p.Item().Should().BeApproximately((float)(double)penalty, 1e-5f * Math.Abs((float)(double)penalty));
            loss = loss + p;
        }
        else
        {
            model.Penalty().Should().BeNull();
        }
        loss.Item().Should().BeApproximately((float)(double)c["loss"]!, 1e-5f * Math.Abs((float)(double)c["loss"]!));
        loss.Backward();

        var named = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (parameter, expected) in c["gradients"]!.AsObject())
            ShouldMatch(named[parameter].Grad!.ToArray(), Floats(expected!), $"gradient of {parameter}");
    }
}
