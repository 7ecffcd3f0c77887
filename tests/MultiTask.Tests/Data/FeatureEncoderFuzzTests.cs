using System.Text;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;
using MultiTask.Testing;
using Xunit.Abstractions;

namespace MultiTask.Tests.Data;

/// <summary>
/// Mutated encoder files through FeatureEncoder.Load: each loads, or is rejected with the documented
/// InvalidDataException; a loaded encoder encodes the training data to finite values or refuses it with
/// the documented ArgumentException. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public sealed class FeatureEncoderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"encoder-fuzz-{Guid.NewGuid():N}.json");

    private static readonly string[] Tokens =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "1e308", "-1e308", "1e309", "5e-324", "1e-300", "\"NaN\"", "\"Infinity\"", "[]", "{}", "[null]",
        "[1,0]", "[0,0]", "[1e308,-1e308]", "\"Standard\"", "\"Robust\"", "\"Quantile\"", "\"PiecewiseLinear\"", "\"YeoJohnson\"", "\"Log\"", "\"None\"",
        "\"Numeric\"", "\"Categorical\"", "\"Regression\"", "\"Binary\"", "2147483647", "-2147483648", "99999999999999999999", "\"x\"", "\"c\"", ",", ":", "\"",
    ];

    private static FeatureSchema Schema() => new FeatureSchema()
        .Numeric("x").Numeric("r", NumericEncoding.Robust).Numeric("q", NumericEncoding.Quantile)
        .Numeric("p", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 3 }).Numeric("l", new NumericOptions { Log = true })
        .Categorical("c", "u", "v");

    private static TaskSpec[] Tasks() =>
    [
        TaskSpec.Regression("y", ["x", "r", "q", "p", "l", "c"]),
        TaskSpec.Regression("w", ["x", "c"]) with { TargetTransform = TargetTransform.YeoJohnson },
        TaskSpec.Binary("z", ["x"]),
    ];

    private static MultiTaskDataset Data() => MultiTaskDataset.FromTable(Schema(), Tasks(), new Table("train")
        .Add("x", [1.0, 2, -1, 4, 0.5]).Add("r", [2.0, 3, 0, 8, 0.25]).Add("q", [3.0, 5, 1, 16, 0.125]).Add("p", [4.0, 7, 2, 32, 1])
        .Add("l", [5.0, 11, 0, 64, 2]).Add("c", ["u", "v", null, "u", "v"])
        .Add("y", [1.0, 2, 3, 4, 5]).Add("w", [-2.0, 0, 3, double.NaN, 10]).Add("z", [0.0, 1, 1, 0, double.NaN]));

    private void Load(byte[] input, MultiTaskDataset data)
    {
        File.WriteAllBytes(_path, input);
        var encoder = FeatureEncoder.Load(_path, Schema(), Tasks());
        var encoded = encoder.Transform(data);
        foreach (float v in encoded.Features.ToArray())
            if (!float.IsFinite(v)) throw new FuzzInvariantException($"a loaded encoder encoded the training data to {v}");
    }

    [Fact]
    public void Mutated_encoder_files_load_or_are_rejected_with_InvalidDataException()
    {
        var data = Data();
        FeatureEncoder.Fit(data).Save(_path);
        byte[][] corpus = [File.ReadAllBytes(_path)];
        Load(corpus[0], data);
        var report = Fuzzer.Run("FeatureEncoder", seed: 20261201, inputs: 1500, random => Fuzzer.Mutate(random, corpus, Tokens), input => Load(input, data),
            e => e.GetType() == typeof(InvalidDataException) || e.GetType() == typeof(ArgumentException) && e.StackTrace!.Contains(nameof(FeatureEncoder.Transform)));
        output.WriteLine(report.ToString());
        report.Failures.Should().BeEmpty(report.ToString());
        report.Accepted.Should().BeGreaterThan(report.Tried / 50);
        report.Rejected.Should().BeGreaterThan(report.Tried / 4);
    }

    [Fact]
    public void Names_and_parser_errors_from_a_hostile_file_are_shortened_in_messages()
    {
        FeatureEncoder.Fit(Data()).Save(_path);
        string text = File.ReadAllText(_path);
        File.WriteAllText(_path, text.Replace("\"Name\": \"x\"", "\"Name\": \"" + new string('x', 50_000) + "\""));
        FluentActions.Invoking(() => FeatureEncoder.Load(_path, Schema(), Tasks())).Should().Throw<InvalidDataException>()
            .Which.Message.Length.Should().BeLessThan(2000);
        File.WriteAllText(_path, text.Replace("\"Mean\": ", "\"Mean\": t" + new string('t', 50_000)));
        FluentActions.Invoking(() => FeatureEncoder.Load(_path, Schema(), Tasks())).Should().Throw<InvalidDataException>()
            .Which.Message.Length.Should().BeLessThan(2000);
    }

    public void Dispose() => File.Delete(_path);
}
