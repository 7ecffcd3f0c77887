using System.Diagnostics;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Recipes;
using MultiTask.Saving;
using MultiTask.Training;

namespace MultiTask.Tests.Saving;

/// <summary>
/// Predicting in another process: models are saved here, and a separate process (tests/MultiTask.SavedModelCheck), which
/// has none of the code that built them, loads each file and predicts a CSV file; its predictions must equal this
/// process's bit for bit.
/// </summary>
public sealed class SavedModelProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-savedprocess").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every built-in architecture (a user module needs its registration in the loading process, so it is left out).</summary>
    [Theory]
    [InlineData("hard")]
    [InlineData("hard-residual-wide-periodic")]
    [InlineData("soft")]
    [InlineData("cross-stitch")]
    [InlineData("mmoe")]
    [InlineData("mmoe-dselectk-periodic")]
    [InlineData("ple-dselectk-static")]
    [InlineData("engine-head")]
    [InlineData("cascade")]
    public void A_fresh_process_predicts_a_saved_network_bit_for_bit(string architecture)
    {
        // A network over every input and task kind, trained briefly.
        var data = SavingFixture.Dataset();
        var encoder = FeatureEncoder.Fit(data);
        var network = ModelFileTests.Build(architecture, encoder);
        var trainer = new MultiTaskTrainer(network, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        trainer.Fit(encoder.Transform(data));
        string networkFile = Path.Combine(_dir, "network.mtmodel"), networkCsv = Path.Combine(_dir, "network.csv");
        ModelFile.Save(networkFile, network, encoder);
        SavingFixture.WriteCsv(SavingFixture.RawTable(70, 9), networkCsv);
        var networkRows = MultiTaskDataset.FromCsv(networkCsv, data.Schema, data.Tasks, new CsvOptions { Labels = [], KeepUnlabeledRows = true });

        RunCheck(networkFile, networkCsv).Should().Be(SavingFixture.Text(trainer.Predict(encoder.Transform(networkRows))));
    }

    [Fact]
    public void A_fresh_process_predicts_a_saved_recipe_bit_for_bit()
    {
        // The recipe's model with one pooled part: several encoders, members and a rebuilt pooling.
        var recipe = TabularRecipe.Fit(TabularModelFileTests.Train(),
            new TabularRecipeOptions { Members = 2, Hidden = [8], MaxEpochs = 6, Patience = 3, Seed = 4, MaxParallel = 1, Sharing = TaskSharing.Pooled });
        string recipeFile = Path.Combine(_dir, "recipe.mtmodel"), recipeCsv = Path.Combine(_dir, "recipe.csv");
        recipe.Save(recipeFile);
        SavingFixture.WriteCsv(TabularModelFileTests.Rows(40, 5, labels: false), recipeCsv, ["x1", "x2", "city"]);

        RunCheck(recipeFile, recipeCsv).Should().Be(SavingFixture.Text(recipe.Predict(TabularModelFileTests.Unlabelled(recipeCsv))));
    }

    private string RunCheck(string modelFile, string csv)
    {
        string config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "MultiTask.SavedModelCheck", "bin", config, "net10.0", "MultiTask.SavedModelCheck.dll"));
        File.Exists(dll).Should().BeTrue($"the check program is built with the tests ({dll})");
        string output = Path.Combine(_dir, Path.GetFileNameWithoutExtension(modelFile) + ".txt");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, modelFile, csv, output }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit(120_000).Should().BeTrue("the check program must finish");
        process.ExitCode.Should().Be(0, errors.Result);
        return File.ReadAllText(output);
    }
}
