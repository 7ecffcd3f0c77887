using System.Text.RegularExpressions;
using FluentAssertions;

namespace MultiTask.Tests.Docs;

/// <summary>Keeps the C# snippets of the docs identical to compiled, tested code.</summary>
public partial class DocSnippetTests
{
    [Theory]
    [InlineData("docs/extending.md", "tests/MultiTask.Tests/Docs/ExtendingExamples.cs", 7)]
    [InlineData("docs/getting-started.md", "tests/MultiTask.Tests/Docs/GettingStartedExample.cs", 10)]
    [InlineData("docs/architectures.md", "tests/MultiTask.Tests/Docs/ArchitecturesDocTests.cs", 1)]
    [InlineData("docs/search.md", "tests/MultiTask.Tests/Search/SearchDocExample.cs", 2)]
    [InlineData("docs/saving.md", "tests/MultiTask.Tests/Docs/SavingDocExample.cs", 4)]
    [InlineData("docs/onnx.md", "tests/MultiTask.Onnx.Tests/DocsExampleTests.cs", 2)]
    [InlineData("docs/fairness.md", "tests/MultiTask.Tests/Metrics/GroupEvaluationTests.cs", 1)]
    [InlineData("docs/transfer-and-continual.md", "tests/MultiTask.Tests/Docs/TransferAndContinualDocExample.cs", 5)]
    [InlineData("docs/diagnostics.md", "tests/MultiTask.Tests/Docs/DiagnosticsDocExample.cs", 1)]
    [InlineData("docs/streaming.md", "tests/MultiTask.Parquet.Tests/StreamingDocExample.cs", 4)]
    public void Every_csharp_block_appears_verbatim_in_the_tested_code(string document, string source, int minimumBlocks)
    {
        string root = RepositoryRoot();
        var blocks = CSharpBlocks(File.ReadAllText(Path.Combine(root, document)));
        string code = Normalize(File.ReadAllText(Path.Combine(root, source)));

        blocks.Should().HaveCountGreaterThanOrEqualTo(minimumBlocks);
        foreach (var block in blocks)
            code.Should().Contain(Normalize(block), $"{document} shows this block, which must be code that {source} compiles and a test runs");
    }

    [Fact]
    public void CSharpBlocks_finds_only_csharp_fences()
    {
        var blocks = CSharpBlocks("text\n```csharp\nint a = 1;\n```\n```shell\nls\n```\n```csharp\nint b;\n```\n");
        blocks.Should().Equal(["int a = 1;\n", "int b;\n"]);
    }

    private static List<string> CSharpBlocks(string markdown) =>
        Fence().Matches(markdown.Replace("\r\n", "\n")).Select(m => m.Groups[1].Value).ToList();

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultiTask.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains MultiTask.sln.");
    }

    [GeneratedRegex(@"^```csharp\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
