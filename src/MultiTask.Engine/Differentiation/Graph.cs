using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Differentiation;

/// <summary>Records an operation's node on its result when gradient mode is on and an input requires grad.</summary>
internal static class Graph
{
    public static Node? Track(Tensor result, string name, BackwardRule rule, Tensor a)
    {
        if (!a.RequiresGrad || !Autograd.IsGradEnabled) return null;
        return Attach(result, new Node(name, rule, [a]));
    }

    public static Node? Track(Tensor result, string name, BackwardRule rule, Tensor a, Tensor b)
    {
        if (!(a.RequiresGrad || b.RequiresGrad) || !Autograd.IsGradEnabled) return null;
        return Attach(result, new Node(name, rule, [a, b]));
    }

    public static Node? Track(Tensor result, string name, BackwardRule rule, Tensor a, Tensor b, Tensor c)
    {
        if (!(a.RequiresGrad || b.RequiresGrad || c.RequiresGrad) || !Autograd.IsGradEnabled) return null;
        return Attach(result, new Node(name, rule, [a, b, c]));
    }

    public static Node? Track(Tensor result, string name, BackwardRule rule, Tensor[] inputs)
    {
        if (!Autograd.IsGradEnabled) return null;
        foreach (var t in inputs)
        {
            if (t.RequiresGrad) return Attach(result, new Node(name, rule, inputs));
        }
        return null;
    }

    private static Node Attach(Tensor result, Node node)
    {
        result.GradFn = node;
        result.MarkRequiresGrad();
        return node;
    }
}
