using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace CustomHead;

/// <summary>A head that predicts a Gaussian per row: column 0 is the mean, column 1 the log-variance.</summary>
public sealed class GaussianHead : Module<Tensor, Tensor>
{
    private readonly Linear _hidden;
    private readonly Linear _output;

    public GaussianHead(int inputSize, int hiddenSize, Generator generator)
    {
        _hidden = Register("hidden", new Linear(inputSize, hiddenSize, generator: generator));
        _output = Register("output", new Linear(hiddenSize, 2, generator: generator));
    }

    public override Tensor Forward(Tensor input) => _output.Forward(_hidden.Forward(input).Relu());
}
