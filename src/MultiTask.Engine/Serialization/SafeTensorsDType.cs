using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MultiTask.Engine.Serialization;

/// <summary>The element types the reader converts to float32, with their safetensors names and sizes.</summary>
internal enum SafeTensorsDType
{
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F16,
    BF16,
    F32,
    F64,
}

internal static class SafeTensorsDTypes
{
    public const string Supported = "F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        switch (name)
        {
            case "BOOL": dtype = SafeTensorsDType.Bool; return true;
            case "U8": dtype = SafeTensorsDType.U8; return true;
            case "I8": dtype = SafeTensorsDType.I8; return true;
            case "I16": dtype = SafeTensorsDType.I16; return true;
            case "I32": dtype = SafeTensorsDType.I32; return true;
            case "I64": dtype = SafeTensorsDType.I64; return true;
            case "F16": dtype = SafeTensorsDType.F16; return true;
            case "BF16": dtype = SafeTensorsDType.BF16; return true;
            case "F32": dtype = SafeTensorsDType.F32; return true;
            case "F64": dtype = SafeTensorsDType.F64; return true;
            default: dtype = default; return false;
        }
    }

    public static int Size(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.F32 => 4,
        _ => 8,
    };

    /// <summary>
    /// Converts little-endian elements of <paramref name="dtype"/> into float32. Floating types round
    /// to nearest (as PyTorch's <c>.float()</c>); integers must be exactly representable.
    /// </summary>
    /// <returns>The index of the first integer that float32 cannot hold exactly, or -1 when all converted exactly.</returns>
    public static int Decode(SafeTensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                }
                else
                {
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }
                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                break;
            case SafeTensorsDType.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                break;
            case SafeTensorsDType.BF16:
                // bfloat16 is the upper half of a float32, so widening is exact, NaN payloads included.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            case SafeTensorsDType.Bool:
            case SafeTensorsDType.U8:
                for (int i = 0; i < destination.Length; i++) destination[i] = source[i];
                break;
            case SafeTensorsDType.I8:
                for (int i = 0; i < destination.Length; i++) destination[i] = (sbyte)source[i];
                break;
            case SafeTensorsDType.I16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]);
                break;
            case SafeTensorsDType.I32:
                for (int i = 0; i < destination.Length; i++)
                    if (!TryExact(BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]), out destination[i])) return i;
                break;
            case SafeTensorsDType.I64:
                for (int i = 0; i < destination.Length; i++)
                    if (!TryExact(BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]), out destination[i])) return i;
                break;
            default:
                throw new InvalidOperationException($"Unhandled dtype {dtype}.");
        }
        return -1;
    }

    /// <summary>The integer element at the start of <paramref name="source"/>, for error messages.</summary>
    public static long ReadInteger(SafeTensorsDType dtype, ReadOnlySpan<byte> source) => dtype == SafeTensorsDType.I32
        ? BinaryPrimitives.ReadInt32LittleEndian(source)
        : BinaryPrimitives.ReadInt64LittleEndian(source);

    private static bool TryExact(long value, out float result)
    {
        const long exactRange = 1L << 24;
        result = value;
        if (value >= -exactRange && value <= exactRange) return true;
        // 2^63 itself does not fit in a long, so the round trip below would be undefined for it.
        return result < 9.223372E18f && (long)result == value;
    }
}
