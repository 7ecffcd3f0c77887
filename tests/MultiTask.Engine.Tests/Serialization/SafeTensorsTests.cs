using System.Buffers.Binary;
using System.Collections;
using System.Text;
using FluentAssertions;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using static MultiTask.Engine.Tests.Serialization.SafeTensorsTestData;

namespace MultiTask.Engine.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("safetensors-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Dictionary<string, Tensor> Sample()
    {
        var g = new Generator(5);
        return new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.Randn(g, 3, 4),
            ["bias"] = Tensor.Randn(g, 4),
            ["step"] = Tensor.Scalar(41),
            ["empty"] = Tensor.Zeros(0),
            ["empty_middle"] = Tensor.Zeros(2, 0, 3),
            ["größe/日本語 🙂"] = Tensor.Randn(g, 2, 1),
            ["quote\"back\\slash\n\u0001"] = Tensor.FromArray([float.NaN, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue]),
        };
    }

    private static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> actual, IReadOnlyDictionary<string, Tensor> expected)
    {
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            a.Shape.Should().Equal(e.Shape, name);
            a.ToArray().Select(BitConverter.SingleToInt32Bits).Should().Equal(e.ToArray().Select(BitConverter.SingleToInt32Bits), name);
        }
    }

    private static string[] Utf8Sorted(IEnumerable<string> names) =>
        names.OrderBy(n => Encoding.UTF8.GetBytes(n), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToArray();

    [Fact]
    public void FileRoundTripKeepsShapesBitsAndMetadata()
    {
        var tensors = Sample();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "épée \"x\" 🙂" };
        var path = Path.Combine(_folder, "model.safetensors");
        SafeTensors.Save(tensors, path, metadata);

        var content = SafeTensors.LoadWithMetadata(path);
        AssertSameTensors(content.Tensors, tensors);
        content.Tensors.Keys.Should().Equal(Utf8Sorted(tensors.Keys), "tensors come back in data order, which the writer sorts by name");
        content.HasMetadata.Should().BeTrue();
        content.Metadata.Should().BeEquivalentTo(metadata);
        content.Tensors["step"].Rank.Should().Be(0);
        content.Tensors["empty_middle"].Shape.Should().Equal(2, 0, 3);
    }

    [Fact]
    public void LoadWithoutMetadataReportsNone()
    {
        var content = SafeTensors.LoadWithMetadata(new MemoryStream(SafeTensors.Serialize(Sample())));
        content.HasMetadata.Should().BeFalse();
        content.Metadata.Should().BeEmpty();
    }

    [Fact]
    public void EmptyMetadataIsWrittenAsAnEmptyMap()
    {
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>(), new Dictionary<string, string>());
        Encoding.UTF8.GetString(bytes, 8, bytes.Length - 8).Should().Be("{\"__metadata__\":{}}     ");
        SafeTensors.LoadWithMetadata(new MemoryStream(bytes)).HasMetadata.Should().BeTrue();
    }

    [Fact]
    public void EmptyDictionaryIsAPaddedEmptyObject()
    {
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>());
        bytes.Should().Equal([8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8.ToArray()]);
        SafeTensors.Load(new MemoryStream(bytes)).Should().BeEmpty();
    }

    [Fact]
    public void LargeTensorsRoundTripThroughFilesAndNonSeekableStreams()
    {
        var g = new Generator(9);
        var tensors = new Dictionary<string, Tensor> { ["a"] = Tensor.Randn(g, 1000, 3001), ["b"] = Tensor.Randn(g, 70_001) };
        var path = Path.Combine(_folder, "large.safetensors");
        SafeTensors.Save(tensors, path);
        AssertSameTensors(SafeTensors.Load(path), tensors);

        using var file = File.OpenRead(path);
        AssertSameTensors(SafeTensors.Load(new NonSeekableStream(file)), tensors);
    }

    [Fact]
    public void StreamsAreReadAndWrittenFromTheirCurrentPosition()
    {
        var tensors = Sample();
        var stream = new MemoryStream();
        stream.Write("prefix"u8);
        SafeTensors.Save(tensors, stream);
        stream.Write("suffix"u8);
        stream.Position = 6;

        var bytes = SafeTensors.Serialize(tensors);
        stream.ToArray().AsSpan(6, bytes.Length).ToArray().Should().Equal(bytes);

        var slice = new MemoryStream();
        slice.Write("xyz"u8);
        slice.Write(bytes);
        slice.Position = 3;
        AssertSameTensors(SafeTensors.Load(slice), tensors);
        slice.Position.Should().Be(slice.Length);
    }

    [Fact]
    public void SameTensorsGiveTheSameBytesWhateverTheInsertionOrder()
    {
        var tensors = Sample();
        var reversed = tensors.Reverse().ToDictionary(p => p.Key, p => p.Value);
        var meta1 = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["🙂"] = "3", ["\uff21"] = "4" };
        var meta2 = meta1.Reverse().ToDictionary(p => p.Key, p => p.Value);

        var first = SafeTensors.Serialize(tensors, meta1);
        SafeTensors.Serialize(reversed, meta2).Should().Equal(first);

        var path1 = Path.Combine(_folder, "1.safetensors");
        var path2 = Path.Combine(_folder, "2.safetensors");
        SafeTensors.Save(tensors, path1, meta1);
        SafeTensors.Save(reversed, path2, meta2);
        File.ReadAllBytes(path1).Should().Equal(first);
        File.ReadAllBytes(path2).Should().Equal(first);
    }

    [Fact]
    public void NamesAreSortedByUtf8BytesNotUtf16CodeUnits()
    {
        // U+FF21 sorts after U+1F642 in UTF-16 (0xFF21 > 0xD83D) but before it in UTF-8 (EF < F0).
        var tensors = new Dictionary<string, Tensor> { ["🙂"] = Tensor.Scalar(1), ["\uff21"] = Tensor.Scalar(2), ["a"] = Tensor.Scalar(3) };
        SafeTensors.Load(new MemoryStream(SafeTensors.Serialize(tensors))).Keys.Should().Equal("a", "\uff21", "🙂");
    }

    [Fact]
    public void HeaderIsCompactSpacePaddedToEightBytesAndDataFollowsInOrder()
    {
        var tensors = new Dictionary<string, Tensor> { ["b"] = Tensor.FromArray([3f]), ["a"] = Tensor.FromArray([1f, 2f]) };
        var bytes = SafeTensors.Serialize(tensors);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        n.Should().Be(112);
        Encoding.UTF8.GetString(bytes, 8, n).Should().Be(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}    ");
        bytes.AsSpan(8 + n).ToArray().Should().Equal(Floats(1, 2, 3));
    }

    [Fact]
    public void HeaderOrderMayDifferFromDataOrder()
    {
        var bytes = Build("{" + F32("z", "[1]", 0, 4) + "," + F32("a", "[1]", 4, 8) + "}", Floats(1, 2));
        var tensors = SafeTensors.Load(new MemoryStream(bytes));
        tensors.Keys.Should().Equal("z", "a");
        tensors["z"].Item().Should().Be(1);
        tensors["a"].Item().Should().Be(2);
    }

    [Fact]
    public void HeaderMayIgnoreUnknownFieldsAndUsePlainWhitespace()
    {
        var bytes = Build("{\"w\":{\"data_offsets\":[0,4],\"extra\":true,\"shape\":[],\"dtype\":\"F32\"}}\n\t ", Floats(5));
        SafeTensors.Load(new MemoryStream(bytes))["w"].Item().Should().Be(5);
    }

    [Fact]
    public void SavingNeverChangesTheTensors()
    {
        var w = Tensor.Randn(new Generator(3), 2, 3).RequireGrad();
        var y = (w * w).Sum();
        var before = w.ToArray();
        SafeTensors.Save(new Dictionary<string, Tensor> { ["w"] = w, ["y"] = y }, Path.Combine(_folder, "w.safetensors"));
        w.ToArray().Should().Equal(before);
        w.RequiresGrad.Should().BeTrue();
        y.GradFn.Should().NotBeNull();
    }

    [Fact]
    public void LoadedTensorsAreIndependentLeaves()
    {
        var loaded = SafeTensors.Load(new MemoryStream(SafeTensors.Serialize(Sample())));
        loaded["weight"].IsLeaf.Should().BeTrue();
        loaded["weight"].RequiresGrad.Should().BeFalse();
        loaded["weight"].AsSpan()[0] = 123;
        loaded["bias"].ToArray().Should().NotContain(123);
    }

    [Fact]
    public void ReservedOrInvalidNamesAndNullsAreRejectedBeforeWriting()
    {
        var path = Path.Combine(_folder, "bad.safetensors");
        var cases = new (Dictionary<string, Tensor> Tensors, Dictionary<string, string>? Meta, string Message)[]
        {
            (new() { ["__metadata__"] = Tensor.Scalar(1) }, null, "*'__metadata__' is reserved*"),
            (new() { ["w"] = null! }, null, "*Tensor 'w' is null*"),
            (new() { ["bad\ud800"] = Tensor.Scalar(1) }, null, "*unpaired surrogate*"),
            (new() { ["w"] = Tensor.Scalar(1) }, new() { ["k"] = null! }, "*Metadata 'k' is null*"),
            (new() { ["w"] = Tensor.Scalar(1) }, new() { ["k"] = "\udc00" }, "*unpaired surrogate*"),
        };
        foreach (var (tensors, meta, message) in cases)
        {
            var act = () => SafeTensors.Save(tensors, path, meta);
            act.Should().Throw<ArgumentException>().WithMessage(message);
        }
        Directory.EnumerateFileSystemEntries(_folder).Should().BeEmpty();
    }

    [Fact]
    public void IntegerDtypesConvertWhenExact()
    {
        long[] values = [-3, 1 << 24, -(1 << 24), 1L << 40, (1 << 24) + 2, long.MinValue];
        var data = values.SelectMany(BitConverter.GetBytes).ToArray();
        var bytes = Build($"{{\"n\":{{\"dtype\":\"I64\",\"shape\":[{values.Length}],\"data_offsets\":[0,{data.Length}]}}}}", data);
        SafeTensors.Load(new MemoryStream(bytes))["n"].ToArray().Should().Equal(values.Select(v => (float)v));
    }

    [Fact]
    public void FailedWriteKeepsThePreviousFileAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_folder, "model.safetensors");
        var original = new Dictionary<string, Tensor> { ["old"] = Tensor.Arange(10) };
        SafeTensors.Save(original, path);
        var originalBytes = File.ReadAllBytes(path);

        var replacement = new Dictionary<string, Tensor> { ["new"] = Tensor.Randn(new Generator(1), 1000) };
        var act = () => SafeTensors.Save(replacement, path, null, s => new FailingWriteStream(s, failAfter: 500));
        act.Should().Throw<IOException>().WithMessage("*simulated*");

        File.ReadAllBytes(path).Should().Equal(originalBytes);
        Directory.EnumerateFileSystemEntries(_folder).Should().Equal(path);
    }

    [Fact]
    public void DictionaryThatFailsMidEnumerationKeepsThePreviousFile()
    {
        var path = Path.Combine(_folder, "model.safetensors");
        SafeTensors.Save(new Dictionary<string, Tensor> { ["old"] = Tensor.Arange(3) }, path);
        var originalBytes = File.ReadAllBytes(path);

        var act = () => SafeTensors.Save(new ThrowingDictionary(), path);
        act.Should().Throw<InvalidOperationException>().WithMessage("*changed during enumeration*");

        File.ReadAllBytes(path).Should().Equal(originalBytes);
        Directory.EnumerateFileSystemEntries(_folder).Should().Equal(path);
    }

    [Fact]
    public void SuccessfulSaveReplacesTheFileAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_folder, "model.safetensors");
        SafeTensors.Save(new Dictionary<string, Tensor> { ["old"] = Tensor.Arange(3) }, path);
        var replacement = new Dictionary<string, Tensor> { ["new"] = Tensor.Ones(2, 2) };
        SafeTensors.Save(replacement, path);
        AssertSameTensors(SafeTensors.Load(path), replacement);
        Directory.EnumerateFileSystemEntries(_folder).Should().Equal(path);
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        var tensors = Sample();
        ((Action)(() => SafeTensors.Save(null!, new MemoryStream()))).Should().Throw<ArgumentNullException>();
        ((Action)(() => SafeTensors.Save(tensors, (Stream)null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => SafeTensors.Save(tensors, ""))).Should().Throw<ArgumentException>();
        ((Action)(() => SafeTensors.Save(tensors, new MemoryStream([], writable: false)))).Should().Throw<ArgumentException>().WithMessage("*not writable*");
        ((Action)(() => SafeTensors.Load((Stream)null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => SafeTensors.Load(Path.Combine(_folder, "missing.safetensors")))).Should().Throw<FileNotFoundException>();
    }

    /// <summary>A state dict whose enumeration fails after the first entry, as a concurrently modified collection would.</summary>
    private sealed class ThrowingDictionary : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] => throw new KeyNotFoundException();
        public IEnumerable<string> Keys => this.Select(p => p.Key);
        public IEnumerable<Tensor> Values => this.Select(p => p.Value);
        public int Count => 3;
        public bool ContainsKey(string key) => false;
        public bool TryGetValue(string key, out Tensor value) => throw new KeyNotFoundException();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator()
        {
            yield return new("first", Tensor.Ones(3));
            throw new InvalidOperationException("Collection was changed during enumeration.");
        }
    }
}
