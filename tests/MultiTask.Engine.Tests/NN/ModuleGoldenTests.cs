using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.NN;

/// <summary>Each module, with PyTorch's weights loaded through LoadStateDict, against PyTorch's forward and backward.</summary>
public class ModuleGoldenTests
{
    private const string File = "nn_modules.json";

    public static IEnumerable<object[]> Cases => Golden.CaseNames(File).Where(c => Make((string)c[0]) is not null);

    private static Module<Tensor, Tensor>? Make(string name) => name switch
    {
        "linear" => new Linear(5, 4),
        "linear_2d" => new Linear(3, 2),
        "linear_nobias" => new Linear(3, 2, bias: false),
        "linear_1d_input" => new Linear(3, 2),
        "dropout_eval" => new Dropout(0.3f),
        "layernorm" => new LayerNorm(5),
        "layernorm_2d_shape" => new LayerNorm([3, 4], eps: 1e-3f),
        "layernorm_no_affine" => new LayerNorm(6, elementwiseAffine: false),
        "embedding" => new Embedding(7, 3),
        "embedding_padding" => new Embedding(6, 4, paddingIdx: 1),
        "relu" => new Relu(),
        "leaky_relu" => new LeakyRelu(0.2f),
        "elu" => new Elu(0.7f),
        "gelu" => new Gelu(),
        "gelu_tanh" => new Gelu(tanhApproximation: true),
        "silu" => new Silu(),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "softplus" => new Softplus(2f, 3f),
        "softmax" => new Softmax(1),
        "log_softmax" => new LogSoftmax(-1),
        "identity" => new Identity(),
        "flatten" => new Flatten(),
        _ => null,
    };

    internal static Dictionary<string, Tensor> State(JsonNode node) =>
        node.AsObject().ToDictionary(kv => kv.Key, kv => Golden.ToTensor(kv.Value!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackward_MatchPyTorch(string name)
    {
        var c = Golden.Case(File, name);
        var module = Make(name)!;
        module.LoadStateDict(State(c["state"]!)).IsExactMatch.Should().BeTrue();
        if (name.EndsWith("_eval", StringComparison.Ordinal)) module.Eval();
        bool floatInput = c["grad_input"] is not null;
        var x = Golden.ToTensor(c["input"]!, requiresGrad: floatInput);

        var y = module.Forward(x);
        Golden.AssertClose(y, c["output"]!, $"{name} output");
        y.Backward(Golden.ToTensor(c["grad_output"]!));

        if (floatInput) Golden.AssertClose(x.Grad!, c["grad_input"]!, $"{name} grad input", atol: 1e-5);
        var grads = c["grads"]!.AsObject();
        foreach (var (pname, p) in module.NamedParameters())
        {
            if (grads.ContainsKey(pname)) Golden.AssertClose(p.Grad!, grads[pname]!, $"{name} grad {pname}");
            else (p.Grad is null || p.Grad.ToArray().All(v => v == 0f)).Should().BeTrue($"{name}: {pname} gets no gradient in PyTorch");
        }
        foreach (var (key, value) in module.StateDict())
            Golden.AssertClose(value, c["state_after"]![key]!, $"{name} state {key}");
    }
}
