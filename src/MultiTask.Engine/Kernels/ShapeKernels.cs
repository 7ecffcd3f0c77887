using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Kernels;

/// <summary>Data movement kernels.</summary>
internal static class ShapeKernels
{
    /// <summary>Copies <paramref name="data"/> with its dimensions reordered by <paramref name="perm"/>.</summary>
    public static float[] Permute(float[] data, int[] shape, int[] perm, out int[] outShape)
    {
        int rank = shape.Length;
        outShape = new int[rank];
        var inStrides = ShapeUtil.Strides(shape);
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            outShape[i] = shape[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        var result = new float[data.Length];
        if (result.Length == 0) return result;
        if (rank == 2 && perm[0] == 1)
        {
            int rows = shape[0], cols = shape[1];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    result[j * rows + i] = data[i * cols + j];
            return result;
        }
        var index = new int[rank];
        int src = 0;
        for (int o = 0; o < result.Length; o++)
        {
            result[o] = data[src];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                src += strides[d];
                if (index[d] < outShape[d]) break;
                src -= strides[d] * outShape[d];
                index[d] = 0;
            }
        }
        return result;
    }
}
