using System.Numerics.Tensors;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Kernels;

/// <summary>An element-wise binary operation with span fast paths for the common broadcast cases.</summary>
internal interface IBinaryOperator
{
    static abstract float Invoke(float x, float y);
    static abstract void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);
    static abstract void Invoke(ReadOnlySpan<float> x, float y, Span<float> destination);
    static abstract void Invoke(float x, ReadOnlySpan<float> y, Span<float> destination);
}

internal readonly struct AddOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x + y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
}

internal readonly struct SubtractOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x - y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
}

internal readonly struct MultiplyOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x * y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
}

internal readonly struct DivideOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x / y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
}

/// <summary>Drives an <see cref="IBinaryOperator"/> over two broadcast operands.</summary>
internal static class BinaryKernels
{
    public static float[] Apply<TOp>(float[] a, int[] aShape, float[] b, int[] bShape, out int[] outShape)
        where TOp : IBinaryOperator
    {
        if (ShapeUtil.SameShape(aShape, bShape))
        {
            outShape = aShape;
            var same = GC.AllocateUninitializedArray<float>(a.Length);
            TOp.Invoke(a, b, same);
            return same;
        }
        outShape = ShapeUtil.Broadcast(aShape, bShape);
        var result = GC.AllocateUninitializedArray<float>(ShapeUtil.Numel(outShape));
        if (result.Length == 0) return result;
        if (b.Length == 1) { TOp.Invoke(a, b[0], result); return result; }
        if (a.Length == 1) { TOp.Invoke(a[0], b, result); return result; }

        var aStrides = ShapeUtil.BroadcastStrides(aShape, outShape);
        var bStrides = ShapeUtil.BroadcastStrides(bShape, outShape);
        int rank = outShape.Length;
        int inner = outShape[rank - 1];
        int aInner = aStrides[rank - 1], bInner = bStrides[rank - 1];
        var index = new int[rank];
        int aOff = 0, bOff = 0;
        for (int o = 0; o < result.Length; o += inner)
        {
            var dst = result.AsSpan(o, inner);
            if (aInner == 1 && bInner == 1) TOp.Invoke(a.AsSpan(aOff, inner), b.AsSpan(bOff, inner), dst);
            else if (aInner == 1) TOp.Invoke(a.AsSpan(aOff, inner), b[bOff], dst);
            else if (bInner == 1) TOp.Invoke(a[aOff], b.AsSpan(bOff, inner), dst);
            else dst.Fill(TOp.Invoke(a[aOff], b[bOff]));

            // Advance the odometer over all but the innermost dimension.
            for (int d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                aOff += aStrides[d];
                bOff += bStrides[d];
                if (index[d] < outShape[d]) break;
                aOff -= aStrides[d] * outShape[d];
                bOff -= bStrides[d] * outShape[d];
                index[d] = 0;
            }
        }
        return result;
    }
}
