using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Testing;
using Xunit.Abstractions;
using static MultiTask.Engine.Tests.Serialization.SafeTensorsTestData;

namespace MultiTask.Engine.Tests.Serialization;

/// <summary>
/// Mutated safetensors files, from a seekable and a forward-only stream: each loads, or is rejected with
/// the documented InvalidDataException, within a bounded allocation. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public class SafeTensorsFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I64\"", "\"I32\"", "\"U8\"", "\"BOOL\"", "\"F8_E4M3\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"",
        "\"__metadata__\"", "[]", "[0]", "[1]", "[0,0]", "[2147483647]", "[4294967296]", "[-1]", "1e3", "0", "-0", "18446744073709551615", "9223372036854775807",
        "null", "true", "{}", ",", ":", "\"", "\\u0000", "\\ud800", "\"w\"", "{\"a\":1}",
    ];

    private static byte[][] Corpus()
    {
        var g = new Generator(11);
        var files = new List<byte[]>
        {
            SafeTensors.Serialize(new Dictionary<string, Tensor> { ["w"] = Tensor.Randn(g, 2, 3), ["b"] = Tensor.Randn(g, 3) }),
            SafeTensors.Serialize(new Dictionary<string, Tensor> { ["scalar"] = Tensor.Scalar(1.5f), ["empty"] = Tensor.Zeros(0, 4) },
                new Dictionary<string, string> { ["format"] = "pt", ["note"] = "x" }),
            Build("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]}}", new byte[12]),
            Build("{\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[0,4]},\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[4,7]}}", new byte[7]),
            Build("{" + F32("w", "[2]", 0, 8) + "}", Floats(1, 2)),
        };
        return [.. files];
    }

    /// <summary>Mutates either the whole file or only its JSON header, keeping the length prefix right, so that many inputs reach the entry checks.</summary>
    private static byte[] Generate(Random random, byte[][] corpus)
    {
        if (random.Next(3) == 0) return Fuzzer.Mutate(random, corpus, Tokens);
        var file = corpus[random.Next(corpus.Length)];
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var headers = corpus.Select(f => f.AsSpan(8, (int)BinaryPrimitives.ReadUInt64LittleEndian(f)).ToArray()).ToArray();
        var header = Fuzzer.Mutate(random, [file.AsSpan(8, headerLength).ToArray(), .. headers], Tokens);
        var data = file.AsSpan(8 + headerLength).ToArray();
        if (random.Next(4) == 0) data = Fuzzer.Mutate(random, [data], Tokens);
        return Build(header, data);
    }

    private static void Load(byte[] input)
    {
        var content = SafeTensors.LoadWithMetadata(new MemoryStream(input));
        var streamed = SafeTensors.LoadWithMetadata(new NonSeekableStream(new MemoryStream(input)));
        if (!content.Tensors.Keys.SequenceEqual(streamed.Tensors.Keys))
            throw new FuzzInvariantException("a seekable and a forward-only read of the same bytes gave different tensors");
        foreach (var (name, tensor) in content.Tensors)
            if (!tensor.ToArray().AsSpan().SequenceEqual(streamed.Tensors[name].ToArray()) && !tensor.ToArray().Any(float.IsNaN))
                throw new FuzzInvariantException($"tensor '{name}' differs between a seekable and a forward-only read");
    }

    [Fact]
    public void Mutated_safetensors_files_load_or_are_rejected_with_InvalidDataException()
    {
        var corpus = Corpus();
        foreach (var file in corpus) Load(file);
        var report = Fuzzer.Run("safetensors", seed: 20261201, inputs: 3000, random => Generate(random, corpus), Load,
            e => e.GetType() == typeof(InvalidDataException));
        output.WriteLine(report.ToString());
        report.Failures.Should().BeEmpty(report.ToString());
        report.Accepted.Should().BeGreaterThan(report.Tried / 50, "the mutations must keep some files valid");
        report.Rejected.Should().BeGreaterThan(report.Tried / 2);
    }
}
