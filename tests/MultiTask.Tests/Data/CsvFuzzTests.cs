using System.Text;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;
using MultiTask.Testing;
using Xunit.Abstractions;

namespace MultiTask.Tests.Data;

/// <summary>
/// Mutated CSV files through Table.FromCsv, MultiTaskDataset.FromTable and the encoder: each is read, or
/// rejected with the documented InvalidDataException / ArgumentException; an accepted file encodes to
/// finite values. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public class CsvFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Corpus =
    [
        "a,b,c,y,z\n1,2,u,10,1\n2,3.5,v,11,0\n3,-4e2,u,12.5,1\n4,NA,,13,true\n5,6,v,,false\n",
        "a,b,c,y,z\n\"1\",\" 2 \",\"u\",\"1e3\",\"0\"\n0.5,0.25,v,-3,1\n",
        "y,a,c,b,z\n1,2,u,3,0\n1,2,u,3,1\n1,2,u,3,0\n",
        "a,b,c,y,z,extra\n1e-13,2e-13,u,1e-30,1,x\n3e-13,1e300,v,2e-30,0,y\n-1e300,5,u,3e-30,1,z\n",
        "a,b,c,y,z\n1,2,\"u,v\",3,1\n",
        "a,b,c,y,z\r\n1,2,u,3,1\r\n4,5,v,6,0\r\n",
    ];

    private static readonly string[] Tokens =
    [
        ",", "\"", "\n", "\r\n", "\"\"", "NA", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e308", "-1e308", "1e309", "1.7976931348623157e308",
        "4.9e-324", "1e-300", "-0", "0x10", "1,000", "1_000", "true", "false", "u", "v", "w", "", " ", "\t", "a", "b", "c", "y", "z",
        "99999999999999999999999999", "\u00e9", "\ufeff", "\0", "\"a\"\"b\"",
    ];

    private static FeatureSchema Schema() => new FeatureSchema().Numeric("a").Numeric("b", NumericEncoding.Robust).Categorical("c", "u", "v");

    private static TaskSpec[] Tasks() => [TaskSpec.Regression("y", ["a", "b", "c"]), TaskSpec.Binary("z", ["a", "c"])];

    private static void Read(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var table = Table.FromCsv(new StringReader(text), "fuzz.csv");
        var data = MultiTaskDataset.FromTable(Schema(), Tasks(), table);
        FeatureEncoder encoder;
        try
        {
            encoder = FeatureEncoder.Fit(data);
        }
        catch (Exception e) when (e.GetType() == typeof(InvalidOperationException))
        {
            // Documented by FeatureEncoder.Fit: a numeric feature with no training values.
            throw new InvalidDataException(e.Message, e);
        }
        var encoded = encoder.Transform(data);
        foreach (float v in encoded.Features.ToArray())
            if (!float.IsFinite(v)) throw new FuzzInvariantException($"an accepted file encoded to {v}");
        for (int t = 0; t < encoded.Tasks.Count; t++)
            foreach (float v in encoded.Targets(t).ToArray())
                if (!float.IsFinite(v)) throw new FuzzInvariantException($"an accepted file encoded a target of task {encoded.Tasks[t].Name} to {v}");
    }

    private static bool Documented(Exception e) => e.GetType() == typeof(InvalidDataException) || e.GetType() == typeof(ArgumentException);

    [Fact]
    public void Mutated_csv_files_are_read_or_rejected_with_a_documented_exception()
    {
        var corpus = Corpus.Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var seed in corpus) Read(seed);
        var report = Fuzzer.Run("CSV", seed: 20261201, inputs: 3000, random => Fuzzer.Mutate(random, corpus, Tokens), Read, Documented);
        output.WriteLine(report.ToString());
        report.Failures.Should().BeEmpty(report.ToString());
        report.Accepted.Should().BeGreaterThan(report.Tried / 20, "the mutations must keep enough files valid to reach the dataset and the encoder");
        report.Rejected.Should().BeGreaterThan(report.Tried / 20);
    }
}
