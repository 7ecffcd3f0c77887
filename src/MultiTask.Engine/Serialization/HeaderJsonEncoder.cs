using System.Text;
using System.Text.Encodings.Web;

namespace MultiTask.Engine.Serialization;

/// <summary>
/// Escapes JSON strings exactly as the reference safetensors writer (Rust's serde_json, and Python's
/// <c>json.dumps(ensure_ascii=False)</c>) does: only <c>"</c>, <c>\</c> and control characters are
/// escaped, everything else is written as raw UTF-8. The built-in encoders also escape non-ASCII or
/// HTML-sensitive characters, which would make our headers differ byte-for-byte from PyTorch's.
/// </summary>
internal sealed class HeaderJsonEncoder : JavaScriptEncoder
{
    public static readonly HeaderJsonEncoder Instance = new();

    private HeaderJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            char c = text[i];
            if (c < 0x20 || c == '"' || c == '\\') return i;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        scoped ReadOnlySpan<char> escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\f' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => default,
        };
        Span<char> scratch = stackalloc char[6];
        if (escaped.IsEmpty)
        {
            if (unicodeScalar < 0x20)
            {
                "\\u00".AsSpan().CopyTo(scratch);
                scratch[4] = "0123456789abcdef"[unicodeScalar >> 4];
                scratch[5] = "0123456789abcdef"[unicodeScalar & 0xF];
                escaped = scratch;
            }
            else
            {
                int n = new Rune(unicodeScalar).EncodeToUtf16(scratch);
                escaped = scratch[..n];
            }
        }
        if (escaped.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        escaped.CopyTo(new Span<char>(buffer, bufferLength));
        numberOfCharactersWritten = escaped.Length;
        return true;
    }
}
