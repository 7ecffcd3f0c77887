using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

public class FeatureEncoderPersistenceTests
{
    [Fact]
    public void SaveAndLoad_EncodesExactlyAsTheFittedEncoder()
    {
        var data = TestData.Housing();
        var encoder = FeatureEncoder.Fit(data);
        string path = Path.Combine(Directory.CreateTempSubdirectory("encoder").FullName, "encoder.json");

        encoder.Save(path);
        var loaded = FeatureEncoder.Load(path, TestData.HousingSchema(), TestData.HousingTasks());

        loaded.ColumnNames.Should().Equal(encoder.ColumnNames);
        loaded.Transform(data).Features.ToArray().Should().Equal(encoder.Transform(data).Features.ToArray());
        foreach (var task in encoder.Tasks)
            loaded.TargetStatistics(task.Name).Should().Be(encoder.TargetStatistics(task.Name));
        File.Exists(path + ".tmp").Should().BeFalse();
    }

    [Fact]
    public void Load_WithAnotherSchema_NamesTheDifference()
    {
        var encoder = FeatureEncoder.Fit(TestData.Housing());
        string path = Path.Combine(Directory.CreateTempSubdirectory("encoder").FullName, "encoder.json");
        encoder.Save(path);

        var otherSchema = new FeatureSchema().Numeric("size_sqft").Numeric("rooms").Numeric("bathrooms")
            .Categorical("location", "downtown", "suburb", "rural");
        var act = () => FeatureEncoder.Load(path, otherSchema, TestData.HousingTasks());
        act.Should().Throw<InvalidDataException>().WithMessage("*feature 1 is 'bedrooms'*'rooms'*fitted with*");

        var tasks = TestData.HousingTasks().Reverse().ToArray();
        var swapped = () => FeatureEncoder.Load(path, TestData.HousingSchema(), tasks);
        swapped.Should().Throw<InvalidDataException>().WithMessage("*tasks are (house, apartment)*(apartment, house)*");
    }

    [Fact]
    public void Load_NotAnEncoderFile_Throws()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("encoder").FullName, "encoder.json");
        File.WriteAllText(path, "{ \"hello\": ");
        var act = () => FeatureEncoder.Load(path, TestData.HousingSchema(), TestData.HousingTasks());
        act.Should().Throw<InvalidDataException>().WithMessage("*not a FeatureEncoder file*");
    }
}
