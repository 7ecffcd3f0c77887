using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Tensors;

/// <summary>
/// Every case in the ops goldens (tests/reference/goldens/ops.py): the engine's outputs and input
/// gradients for PyTorch's random upstream gradient must match PyTorch's.
/// </summary>
public class OpsGoldenTests
{
    private static readonly string[] Files =
        ["ops_elementwise.json", "ops_activation.json", "ops_reduction.json", "ops_shape.json", "ops_linalg.json"];

    private delegate Tensor[] Op(Tensor[] x, JsonNode args);

    private static Tensor[] One(Tensor t) => [t];

    private static float F(JsonNode a, string key) => Golden.ParseFloat(a[key]!);
    private static int I(JsonNode a, string key) => (int)a[key]!;
    private static bool B(JsonNode a, string key) => (bool)a[key]!;
    private static int[] Ints(JsonNode a, string key) => a[key]!.AsArray().Select(v => (int)v!).ToArray();
    private static int[]? IntsOrNull(JsonNode a, string key) => a[key] is null ? null : Ints(a, key);
    private static float? FloatOrNull(JsonNode a, string key) => a[key] is null ? null : F(a, key);

    /// <summary>Golden op name → engine call. A case whose op is missing here fails.</summary>
    private static readonly Dictionary<string, Op> Ops = new()
    {
        ["add"] = (x, _) => One(x[0] + x[1]),
        ["sub"] = (x, _) => One(x[0] - x[1]),
        ["mul"] = (x, _) => One(x[0] * x[1]),
        ["div"] = (x, _) => One(x[0] / x[1]),
        ["add_alpha"] = (x, a) => One(x[0].Add(x[1], F(a, "alpha"))),
        ["add_scalar"] = (x, a) => One(x[0] + F(a, "value")),
        ["sub_scalar"] = (x, a) => One(x[0] - F(a, "value")),
        ["mul_scalar"] = (x, a) => One(x[0] * F(a, "value")),
        ["div_scalar"] = (x, a) => One(x[0] / F(a, "value")),
        ["rsub_scalar"] = (x, a) => One(F(a, "value") - x[0]),
        ["rdiv_scalar"] = (x, a) => One(F(a, "value") / x[0]),
        ["neg"] = (x, _) => One(-x[0]),
        ["exp"] = (x, _) => One(x[0].Exp()),
        ["log"] = (x, _) => One(x[0].Log()),
        ["relu"] = (x, _) => One(x[0].Relu()),
        ["pow_scalar"] = (x, a) => One(x[0].Pow(F(a, "exponent"))),
        ["pow_tensor"] = (x, _) => One(x[0].Pow(x[1])),
        ["sqrt"] = (x, _) => One(x[0].Sqrt()),
        ["rsqrt"] = (x, _) => One(x[0].Rsqrt()),
        ["abs"] = (x, _) => One(x[0].Abs()),
        ["sign"] = (x, _) => One(x[0].Sign()),
        ["log1p"] = (x, _) => One(x[0].Log1p()),
        ["expm1"] = (x, _) => One(x[0].Expm1()),
        ["square"] = (x, _) => One(x[0].Square()),
        ["reciprocal"] = (x, _) => One(x[0].Reciprocal()),
        ["erf"] = (x, _) => One(x[0].Erf()),
        ["clamp"] = (x, a) => One(x[0].Clamp(FloatOrNull(a, "min"), FloatOrNull(a, "max"))),
        ["clamp_min"] = (x, a) => One(x[0].ClampMin(F(a, "value"))),
        ["clamp_max"] = (x, a) => One(x[0].ClampMax(F(a, "value"))),
        ["maximum"] = (x, _) => One(x[0].Maximum(x[1])),
        ["minimum"] = (x, _) => One(x[0].Minimum(x[1])),
        ["where"] = (x, _) => One(Tensor.Where(x[0], x[1], x[2])),
        ["masked_fill"] = (x, a) => One(x[0].MaskedFill(x[1], F(a, "value"))),
        ["eq_tensor"] = (x, _) => One(x[0].Eq(x[1])),
        ["ne_tensor"] = (x, _) => One(x[0].Ne(x[1])),
        ["gt_tensor"] = (x, _) => One(x[0].Gt(x[1])),
        ["ge_tensor"] = (x, _) => One(x[0].Ge(x[1])),
        ["lt_tensor"] = (x, _) => One(x[0].Lt(x[1])),
        ["le_tensor"] = (x, _) => One(x[0].Le(x[1])),
        ["eq_scalar"] = (x, a) => One(x[0].Eq(F(a, "value"))),
        ["ne_scalar"] = (x, a) => One(x[0].Ne(F(a, "value"))),
        ["gt_scalar"] = (x, a) => One(x[0].Gt(F(a, "value"))),
        ["ge_scalar"] = (x, a) => One(x[0].Ge(F(a, "value"))),
        ["lt_scalar"] = (x, a) => One(x[0].Lt(F(a, "value"))),
        ["le_scalar"] = (x, a) => One(x[0].Le(F(a, "value"))),
        ["isnan"] = (x, _) => One(x[0].IsNan()),
        ["isfinite"] = (x, _) => One(x[0].IsFinite()),
        ["isinf"] = (x, _) => One(x[0].IsInf()),

        ["leaky_relu"] = (x, a) => One(x[0].LeakyRelu(F(a, "slope"))),
        ["elu"] = (x, a) => One(x[0].Elu(F(a, "alpha"))),
        ["gelu"] = (x, a) => One(x[0].Gelu(B(a, "tanh"))),
        ["silu"] = (x, _) => One(x[0].Silu()),
        ["sigmoid"] = (x, _) => One(x[0].Sigmoid()),
        ["tanh"] = (x, _) => One(x[0].Tanh()),
        ["softplus"] = (x, a) => One(x[0].Softplus(F(a, "beta"), F(a, "threshold"))),
        ["softmax"] = (x, a) => One(x[0].Softmax(I(a, "dim"))),
        ["log_softmax"] = (x, a) => One(x[0].LogSoftmax(I(a, "dim"))),

        ["sum"] = (x, _) => One(x[0].Sum()),
        ["sum_dims"] = (x, a) => One(x[0].Sum(Ints(a, "dims"), B(a, "keepdim"))),
        ["mean"] = (x, _) => One(x[0].Mean()),
        ["mean_dims"] = (x, a) => One(x[0].Mean(Ints(a, "dims"), B(a, "keepdim"))),
        ["max_all"] = (x, _) => One(x[0].Max()),
        ["min_all"] = (x, _) => One(x[0].Min()),
        ["max_dim"] = (x, a) => { var (v, i) = x[0].Max(I(a, "dim"), B(a, "keepdim")); return [v, i]; },
        ["min_dim"] = (x, a) => { var (v, i) = x[0].Min(I(a, "dim"), B(a, "keepdim")); return [v, i]; },
        ["amax"] = (x, a) => One(x[0].Amax(Ints(a, "dims"), B(a, "keepdim"))),
        ["amin"] = (x, a) => One(x[0].Amin(Ints(a, "dims"), B(a, "keepdim"))),
        ["argmax"] = (x, a) => One(x[0].Argmax(a["dim"] is null ? null : I(a, "dim"), B(a, "keepdim"))),
        ["argmin"] = (x, a) => One(x[0].Argmin(a["dim"] is null ? null : I(a, "dim"), B(a, "keepdim"))),
        ["var"] = (x, a) => One(x[0].Var(IntsOrNull(a, "dims"), I(a, "correction"), B(a, "keepdim"))),
        ["std"] = (x, a) => One(x[0].Std(IntsOrNull(a, "dims"), I(a, "correction"), B(a, "keepdim"))),
        ["norm"] = (x, a) => One(x[0].Norm(F(a, "p"), IntsOrNull(a, "dims"), B(a, "keepdim"))),
        ["logsumexp"] = (x, a) => One(x[0].LogSumExp(Ints(a, "dims"), B(a, "keepdim"))),

        ["reshape"] = (x, a) => One(x[0].Reshape(Ints(a, "shape"))),
        ["flatten"] = (x, a) => One(x[0].Flatten(I(a, "start"), I(a, "end"))),
        ["unsqueeze"] = (x, a) => One(x[0].Unsqueeze(I(a, "dim"))),
        ["squeeze"] = (x, a) => One(x[0].Squeeze(I(a, "dim"))),
        ["permute"] = (x, a) => One(x[0].Permute(Ints(a, "dims"))),
        ["transpose"] = (x, a) => One(x[0].Transpose(I(a, "dim0"), I(a, "dim1"))),
        ["expand"] = (x, a) => One(x[0].Expand(Ints(a, "shape"))),
        ["narrow"] = (x, a) => One(x[0].Narrow(I(a, "dim"), I(a, "start"), I(a, "length"))),
        ["slice"] = (x, a) => One(x[0].Slice(I(a, "dim"), I(a, "start"), I(a, "end"))),
        ["rows"] = (x, a) => One(x[0].Rows(I(a, "start"), I(a, "end"))),
        ["index_select"] = (x, a) => One(x[0].IndexSelect(I(a, "dim"), x[1])),
        ["gather"] = (x, a) => One(x[0].Gather(I(a, "dim"), x[1])),
        ["cat"] = (x, a) => One(Tensor.Cat(x, I(a, "dim"))),
        ["stack"] = (x, a) => One(Tensor.Stack(x, I(a, "dim"))),

        ["matmul"] = (x, _) => One(x[0].MatMul(x[1])),
        ["dot"] = (x, _) => One(x[0].Dot(x[1])),
    };

