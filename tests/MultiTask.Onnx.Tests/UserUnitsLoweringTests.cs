using FluentAssertions;
using Google.Protobuf;
using MultiTask.Onnx.Proto;

namespace MultiTask.Onnx.Tests;

public class UserUnitsLoweringTests
{
    // FittedTargetTransform.InverseYeoJohnson, restated: the trained models above reach only the branches their λ and predictions need.
    private static double Reference(double v, double lambda)
    {
        if (v >= 0)
        {
            if (Math.Abs(lambda) < 1e-12) return Math.Exp(v) - 1;
            double b = lambda * v + 1;
            return b > 0 ? Math.Pow(b, 1 / lambda) - 1 : double.PositiveInfinity;
        }
        double mu = 2 - lambda;
        if (Math.Abs(mu) < 1e-12) return 1 - Math.Exp(-v);
        double c = 1 - mu * v;
        return c > 0 ? 1 - Math.Pow(c, 1 / mu) : double.NegativeInfinity;
    }

    [Theory]
    [InlineData(-1.0)]  // λv + 1 ≤ 0 for v ≥ 1: +∞
    [InlineData(0.0)]   // the exp branch for v ≥ 0
    [InlineData(0.5)]
    [InlineData(1.0)]   // the identity
    [InlineData(2.0)]   // the exp branch for v < 0
    [InlineData(3.0)]   // 1 − μv ≤ 0 for v ≤ −1: −∞
    public void InverseYeoJohnson_MatchesTheEncodersInverse_OnEveryBranch(double lambda)
    {
        float[] v = [-5f, -2f, -1f, -0.5f, -0.1f, 0f, 0.1f, 0.5f, 1f, 2f, 5f];
        var graph = new OnnxGraph();
        graph.Reserve("v");
        graph.Reserve("y");
        graph.Proto.Input.Add(OnnxGraph.FloatValue("v", 1, v.Length));
        var asDouble = graph.Node("Cast", "v_double", ["v"], OnnxGraph.Int("to", (long)TensorProto.Types.DataType.Double));
        var inverse = UserUnitsLowering.InverseYeoJohnson(asDouble, lambda, graph, "yeo_johnson");
        graph.AddNode("Cast", [inverse], "y", OnnxGraph.Int("to", (long)TensorProto.Types.DataType.Float));
        graph.Proto.Output.Add(OnnxGraph.FloatValue("y", 1, v.Length));
        var model = new ModelProto { IrVersion = OnnxExporter.IrVersion, Graph = graph.Proto };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExporter.Opset });

        using var session = RuntimeComparison.Session(model.ToByteArray());
        var y = RuntimeComparison.Run(session, v, 1, v.Length, inputName: "v")["y"];

        for (int i = 0; i < v.Length; i++)
        {
            float expected = (float)Reference(v[i], lambda);
            if (float.IsInfinity(expected)) y[i].Should().Be(expected, $"v = {v[i]}");
            else y[i].Should().BeApproximately(expected, 1e-6f * Math.Max(1f, Math.Abs(expected)), $"v = {v[i]}");
        }
    }
}
