using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MultiTask.Testing;

/// <summary>
/// The counts of one fuzzing run: every input was accepted, rejected with a documented exception, or is
/// a failure (any other exception, an oversized message, an over-allocation or a broken invariant).
/// </summary>
internal sealed record FuzzReport(string Format, int Seed, int Tried, int Accepted, int Rejected, IReadOnlyList<string> Failures)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Format} fuzz (seed {Seed}): {Tried} inputs tried, {Accepted} accepted, {Rejected} rejected with a documented exception, {Failures.Count} anything else")
        + (Failures.Count == 0 ? "" : Environment.NewLine + string.Join(Environment.NewLine, Failures.Take(20)));
}

/// <summary>
/// A small seeded mutation fuzzer for the library's readers. By default it runs a fixed number of inputs
/// (deterministic, about a second per format); with <see cref="SecondsVariable"/> set it runs for that many
/// seconds instead, for a long run. Input i of seed s is always the same, so a failure names its
/// reproduction: the seed and the input index.
/// </summary>
internal static class Fuzzer
{
    /// <summary>Seconds per format for a long run, e.g. <c>MULTITASK_FUZZ_SECONDS=600</c>.</summary>
    public const string SecondsVariable = "MULTITASK_FUZZ_SECONDS";

    /// <summary>Longest accepted exception message: a message that grows with the input is a memory hazard.</summary>
    public const int MaxMessageLength = 8192;

    /// <summary>
    /// Runs <paramref name="target"/> on generated inputs. <paramref name="documented"/> says whether an
    /// exception is one the API documents for bad input; <paramref name="target"/> throws
    /// <see cref="FuzzInvariantException"/> for an accepted input that breaks an invariant.
    /// </summary>
    public static FuzzReport Run(string format, int seed, int inputs, Func<Random, byte[]> generate, Action<byte[]> target,
        Func<Exception, bool> documented, long allocationAllowance = 64L << 20)
    {
        double? seconds = double.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
            ? s : null;
        var clock = Stopwatch.StartNew();
        int tried = 0, accepted = 0, rejected = 0;
        var failures = new List<string>();
        for (int i = 0; seconds is null ? i < inputs : clock.Elapsed.TotalSeconds < seconds; i++)
        {
            var random = new Random(unchecked(seed * 1_000_003 + i));
            byte[] input = generate(random);
            tried++;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target(input);
                accepted++;
            }
            catch (Exception e) when (e is not FuzzInvariantException && documented(e))
            {
                if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Length > MaxMessageLength)
                    failures.Add(Describe(i, input, $"{e.GetType().Name} with a message of {e.Message.Length} characters: {Shorten(e.Message)}"));
                else
                    rejected++;
            }
            catch (Exception e)
            {
                failures.Add(Describe(i, input, $"{e.GetType().FullName}: {Shorten(e.Message)}{Environment.NewLine}{Shorten(e.StackTrace ?? "", 600)}"));
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long limit = allocationAllowance + 64L * input.Length;
            if (allocated > limit)
                failures.Add(Describe(i, input, $"allocated {allocated:N0} bytes for a {input.Length:N0}-byte input (limit {limit:N0})"));
        }
        return new FuzzReport(format, seed, tried, accepted, rejected, failures);
    }

    private static string Describe(int index, byte[] input, string what) =>
        $"  input {index} ({input.Length} bytes, starts {Shorten(Encoding.UTF8.GetString(input, 0, Math.Min(input.Length, 160)), 160)}): {what}";

    private static string Shorten(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>Bytes that often sit on the edge of a parser's cases.</summary>
    private static readonly byte[] InterestingBytes = "\0\"',;\n\r\t {}[]:-+.eE0123456789\\"u8.ToArray().Concat(new byte[] { 0x7F, 0x80, 0xC3, 0xFF }).ToArray();

    /// <summary>Applies 1 to 8 (mostly 1 or 2) random mutations (bit flips, byte edits, range deletions and copies, token insertions, truncation, splicing).</summary>
    public static byte[] Mutate(Random random, IReadOnlyList<byte[]> corpus, IReadOnlyList<string> tokens)
    {
        var data = new List<byte>(corpus[random.Next(corpus.Count)]);
        // Mostly one or two edits, so that many inputs stay close enough to valid to reach the deeper code.
        int count = random.Next(4) == 0 ? 1 + random.Next(8) : 1 + random.Next(2);
        for (int m = 0; m < count; m++)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(10))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 3 when data.Count > 0:
                    int length = Math.Min(data.Count - at, 1 + random.Next(64));
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(at, length));
                    break;
                case 4 or 5:
                    data.InsertRange(at, Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Count)]));
                    break;
                case 6 when data.Count > 0:
                    // Replace a run of digits (a number in text formats) by a token.
                    int end = at;
                    while (end < data.Count && (char)data[end] is >= '0' and <= '9' or '.' or 'e' or '-') end++;
                    data.RemoveRange(at, end - at);
                    data.InsertRange(at, Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Count)]));
                    break;
                case 7 when data.Count > 0:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 8:
                    var other = corpus[random.Next(corpus.Count)];
                    if (other.Length == 0) break;
                    int from = random.Next(other.Length);
                    data.InsertRange(at, other.Skip(from).Take(1 + random.Next(other.Length - from)));
                    break;
                default:
                    if (random.Next(50) == 0)
                        data.InsertRange(at, Enumerable.Repeat(InterestingBytes[random.Next(InterestingBytes.Length)], 1 + random.Next(1 << 16)));
                    break;
            }
        }
        return [.. data];
    }
}

/// <summary>An accepted input broke an invariant of the reader (e.g. a non-finite encoded value).</summary>
internal sealed class FuzzInvariantException(string message) : Exception(message);
