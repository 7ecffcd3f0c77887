using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Saving;
using MultiTask.Tasks;

namespace MultiTask.Tests.Saving;

/// <summary>The schema and the tasks survive the JSON round trip in every property that affects prediction.</summary>
public class DataJsonTests
{
    private static JsonField Parse(JsonNode node, string entry) => new($"test entry '{entry}'", "", JsonNode.Parse(node.ToJsonString()));

    [Fact]
    public void Schema_round_trips_every_encoding()
    {
        var schema = SavingFixture.Schema().Numeric("robust", new NumericOptions { Encoding = NumericEncoding.Robust, Log = true, Bins = 7 });

        var read = DataJson.ReadSchema(Parse(DataJson.WriteSchema(schema), "schema.json"));

        read.SameAs(schema).Should().BeTrue();
        read.Features.Select(f => f.ToString()).Should().Equal(schema.Features.Select(f => f.ToString()));
        read["robust"].NumericOptions.Should().Be(new NumericOptions { Encoding = NumericEncoding.Robust, Log = true, Bins = 7 });
        read["shop"].Encoding.Should().Be(CategoricalEncoding.Embedding);
    }

    [Fact]
    public void Tasks_round_trip_every_property_but_loss_and_metrics()
    {
        var schema = SavingFixture.Schema();
        TaskSpec[] tasks =
        [
            .. SavingFixture.Tasks(),
            TaskSpec.Regression("grouped", ["x1"], target: "g", weight: 0.25) with { TargetGroup = "money" },
            TaskSpec.Multiclass("indexed", 4, ["x1"]),
            TaskSpec.Custom("gauss", ["x1"], targetWidth: 1, outputSize: 2),
        ];

        var read = DataJson.ReadTasks(Parse(DataJson.WriteTasks(tasks), "tasks.json"), schema);

        read.Should().HaveCount(tasks.Length);
        for (int i = 0; i < tasks.Length; i++)
        {
            var (a, e) = (read[i], tasks[i]);
            a.Should().BeEquivalentTo(e with { Loss = null, Metrics = null }, o => o.Excluding(t => t.Target), $"task '{e.Name}'");
        }
        read.Single(t => t.Name == "type").Classes.Should().Equal("low", "mid", "high");
        read.Single(t => t.Name == "gauss").OutputSize.Should().Be(2);
        read.Single(t => t.Name == "grouped").TargetGroup.Should().Be("money");
        read.Single(t => t.Name == "raw").Loss.Should().BeNull("losses are code and are not saved");
    }

    [Fact]
    public void Invalid_tasks_name_the_field()
    {
        var node = DataJson.WriteTasks([TaskSpec.Binary("flag", ["x1"])]);
        node[0]!["target_transform"] = "Log";

        var act = () => DataJson.ReadTasks(Parse(node, "tasks.json"), SavingFixture.Schema());

        act.Should().Throw<InvalidDataException>().WithMessage("test entry 'tasks.json', field '[0]': Task 'flag' is Binary; only regression targets*");
    }

    [Fact]
    public void A_task_feature_outside_the_schema_is_refused()
    {
        var node = DataJson.WriteTasks([TaskSpec.Regression("price", ["x9"])]);

        var act = () => DataJson.ReadTasks(Parse(node, "tasks.json"), SavingFixture.Schema());

        act.Should().Throw<InvalidDataException>().WithMessage("*'x9'*not in the schema*");
    }
}
