using System.Globalization;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Docs;

/// <summary>The README's short example, statement for statement, on two small generated CSV files.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExample_RunsEndToEnd()
    {
        string dir = Directory.CreateTempSubdirectory("multitask-readme").FullName;
        try
        {
            WriteTables(dir);
            string housesCsv = Path.Combine(dir, "houses.csv"), apartmentsCsv = Path.Combine(dir, "apartments.csv");
            string modelFile = Path.Combine(dir, "prices.mtmodel"), newCsv = Path.Combine(dir, "new.csv");
            File.WriteAllLines(newCsv, ["size_sqft,bedrooms,location", "650,1,downtown", "1400,2,rural"]);

            var schema = new FeatureSchema()
                .Numeric("size_sqft").Numeric("bedrooms").Numeric("bathrooms")
                .Categorical("location", "downtown", "suburb", "rural");
            TaskSpec[] tasks =
            [
                TaskSpec.Regression("house",     features: ["size_sqft", "bedrooms", "bathrooms"], target: "price") with { TargetGroup = "price" },
                TaskSpec.Regression("apartment", features: ["size_sqft", "bedrooms", "location"],  target: "price") with { TargetGroup = "price" },
            ];
            var data = MultiTaskDataset.Concat(
                MultiTaskDataset.FromCsv(housesCsv,     schema, tasks, new CsvOptions { Labels = ["house"] }),
                MultiTaskDataset.FromCsv(apartmentsCsv, schema, tasks, new CsvOptions { Labels = ["apartment"] }));
            var (train, _, test) = data.Split(seed: 42, validation: 0, test: 0.2);

            TabularModel model = TabularRecipe.Fit(train, new TabularRecipeOptions { Seed = 42 });
            EvaluationResult result = model.Evaluate(test);

            model.Save(modelFile);
            var predictions = ModelFile.Load(modelFile).PredictCsv(newCsv);

            model.Parts.Single().Ensemble.Members.Should().HaveCount(5);
            // Prices have a $10,000 noise floor and a spread of about $100,000: the model must get close to the floor.
            result["apartment"]["rmse"].Should().BeLessThan(30_000);
            result["house"]["rmse"].Should().BeLessThan(20_000);
            var expected = model.Predict(MultiTaskDataset.FromCsv(newCsv, schema, tasks, new CsvOptions { Labels = [], KeepUnlabeledRows = true }));
            predictions["apartment"].ToArray().Should().Equal(expected["apartment"].ToArray(), "the saved model predicts what the fitted one does");
            predictions["apartment"][0, 0].Should().BeInRange(100_000, 250_000, "a 650 sq ft downtown apartment costs about $200,000");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WriteTables(string dir)
    {
        var rng = new Generator(3);
        var houses = new List<string> { "size_sqft,bedrooms,bathrooms,price" };
        for (int i = 0; i < 400; i++)
        {
            double size = 900 + 2600 * rng.NextDouble();
            int beds = 1 + (int)(size / 800), baths = 1 + (int)(size / 1500);
            double price = 40_000 + 140 * size + 8_000 * beds + 12_000 * baths + 10_000 * rng.NextNormal();
            houses.Add(string.Create(CultureInfo.InvariantCulture, $"{size:F0},{beds},{baths},{price:F0}"));
        }
        string[] locations = ["downtown", "suburb", "rural"];
        double[] premium = [70_000, 25_000, 0];
        var apartments = new List<string> { "size_sqft,bedrooms,location,price" };
        for (int i = 0; i < 120; i++)
        {
            double size = 450 + 1150 * rng.NextDouble();
            int beds = (int)(size / 550), loc = (int)rng.NextInt64(0, 3);
            double price = 25_000 + 155 * size + 6_000 * beds + premium[loc] + 10_000 * rng.NextNormal();
            apartments.Add(string.Create(CultureInfo.InvariantCulture, $"{size:F0},{beds},{locations[loc]},{price:F0}"));
        }
        File.WriteAllLines(Path.Combine(dir, "houses.csv"), houses);
        File.WriteAllLines(Path.Combine(dir, "apartments.csv"), apartments);
    }
}
