using System.IO.Compression;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Saving;
using MultiTask.Testing;
using Xunit.Abstractions;

namespace MultiTask.Tests.Saving;

/// <summary>
/// Mutated model files through <see cref="ModelFile.Load"/> and <see cref="Predictor.PredictCsv"/>. One entry is mutated at a
/// time and the manifest's sizes and hashes are recomputed, as a hostile writer would, so that the inputs reach the entry's own
/// reader instead of stopping at the hash check; the whole container is mutated too. Each input loads and predicts, or is
/// rejected with the documented exception: InvalidDataException from Load; InvalidDataException or ArgumentException from
/// PredictCsv when the loaded schema no longer fits the rows. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public sealed class ModelFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Entries =
        ["manifest.json", "schema.json", "tasks.json", "model.json", "parts/0/encoder.json", "parts/0/members/0.safetensors"];

    private static readonly string[] Tokens =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "1e308", "-1e308", "1e309", "5e-324", "\"NaN\"", "\"Infinity\"", "[]", "{}", "[null]",
        "2147483647", "-2147483648", "99999999999999999999", "\"Linear\"", "\"Sequential\"", "\"Relu\"", "\"Regression\"", "\"Multiclass\"",
        "\"Categorical\"", "\"Numeric\"", "\"x1\"", "\"shop\"", "\"price\"", "[0,0]", "[1,2147483647]", ",", ":", "\"",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-modelfile-fuzz").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Model, string Csv, Dictionary<string, byte[]> Original) Saved()
    {
        var data = SavingFixture.Dataset(40);
        var encoder = FeatureEncoder.Fit(data);
        string model = Path.Combine(_dir, "model.mtmodel"), csv = Path.Combine(_dir, "rows.csv");
        ModelFile.Save(model, ModelFileTests.Build("hard", encoder), encoder);
        SavingFixture.WriteCsv(SavingFixture.RawTable(8, seed: 2), csv);
        return (model, csv, SavingFixture.ReadEntries(model));
    }

    private static void LoadAndPredict(string model, string csv) => ModelFile.Load(model).PredictCsv(csv);

    private static bool Documented(Exception e) =>
        e.GetType() == typeof(InvalidDataException)
        // Rows the loaded encoder cannot encode (e.g. a mutated scale that puts them out of float range); calls may be inlined, so
        // the stack names Predict or the encoder's Transform rather than PredictCsv.
        || e.GetType() == typeof(ArgumentException) && (e.StackTrace!.Contains(nameof(Predictor.Predict)) || e.StackTrace.Contains(nameof(FeatureEncoder.Transform)));

    [Fact]
    public void The_file_holds_the_entries_fuzzed_here() => Saved().Original.Keys.Should().BeEquivalentTo(Entries);

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("schema.json")]
    [InlineData("tasks.json")]
    [InlineData("model.json")]
    [InlineData("parts/0/encoder.json")]
    [InlineData("parts/0/members/0.safetensors")]
    public void A_mutated_entry_with_a_matching_manifest_loads_or_is_rejected_as_documented(string entry)
    {
        var (model, csv, original) = Saved();
        LoadAndPredict(model, csv);
        var report = Fuzzer.Run($"model file entry {entry}", seed: 20261201, inputs: 400,
            random => Fuzzer.Mutate(random, [original[entry]], Tokens),
            input =>
            {
                var entries = new Dictionary<string, byte[]>(original) { [entry] = input };
                SavingFixture.WriteEntries(model, entries, fixManifest: entry != "manifest.json");
                LoadAndPredict(model, csv);
            }, Documented);
        output.WriteLine(report.ToString());
        report.Failures.Should().BeEmpty(report.ToString());
        report.Rejected.Should().BeGreaterThan(report.Tried / 10, "most mutations break the entry");
    }

    [Fact]
    public void A_mutated_container_loads_or_is_rejected_as_documented()
    {
        var (model, csv, _) = Saved();
        byte[] file = File.ReadAllBytes(model);
        var report = Fuzzer.Run("model file container", seed: 20261201, inputs: 400,
            random => Fuzzer.Mutate(random, [file], Tokens),
            input =>
            {
                File.WriteAllBytes(model, input);
                LoadAndPredict(model, csv);
            }, Documented);
        output.WriteLine(report.ToString());
        report.Failures.Should().BeEmpty(report.ToString());
    }
}
