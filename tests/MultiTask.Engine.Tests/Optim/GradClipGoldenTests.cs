using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.Optim;

/// <summary>clip_grad_norm_ (1, 2, 3 and inf norms) and clip_grad_value_ against PyTorch.</summary>
public class GradClipGoldenTests
{
    private const string File = "optim_clip.json";

    public static IEnumerable<object[]> Cases() => Golden.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Clip_MatchesPyTorch(string name)
    {
        var c = Golden.Case(File, name);
        var grads = c["grads"]!.AsArray().Select(g => Golden.ToTensor(g!)).ToArray();
        var parameters = grads.Select(g => Tensor.ZerosLike(g).RequireGrad()).ToArray();
        for (int i = 0; i < grads.Length; i++) parameters[i].Grad = grads[i];

        if (name == "value")
        {
            GradClip.ClipGradValue(parameters, (double)c["clip_value"]!);
        }
        else
        {
            double total = GradClip.ClipGradNorm(parameters, (double)c["max_norm"]!, Golden.ParseFloat(c["norm_type"]!));
            double expected = (double)c["total_norm"]!;
            total.Should().BeApproximately(expected, 1e-5 * expected, "total norm");
        }
        var clipped = c["clipped"]!.AsArray();
        for (int i = 0; i < parameters.Length; i++)
            Golden.AssertClose(parameters[i].Grad!, clipped[i]!, $"{name} grad {i}");
    }
}
