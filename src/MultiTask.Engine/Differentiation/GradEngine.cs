using System.Runtime.InteropServices;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Differentiation;

/// <summary>
/// Runs reverse-mode differentiation over the recorded graph: an iterative depth-first search gives a
/// topological order (deep graphs cannot overflow the stack), then each node's rule turns its output
/// gradient into its inputs' gradients, which are summed where a tensor is used more than once.
/// </summary>
internal static class GradEngine
{
    public static void Backward(Tensor[] roots, Tensor?[]? rootGrads, bool retainGraph, bool createGraph) =>
        Run(roots, rootGrads, retainGraph, createGraph, inputs: null);

    /// <summary>
    /// Differentiates <paramref name="roots"/>. With <paramref name="inputs"/> null, gradients are
    /// accumulated into leaves' <see cref="Tensor.Grad"/> (Backward); otherwise they are returned for
    /// the given inputs only and no <see cref="Tensor.Grad"/> is touched (Autograd.Grad), and branches
    /// that cannot reach an input are not evaluated.
    /// </summary>
    public static Tensor?[] Run(IReadOnlyList<Tensor> roots, IReadOnlyList<Tensor?>? rootGrads, bool retainGraph, bool createGraph, IReadOnlyList<Tensor>? inputs)
    {
        if (rootGrads is not null && rootGrads.Count != roots.Count)
            throw new ArgumentException($"Got {rootGrads.Count} gradients for {roots.Count} outputs.");

        var order = TopologicalOrder(roots);
        var grads = new Dictionary<Tensor, Tensor>(order.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < roots.Count; i++)
        {
            var root = roots[i];
            if (!root.RequiresGrad)
                throw new InvalidOperationException(
                    $"Output {i} (shape {ShapeUtil.Format(root.ShapeArray)}) does not require grad and has no GradFn: " +
                    "nothing in its computation requires grad. Set RequiresGrad = true on the parameters or inputs first.");
            var g = rootGrads?[i];
            if (g is null)
            {
                if (root.Numel != 1)
                    throw new InvalidOperationException(
                        $"A gradient can be implicitly created only for one-element outputs, but output {i} has shape " +
                        $"{ShapeUtil.Format(root.ShapeArray)}. Pass its gradient explicitly (e.g. Backward(Tensor.OnesLike(output))).");
                g = Tensor.OnesLike(root);
            }
            else if (!ShapeUtil.SameShape(g.ShapeArray, root.ShapeArray))
            {
                throw new ArgumentException(
                    $"The gradient of output {i} has shape {ShapeUtil.Format(g.ShapeArray)} but the output has shape {ShapeUtil.Format(root.ShapeArray)}.");
            }
            Accumulate(grads, root, g);
        }

        HashSet<Tensor>? needed = null;
        Dictionary<Tensor, int>? inputIndex = null;
        if (inputs is not null)
        {
            inputIndex = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < inputs.Count; i++) inputIndex.TryAdd(inputs[i], i);
            needed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            // `order` lists every tensor after its inputs, so one forward pass marks each tensor
            // from which some requested input can be reached.
            foreach (var t in order)
            {
                if (inputIndex.ContainsKey(t)) { needed.Add(t); continue; }
                if (t.GradFn is { } fn)
                {
                    for (int k = 0; k < fn.InputCount; k++)
                    {
                        if (needed.Contains(fn.Input(k))) { needed.Add(t); break; }
                    }
                }
            }
        }

