using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Kernels;

/// <summary>Copies between a tensor and a part of it along one dimension (narrow, cat, index_select, gather).</summary>
internal static class IndexKernels
{
    /// <summary>Checks an index value and returns it as an int (negative values are rejected, as in PyTorch's index_select).</summary>
    public static int CheckIndex(float value, int dim, int size, string op)
    {
        int i = (int)value;
        if (i != value || i < 0 || i >= size)
            throw new IndexOutOfRangeException(
                $"{op}: index {value} is out of range for dimension {dim} of size {size} (valid indices are 0..{size - 1}).");
        return i;
    }

    /// <summary>Copies the block [start, start+length) of dimension dim of src into (or, with add, adds it into) the same block of dst.</summary>
    public static void CopyBlock(float[] src, int[] srcShape, int srcStart, float[] dst, int[] dstShape, int dstStart, int dim, int length, bool add)
    {
        ReduceKernels.Split(srcShape, dim, out int outer, out int srcN, out int inner);
        int dstN = dstShape[dim];
        int block = length * inner;
        for (int o = 0; o < outer; o++)
        {
            var s = src.AsSpan((o * srcN + srcStart) * inner, block);
            var d = dst.AsSpan((o * dstN + dstStart) * inner, block);
            if (add) System.Numerics.Tensors.TensorPrimitives.Add(d, s, d);
            else s.CopyTo(d);
        }
    }

    /// <summary>dst[..., index[j], ...] (+)= src[..., j, ...] along dim (reverse: dst[..., j, ...] = src[..., index[j], ...]).</summary>
    public static void IndexCopy(float[] src, int[] srcShape, float[] dst, int[] dstShape, int dim, int[] index, bool scatterAdd)
    {
        ReduceKernels.Split(scatterAdd ? dstShape : srcShape, dim, out int outer, out int n, out int inner);
        int m = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                if (scatterAdd)
                {
                    var s = src.AsSpan((o * m + j) * inner, inner);
                    var d = dst.AsSpan((o * n + index[j]) * inner, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(d, s, d);
                }
                else
                {
                    src.AsSpan((o * n + index[j]) * inner, inner).CopyTo(dst.AsSpan((o * m + j) * inner, inner));
                }
            }
        }
    }

    /// <summary>
    /// Gather (out[p] = src[p with dim replaced by index[p]]) or, with scatterAdd, its adjoint
    /// (dst[p with dim replaced by index[p]] += values[p]). <paramref name="bigShape"/> is the shape of the indexed tensor.
    /// </summary>
    public static void GatherScatter(float[] big, int[] bigShape, float[] small, int[] index, int[] indexShape, int dim, bool scatterAdd, string op)
    {
        int rank = indexShape.Length;
        var bigStrides = ShapeUtil.Strides(bigShape);
        var pos = new int[rank];
        int bigOff = 0;
        int size = bigShape[dim];
        for (int o = 0; o < small.Length; o++)
        {
            int k = index[o];
            if ((uint)k >= (uint)size)
                throw new IndexOutOfRangeException($"{op}: index {k} is out of range for dimension {dim} of size {size}.");
            int at = bigOff + k * bigStrides[dim];
            if (scatterAdd) big[at] += small[o];
            else small[o] = big[at];
            for (int d = rank - 1; d >= 0; d--)
            {
                pos[d]++;
                if (d != dim) bigOff += bigStrides[d];
                if (pos[d] < indexShape[d]) break;
                if (d != dim) bigOff -= bigStrides[d] * indexShape[d];
                pos[d] = 0;
            }
        }
    }
}