    public static IEnumerable<object[]> Cases() =>
        Files.SelectMany(f => Golden.Load(f)["cases"]!.AsArray().Select(c => new object[] { f, (string)c!["name"]! }));

    private static (Tensor[] Inputs, Tensor[] Outputs, JsonNode Case) Run(string file, string name)
    {
        var c = Golden.Case(file, name);
        var op = (string)c["op"]!;
        Ops.Should().ContainKey(op, $"golden op '{op}' needs an entry in the OpsGoldenTests table");
        var flags = c["requires_grad"]!.AsArray().Select(v => (bool)v!).ToArray();
        var inputs = c["inputs"]!.AsArray().Select((v, i) => Golden.ToTensor(v!, flags[i])).ToArray();
        return (inputs, Ops[op](inputs, c["args"]!), c);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackward_MatchPyTorch(string file, string name)
    {
        var (inputs, outputs, c) = Run(file, name);
        var expected = c["outputs"]!.AsArray();
        outputs.Should().HaveCount(expected.Count);
        for (int i = 0; i < outputs.Length; i++) Golden.AssertClose(outputs[i], expected[i]!, $"{name} output {i}");

        if (c["grads"] is not JsonArray grads) return;
        var upstream = Golden.ToTensor(c["upstream"]!);
        var wanted = inputs.Where(t => t.RequiresGrad).ToArray();
        var got = Autograd.Grad([outputs[0]], wanted, [upstream], allowUnused: true);
        int k = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads[i] is null) continue;
            var g = got[k++] ?? Tensor.ZerosLike(inputs[i]);
            Golden.AssertClose(g, grads[i]!, $"{name} grad of input {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnderNoGrad_SameOutputs_AndNothingRecorded(string file, string name)
    {
        var c = Golden.Case(file, name);
        var flags = c["requires_grad"]!.AsArray().Select(v => (bool)v!).ToArray();
        var inputs = c["inputs"]!.AsArray().Select((v, i) => Golden.ToTensor(v!, flags[i])).ToArray();
        Tensor[] outputs;
        using (Autograd.NoGrad()) outputs = Ops[(string)c["op"]!](inputs, c["args"]!);
        var expected = c["outputs"]!.AsArray();
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i].RequiresGrad.Should().BeFalse($"{name} output {i} under NoGrad");
            outputs[i].GradFn.Should().BeNull();
            Golden.AssertClose(outputs[i], expected[i]!, $"{name} output {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CreateGraph_GradientsMatch_AndAreDifferentiable(string file, string name)
    {
        var (inputs, outputs, c) = Run(file, name);
        if (c["grads"] is not JsonArray grads) return;
        var upstream = Golden.ToTensor(c["upstream"]!).RequireGrad();
        var wanted = inputs.Where(t => t.RequiresGrad).ToArray();
        var got = Autograd.Grad([outputs[0]], wanted, [upstream], createGraph: true, allowUnused: true);
        int k = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads[i] is null) continue;
            var g = got[k++];
            if (g is null) continue;
            Golden.AssertClose(g, grads[i]!, $"{name} createGraph grad of input {i}");
            // Every gradient is linear in the upstream gradient, so it must stay connected to it.
            g.RequiresGrad.Should().BeTrue($"{name}: the gradient of input {i} should be recorded under createGraph");
        }
    }
}