        var results = new Tensor?[inputs?.Count ?? 0];
        using (Autograd.SetGradEnabled(createGraph))
        {
            for (int idx = order.Count - 1; idx >= 0; idx--)
            {
                var t = order[idx];
                if (!grads.Remove(t, out var g)) continue;
                if (needed is not null && !needed.Contains(t)) continue;
                // From here on a rule may forward g unchanged to several inputs, so it is no longer exclusive.
                bool exclusive = g.TakeExclusiveGradient();
                // An exclusive gradient nothing keeps is dead once its rule has run; its storage is reused.
                bool recyclable = exclusive && !createGraph;

                if (inputIndex is not null && inputIndex.TryGetValue(t, out int slot))
                {
                    results[slot] = createGraph ? g : g.Detach();
                    recyclable = false;
                }
                else if (inputs is null && (t.IsLeaf || t.RetainsGrad))
                {
                    recyclable &= !AccumulateGrad(t, g, exclusive, createGraph);
                }

                var fn = t.GradFn;
                if (fn is null)
                {
                    if (recyclable) ScratchBuffers.Return(g.Data);
                    continue;
                }
                var inputGrads = fn.Apply(g);
                if (!retainGraph) fn.Release();
                for (int k = 0; k < fn.InputCount; k++)
                {
                    var gi = inputGrads[k];
                    if (gi is null) continue;
                    // A rule may hand g itself (addition) or a view of it (reshape) to an input.
                    if (ReferenceEquals(gi.Data, g.Data)) recyclable = false;
                    var input = fn.Input(k);
                    if (!input.RequiresGrad) continue;
                    if (needed is not null && !needed.Contains(input)) continue;
                    Accumulate(grads, input, gi);
                }
                if (recyclable) ScratchBuffers.Return(g.Data);
            }
        }
        // A duplicated input gets the same gradient in every slot, as in PyTorch.
        if (inputs is not null)
        {
            for (int i = 0; i < inputs.Count; i++)
                results[i] ??= inputIndex![inputs[i]] != i ? results[inputIndex[inputs[i]]] : null;
        }
        return results;
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor t, Tensor g)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(grads, t, out bool exists);
        if (!exists)
        {
            slot = g;
        }
        else if (Autograd.IsGradEnabled)
        {
            slot = slot! + g;
        }
        else if (slot!.IsExclusiveGradient && !ReferenceEquals(slot.Data, g.Data) && ShapeUtil.SameShape(slot.ShapeArray, g.ShapeArray))
        {
            // A sum nothing else references: add in place rather than allocate (a tensor used by several ops).
            slot.AddInPlace(g);
            // A kernel made g for this tensor alone and it is now part of the sum.
            if (g.IsExclusiveGradient) ScratchBuffers.Return(g.Data);
        }
        else
        {
            var sum = (slot + g).MarkExclusiveGradient();
            if (slot.IsExclusiveGradient) ScratchBuffers.Return(slot.Data);
            if (g.IsExclusiveGradient && !ReferenceEquals(g.Data, slot.Data)) ScratchBuffers.Return(g.Data);
            slot = sum;
        }
    }

    /// <summary>Adds <paramref name="g"/> to <paramref name="t"/>'s gradient; true when the gradient is now g itself.</summary>
    private static bool AccumulateGrad(Tensor t, Tensor g, bool exclusive, bool createGraph)
    {
        if (t.GradValue is not { } grad)
        {
            // A fresh copy: the incoming gradient may be shared with other tensors' gradients, unless a
            // backward kernel made it for this tensor alone.
            if (!createGraph && t.IsLeaf && exclusive)
            {
                t.GradValue = g;
                return true;
            }
            t.GradValue = createGraph ? g.Clone() : g.Detach().Clone();
        }
        else if (createGraph || grad.RequiresGrad)
        {
            t.GradValue = grad + g;
        }
        else
        {
            grad.AddInPlace(g);
        }
        return false;
    }

    /// <summary>Tensors reachable from the roots through recorded operations, each after all of its inputs.</summary>
    private static List<Tensor> TopologicalOrder(IReadOnlyList<Tensor> roots)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int Next)>();
        foreach (var root in roots)
        {
            if (!root.RequiresGrad || !visited.Add(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (t, next) = stack.Pop();
                var fn = t.GradFn;
                if (fn is not null && next < fn.InputCount)
                {
                    stack.Push((t, next + 1));
                    var child = fn.Input(next);
                    if (child.RequiresGrad && visited.Add(child)) stack.Push((child, 0));
                    continue;
                }
                order.Add(t);
            }
        }
        return order;
    }
}
