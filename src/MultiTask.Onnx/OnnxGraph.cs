using System.Buffers.Binary;
using Google.Protobuf;
using MultiTask.Engine.Tensors;
using MultiTask.Onnx.Proto;

namespace MultiTask.Onnx;

/// <summary>
/// Builds an ONNX <see cref="GraphProto"/>: unique value names, initializers (each engine tensor once,
/// however often it is read) and nodes. Every constant is an initializer, so the graph has no Constant nodes.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<Tensor, string> _weights = new(ReferenceEqualityComparer.Instance);

    public GraphProto Proto { get; } = new();

    /// <summary>Claims <paramref name="name"/> (an input or output name) so that no other value takes it.</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name))
            throw new ArgumentException($"The ONNX graph would have two values named '{name}'; the input name and the task names must all differ.", nameof(name));
    }

    /// <summary>A name not yet used, <paramref name="hint"/> itself when it is free.</summary>
    public string Fresh(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>The initializer holding <paramref name="tensor"/> (a parameter or buffer), added on first use under <paramref name="name"/>.</summary>
    public string Weight(Tensor tensor, string name)
    {
        if (_weights.TryGetValue(tensor, out var existing)) return existing;
        string added = Floats(tensor.ToArray(), [.. tensor.Shape.Select(d => (long)d)], name);
        _weights[tensor] = added;
        return added;
    }

    /// <summary>A float32 initializer of shape <paramref name="dims"/> (row-major values).</summary>
    public string Floats(float[] values, long[] dims, string hint)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return Initializer(TensorProto.Types.DataType.Float, bytes, dims, hint);
    }

    /// <summary>A float32 scalar initializer.</summary>
    public string Scalar(float value, string hint) => Floats([value], [], hint);

    /// <summary>A float64 scalar initializer.</summary>
    public string Scalar(double value, string hint)
    {
        var bytes = new byte[sizeof(double)];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        return Initializer(TensorProto.Types.DataType.Double, bytes, [], hint);
    }

    /// <summary>An int64 initializer: a vector of <paramref name="values"/>, or a scalar when <paramref name="scalar"/> is set.</summary>
    public string Int64s(IReadOnlyList<long> values, string hint, bool scalar = false)
    {
        if (scalar && values.Count != 1) throw new ArgumentException("A scalar holds one value.", nameof(values));
        var bytes = new byte[values.Count * sizeof(long)];
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return Initializer(TensorProto.Types.DataType.Int64, bytes, scalar ? [] : [values.Count], hint);
    }

    /// <summary>Adds a node of the default domain with one output, named from <paramref name="hint"/>, and returns that output's name.</summary>
    public string Node(string opType, string hint, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        string output = Fresh(hint);
        AddNode(opType, inputs, output, attributes);
        return output;
    }

    /// <summary>Adds a node whose output is <paramref name="output"/>, a name already claimed.</summary>
    public void AddNode(string opType, IReadOnlyList<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
    }

    /// <summary>A float32 tensor type whose dimensions are fixed sizes (long) or symbolic names (string).</summary>
    public static ValueInfoProto FloatValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => throw new ArgumentException($"A dimension is a size or a name, got {d}.", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private string Initializer(TensorProto.Types.DataType type, byte[] bytes, long[] dims, string hint)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }
}
