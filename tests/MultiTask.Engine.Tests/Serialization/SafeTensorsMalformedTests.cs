using FluentAssertions;
using MultiTask.Engine.Serialization;
using static MultiTask.Engine.Tests.Serialization.SafeTensorsTestData;

namespace MultiTask.Engine.Tests.Serialization;

public class SafeTensorsMalformedTests
{
    private static readonly byte[] TwoFloats = Floats(1, 2);

    public static IEnumerable<object[]> Malformed() => new (string Case, byte[] Bytes, string Seekable, string Streamed)[]
    {
        ("empty file", [], "0 bytes long, shorter than the 8-byte header length", "0 bytes long"),
        ("five bytes", [1, 2, 3, 4, 5], "5 bytes long, shorter than the 8-byte", "5 bytes long"),
        ("header longer than file", Build("{}", headerLength: 100), "says 100 bytes, but only 2 bytes follow", "ends after 2 of the 100 header bytes"),
        ("absurd header length", Build("{}", headerLength: 200_000_000), "more than the 100000000-byte limit", "more than the 100000000-byte limit"),
        ("huge header length", Build("{}", headerLength: ulong.MaxValue), "more than the 100000000-byte limit", "more than the 100000000-byte limit"),
        ("empty header", Build(""), "header is empty", "header is empty"),
        ("header not JSON", Build("{not json}"), "not valid UTF-8 JSON", "not valid UTF-8 JSON"),
        ("header truncated JSON", Build("{\"a\":{\"dtype\":\"F32\""), "not valid UTF-8 JSON", "not valid UTF-8 JSON"),
        ("header invalid UTF-8", Build([(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}']), "header is not valid UTF-8.", "not valid UTF-8"),
        ("header is an array", Build("[1, 2]"), "does not start with '{'", "does not start with '{'"),
        ("header with leading space", Build(" {}"), "does not start with '{' (first byte 0x20)", "first byte 0x20"),
        ("entry not an object", Build("{\"w\":[1]}"), "entry 'w' is a JSON Array", "entry 'w' is a JSON Array"),
        ("duplicate field in an entry", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"shape\":[2],\"data_offsets\":[0,8]}}", TwoFloats), "tensor 'w' names its field 'shape' more than once", "field 'shape' more than once"),
        ("lone surrogate in a name", Build("{\"w\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", TwoFloats), "unpaired UTF-16 surrogate escape", "unpaired UTF-16 surrogate"),
        ("lone surrogate in a field name", Build("{\"w\":{\"dty\\ud800pe\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", TwoFloats), "unpaired UTF-16 surrogate escape", "unpaired UTF-16 surrogate"),
        ("huge dtype name", Build("{\"w\":{\"dtype\":\"F" + new string('9', 50_000) + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", TwoFloats), "has dtype 'F9999", "(50001 characters)"),
        ("huge invalid JSON token", Build("{\"w\":{\"d\":" + new string('t', 20_000) + "}}", TwoFloats), "not valid UTF-8 JSON", "characters)"),
        ("missing dtype", Build("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", TwoFloats), "tensor 'w' has no string 'dtype'", "no string 'dtype'"),
        ("missing shape", Build("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", TwoFloats), "tensor 'w' has no 'shape' array", "no 'shape' array"),
        ("missing offsets", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", TwoFloats), "tensor 'w' has no 'data_offsets' pair", "no 'data_offsets' pair"),
        ("three offsets", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", TwoFloats), "no 'data_offsets' pair", "no 'data_offsets' pair"),
        ("unknown dtype", Build("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", TwoFloats), "tensor 'w' has dtype 'F8_E4M3', which cannot be loaded", "'F8_E4M3'"),
        ("negative shape", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", TwoFloats), "shape [-2], whose entry 0 is not a non-negative integer", "not a non-negative integer"),
        ("fractional shape", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", TwoFloats), "not a non-negative integer", "not a non-negative integer"),
        ("shape beyond int", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", TwoFloats), "exceeds the engine's limit", "exceeds the engine's limit"),
        ("shape overflowing bytes", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", TwoFloats), "needs more than 2^60 bytes", "more than 2^60"),
        ("size mismatch", Build("{" + F32("w", "[3]", 0, 8) + "}", TwoFloats), "tensor 'w' has shape [3] of F32, which needs 12 bytes, but its data_offsets [0,8] span 8", "needs 12 bytes"),
        ("negative offset", Build("{" + F32("w", "[2]", -8, 0) + "}", TwoFloats), "data_offsets [-8,0]; they should be non-negative", "non-negative"),
        ("begin after end", Build("{" + F32("w", "[2]", 8, 0) + "}", TwoFloats), "begin <= end", "begin <= end"),
        ("offsets beyond data", Build("{" + F32("w", "[4]", 0, 16) + "}", TwoFloats), "describes 16 bytes of tensor data, but only 8 bytes follow the header", "the data ends 8 bytes into the data buffer, but tensor 'w' needs bytes 0..16"),
        ("overlap", Build("{" + F32("a", "[2]", 0, 8) + "," + F32("b", "[2]", 4, 12) + "}", Floats(1, 2, 3)), "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)", "overlaps tensor 'a'"),
        ("hole", Build("{" + F32("a", "[1]", 0, 4) + "," + F32("b", "[1]", 8, 12) + "}", Floats(1, 2, 3)), "hole: bytes 4..8 before tensor 'b'", "hole"),
        ("hole at start", Build("{" + F32("a", "[1]", 4, 8) + "}", TwoFloats), "hole: bytes 0..4 before tensor 'a'", "hole"),
        ("trailing bytes", Build("{" + F32("a", "[1]", 0, 4) + "}", TwoFloats), "describes 4 bytes of tensor data, but 8 bytes follow the header (4 trailing bytes)", "more bytes follow the 4 bytes of tensor data"),
        ("duplicate names", Build("{" + F32("a", "[1]", 0, 4) + "," + F32("a", "[1]", 4, 8) + "}", TwoFloats), "names 'a' more than once", "more than once"),
        ("metadata not an object", Build("{\"__metadata__\":[\"x\"]}"), "'__metadata__' is a JSON Array", "'__metadata__' is a JSON Array"),
        ("metadata value not a string", Build("{\"__metadata__\":{\"epoch\":3}}"), "entry 'epoch' is a JSON Number; metadata values must be strings", "metadata values must be strings"),
        ("inexact I64", Build("{\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", BitConverter.GetBytes(16_777_217L)), "tensor 'n' (I64) holds 16777217 at element 0, which float32 cannot represent exactly", "16777217"),
        ("inexact I32", Build("{\"n\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", [0, 0, 0, 0, .. BitConverter.GetBytes(int.MaxValue)]), "holds 2147483647 at element 1", "2147483647"),
    }.Select(c => new object[] { c.Case, c.Bytes, c.Seekable, c.Streamed });

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedStreamThrowsNamingTheProblem(string description, byte[] bytes, string seekableMessage, string streamedMessage)
    {
        var act = () => SafeTensors.Load(new MemoryStream(bytes));
        act.Should().Throw<InvalidDataException>(description).WithMessage($"*safetensors stream*{seekableMessage}*");

        var streamed = () => SafeTensors.Load(new NonSeekableStream(new MemoryStream(bytes)));
        streamed.Should().Throw<InvalidDataException>(description).WithMessage($"*{streamedMessage}*");
    }

    [Fact]
    public void MalformedFileMessageNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"malformed-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        try
        {
            var act = () => SafeTensors.Load(path);
            act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*3 bytes long*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AbsurdHeaderLengthOnAStreamIsNotAllocatedUpFront()
    {
        var bytes = Build("{}", headerLength: 99_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => SafeTensors.Load(new NonSeekableStream(new MemoryStream(bytes)));
        act.Should().Throw<InvalidDataException>().WithMessage("*ends after 2 of the 99000000 header bytes*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8_000_000);
    }

    [Fact]
    public void HugeTensorClaimOnAStreamIsNotAllocatedUpFront()
    {
        var bytes = Build("{" + F32("w", "[500000000]", 0, 2_000_000_000) + "}", TwoFloats);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => SafeTensors.Load(new NonSeekableStream(new MemoryStream(bytes)));
        act.Should().Throw<InvalidDataException>().WithMessage("*data ends 8 bytes into the data buffer, but tensor 'w' needs bytes 0..2000000000*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(16_000_000);
    }

    [Fact]
    public void HugeTensorClaimInAFileIsRejectedBeforeAllocating()
    {
        var bytes = Build("{" + F32("w", "[500000000]", 0, 2_000_000_000) + "}", TwoFloats);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => SafeTensors.Load(new MemoryStream(bytes));
        act.Should().Throw<InvalidDataException>().WithMessage("*only 8 bytes follow the header (the file is truncated)*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8_000_000);
    }
}
