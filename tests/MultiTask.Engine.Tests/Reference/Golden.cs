using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Reference;

/// <summary>
/// Reads the JSON goldens written by tests/reference/make_goldens.py (PyTorch) and compares tensors.
/// A tensor is stored as {"shape": [...], "data": [...]} with data in row-major order.
/// </summary>
public static class Golden
{
    public const double RelativeTolerance = 1e-5;
    public const double AbsoluteTolerance = 1e-6;

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Goldens");

    /// <summary>The parsed root of Goldens/<paramref name="file"/>.</summary>
    public static JsonNode Load(string file)
    {
        var path = Path.Combine(Folder, file);
        File.Exists(path).Should().BeTrue($"golden {file} should exist; regenerate with python3 tests/reference/make_goldens.py");
        return JsonNode.Parse(File.ReadAllText(path))!;
    }

    /// <summary>The cases of a golden file (its "cases" array), keyed by their "name".</summary>
    public static IEnumerable<object[]> CaseNames(string file) =>
        Load(file)["cases"]!.AsArray().Select(c => new object[] { (string)c!["name"]! });

    /// <summary>The case named <paramref name="name"/> in <paramref name="file"/>.</summary>
    public static JsonNode Case(string file, string name) =>
        Load(file)["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;

    public static Tensor ToTensor(JsonNode node, bool requiresGrad = false)
    {
        var shape = node["shape"]!.AsArray().Select(x => (int)x!).ToArray();
        var data = node["data"]!.AsArray().Select(x => ParseFloat(x!)).ToArray();
        var t = Tensor.FromArray(data, shape.Length == 0 ? [] : shape);
        if (shape.Length == 0) t = Tensor.Scalar(data[0]);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Numbers may be written as strings "nan", "inf", "-inf".</summary>
    public static float ParseFloat(JsonNode x) => x.GetValueKind() == JsonValueKind.String
        ? (string)x! switch { "nan" => float.NaN, "inf" => float.PositiveInfinity, "-inf" => float.NegativeInfinity, var s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture) }
        : (float)(double)x;

    /// <summary>Asserts shape equality and |actual - expected| ≤ atol + rtol·|expected| element-wise (NaN matches NaN).</summary>
    public static void AssertClose(Tensor actual, JsonNode expected, string what, double rtol = RelativeTolerance, double atol = AbsoluteTolerance) =>
        AssertClose(actual, ToTensor(expected), what, rtol, atol);

    public static void AssertClose(Tensor actual, Tensor expected, string what, double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        actual.Shape.Should().Equal(expected.Shape, $"{what}: shape");
        var a = actual.ToArray();
        var e = expected.ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            if (float.IsNaN(e[i])) { float.IsNaN(a[i]).Should().BeTrue($"{what}[{i}] should be NaN"); continue; }
            if (float.IsInfinity(e[i])) { a[i].Should().Be(e[i], $"{what}[{i}]"); continue; }
            Math.Abs(a[i] - e[i]).Should().BeLessThanOrEqualTo((float)(atol + rtol * Math.Abs(e[i])), $"{what}[{i}]: got {a[i]}, PyTorch {e[i]}");
        }
    }
}
