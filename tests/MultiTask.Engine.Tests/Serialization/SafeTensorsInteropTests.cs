using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.Serialization;

/// <summary>
/// Interop with PyTorch through goldens written by tests/reference/goldens/serialization.py: files
/// written from torch tensors load to PyTorch's own float32 conversion, and the engine writes the
/// same bytes as the reference writer.
/// </summary>
public class SafeTensorsInteropTests
{
    private static readonly string Goldens = Path.Combine(AppContext.BaseDirectory, "Goldens");

    [Fact]
    public void LoadsFileWrittenFromPyTorchWithManyDtypes()
    {
        var golden = Golden.Load("serialization_from_pytorch.json");
        var content = SafeTensors.LoadWithMetadata(Path.Combine(Goldens, "serialization_from_pytorch.safetensors"));

        content.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["format"] = "pt" });
        var cases = golden["cases"]!.AsArray();
        content.Tensors.Keys.Should().BeEquivalentTo(cases.Select(c => (string)c!["name"]!));
        cases.Select(c => (string)c!["dtype"]!).Should().Contain(["F32", "F64", "F16", "BF16", "I64", "I32", "BOOL"]);
        foreach (var c in cases)
        {
            string name = (string)c!["name"]!;
            var expected = Golden.ToTensor(c["value"]!);
            var actual = content.Tensors[name];
            actual.Shape.Should().Equal(expected.Shape, name);
            var a = actual.ToArray();
            var e = expected.ToArray();
            for (int i = 0; i < e.Length; i++)
            {
                if (float.IsNaN(e[i])) float.IsNaN(a[i]).Should().BeTrue($"{name}[{i}]");
                else BitConverter.SingleToInt32Bits(a[i]).Should().Be(BitConverter.SingleToInt32Bits(e[i]), $"{name}[{i}]: got {a[i]}, PyTorch {e[i]}");
            }
        }
    }

    [Fact]
    public void WritesTheSameBytesAsTheReferenceWriter()
    {
        var (tensors, metadata) = EngineInputs();
        var expected = File.ReadAllBytes(Path.Combine(Goldens, "serialization_expected.safetensors"));

        SafeTensors.Serialize(tensors, metadata).Should().Equal(expected);

        // Left in the output folder so that serialization.py can read it back with torch.frombuffer.
        var path = Path.Combine(AppContext.BaseDirectory, "serialization_engine_written.safetensors");
        SafeTensors.Save(tensors, path, metadata);
        File.ReadAllBytes(path).Should().Equal(expected);
    }

    [Fact]
    public void ReadsTheReferenceWritersFileBitForBit()
    {
        var (tensors, metadata) = EngineInputs();
        var content = SafeTensors.LoadWithMetadata(Path.Combine(Goldens, "serialization_expected.safetensors"));
        content.Metadata.Should().BeEquivalentTo(metadata);
        content.Tensors.Keys.Should().BeEquivalentTo(tensors.Keys);
        foreach (var (name, t) in tensors)
        {
            content.Tensors[name].Shape.Should().Equal(t.Shape, name);
            content.Tensors[name].ToArray().Select(BitConverter.SingleToInt32Bits).Should().Equal(t.ToArray().Select(BitConverter.SingleToInt32Bits), name);
        }
    }

    private static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) EngineInputs()
    {
        var golden = Golden.Load("serialization_expected.json");
        var tensors = new Dictionary<string, Tensor>();
        foreach (var c in golden["cases"]!.AsArray())
        {
            var shape = c!["shape"]!.AsArray().Select(x => (int)x!).ToArray();
            var bits = c["bits"]!.AsArray().Select(x => BitConverter.Int32BitsToSingle((int)x!)).ToArray();
            tensors[(string)c["name"]!] = shape.Length == 0 ? Tensor.Scalar(bits[0]) : Tensor.FromArray(bits, shape);
        }
        var metadata = golden["metadata"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
        return (tensors, metadata);
    }
}
