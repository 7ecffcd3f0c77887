using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Serialization;

/// <summary>The tensors and the free-form <c>__metadata__</c> strings read from a safetensors file.</summary>
public sealed class SafeTensorsContent
{
    internal SafeTensorsContent(OrderedDictionary<string, Tensor> tensors, OrderedDictionary<string, string>? metadata)
    {
        Tensors = tensors;
        Metadata = metadata ?? [];
        HasMetadata = metadata is not null;
    }

    /// <summary>
    /// The tensors by name, in the order their data is stored in the file (for files written by this
    /// library or by the Python <c>safetensors</c> package, that is sorted by name). The dictionary
    /// is a fresh copy that belongs to the caller.
    /// </summary>
    public OrderedDictionary<string, Tensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> string map, in header order; empty when the file has none.</summary>
    public OrderedDictionary<string, string> Metadata { get; }

    /// <summary>True when the header contains a <c>__metadata__</c> entry (even an empty one).</summary>
    public bool HasMetadata { get; }
}
