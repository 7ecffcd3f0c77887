using MultiTask.Data;
using MultiTask.Onnx.Proto;
using MultiTask.Tasks;
using static MultiTask.Onnx.OnnxGraph;

namespace MultiTask.Onnx;

/// <summary>
/// Writes the map from a task's raw output to the user's units that <c>MultiTaskTrainer.Predict</c>
/// applies: the inverse target transform for regression, sigmoid for binary and multilabel tasks,
/// softmax for multiclass tasks, nothing for custom tasks.
/// </summary>
internal static class UserUnitsLowering
{
    public static OnnxValue Emit(TaskSpec spec, FeatureEncoder encoder, OnnxValue y, OnnxGraph graph)
    {
        string path = spec.Name + ".user_units";
        return spec.Kind switch
        {
            TaskKind.Regression => encoder.GetTargetTransform(spec.Name) is { } transform ? InverseTarget(transform, y, graph, path) : y,
            TaskKind.Binary or TaskKind.Multilabel => new(graph.Node("Sigmoid", path, [y.Name]), y.Rank),
            TaskKind.Multiclass => new(graph.Node("Softmax", path, [y.Name], Int("axis", 1)), y.Rank),
            _ => y,
        };
    }

    private static OnnxValue InverseTarget(FittedTargetTransform transform, OnnxValue y, OnnxGraph graph, string path)
    {
        if (transform.Standardization is null && transform.Kind is not (TargetTransform.Log or TargetTransform.YeoJohnson)) return y;
        // FittedTargetTransform.Invert works in double and rounds once to float; so does the graph.
        var v = graph.Node("Cast", path + ".double", [y.Name], Int("to", (long)TensorProto.Types.DataType.Double));
        if (transform.Standardization is { } s)
            v = graph.Node("Add", path + ".destandardized", [graph.Node("Mul", path + ".scaled", [v, graph.Scalar(s.Std, path + ".std")]), graph.Scalar(s.Mean, path + ".mean")]);
        v = transform.Kind switch
        {
            TargetTransform.Log => graph.Node("Exp", path + ".exp", [v]),
            TargetTransform.YeoJohnson => InverseYeoJohnson(v, transform.Lambda, graph, path),
            _ => v,
        };
        return new(graph.Node("Cast", path, [v], Int("to", (long)TensorProto.Types.DataType.Float)), y.Rank);
    }

    /// <summary>FittedTargetTransform.InverseYeoJohnson, branch for branch; λ is fixed, so its branches are chosen here.</summary>
    internal static string InverseYeoJohnson(string v, double lambda, OnnxGraph graph, string path)
    {
        string Const(double value, string name) => graph.Scalar(value, $"{path}.{name}");
        string positive, negative;
        if (Math.Abs(lambda) < 1e-12)
        {
            positive = graph.Node("Sub", path + ".positive", [graph.Node("Exp", path + ".exp_v", [v]), Const(1, "one")]);
        }
        else
        {
            // λv + 1 > 0 ? (λv + 1)^(1/λ) − 1 : +∞
            var b = graph.Node("Add", path + ".b", [graph.Node("Mul", path + ".lambda_v", [v, Const(lambda, "lambda")]), Const(1, "one")]);
            var power = graph.Node("Sub", path + ".positive_power", [graph.Node("Pow", path + ".pow_b", [b, Const(1 / lambda, "inv_lambda")]), Const(1, "one_b")]);
            positive = graph.Node("Where", path + ".positive",
                [graph.Node("Greater", path + ".b_positive", [b, Const(0, "zero_b")]), power, Const(double.PositiveInfinity, "plus_infinity")]);
        }
        double mu = 2 - lambda;
        if (Math.Abs(mu) < 1e-12)
        {
            negative = graph.Node("Sub", path + ".negative", [Const(1, "one_n"), graph.Node("Exp", path + ".exp_minus_v", [graph.Node("Neg", path + ".minus_v", [v])])]);
        }
        else
        {
            // 1 − μv > 0 ? 1 − (1 − μv)^(1/μ) : −∞
            var c = graph.Node("Sub", path + ".c", [Const(1, "one_c"), graph.Node("Mul", path + ".mu_v", [Const(mu, "mu"), v])]);
            var power = graph.Node("Sub", path + ".negative_power", [Const(1, "one_p"), graph.Node("Pow", path + ".pow_c", [c, Const(1 / mu, "inv_mu")])]);
            negative = graph.Node("Where", path + ".negative",
                [graph.Node("Greater", path + ".c_positive", [c, Const(0, "zero_c")]), power, Const(double.NegativeInfinity, "minus_infinity")]);
        }
        return graph.Node("Where", path + ".yeo_johnson", [graph.Node("GreaterOrEqual", path + ".v_nonnegative", [v, Const(0, "zero")]), positive, negative]);
    }
}
