using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

/// <summary>A shared backbone (8→64→64, ReLU) feeding one small head per task (64→32→1).</summary>
internal sealed class TwoHeadModel : Module<Tensor, (Tensor House, Tensor Apartment)>
{
    private readonly Sequential _backbone;
    private readonly Sequential _house;
    private readonly Sequential _apartment;

    public TwoHeadModel(int features, Generator gen)
    {
        _backbone = Register("backbone", new Sequential(new Linear(features, 64, generator: gen), new ReLU(), new Linear(64, 64, generator: gen), new ReLU()));
        _house = Register("house", new Sequential(new Linear(64, 32, generator: gen), new ReLU(), new Linear(32, 1, generator: gen)));
        _apartment = Register("apartment", new Sequential(new Linear(64, 32, generator: gen), new ReLU(), new Linear(32, 1, generator: gen)));
    }

    public override (Tensor House, Tensor Apartment) Forward(Tensor x)
    {
        var shared = _backbone.Forward(x);
        return (_house.Forward(shared), _apartment.Forward(shared));
    }
}
