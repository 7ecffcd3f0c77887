using System.Text.Json.Nodes;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Saving;

/// <summary>
/// JSON round trips of a <see cref="FeatureSchema"/> and of <see cref="TaskSpec"/>s: every property that affects how rows
/// are read, encoded and predicted. A task's <see cref="TaskSpec.Loss"/> and <see cref="TaskSpec.Metrics"/> are code,
/// which prediction does not use, and are not written: a loaded task has the defaults of its kind.
/// </summary>
internal static class DataJson
{
    public static JsonObject WriteSchema(FeatureSchema schema) => new()
    {
        ["features"] = new JsonArray([.. schema.Features.Select(f => (JsonNode)new JsonObject
        {
            ["name"] = f.Name,
            ["kind"] = f.Kind.ToString(),
            ["categories"] = f.Kind == FeatureKind.Categorical ? new JsonArray([.. f.Categories.Select(c => JsonValue.Create(c))]) : null,
            ["encoding"] = f.Kind == FeatureKind.Categorical ? f.Encoding.ToString() : null,
            ["numeric"] = f.NumericOptions is { } o
                ? new JsonObject { ["encoding"] = o.Encoding.ToString(), ["log"] = o.Log, ["bins"] = o.Bins }
                : null,
        })]),
    };

    public static FeatureSchema ReadSchema(JsonField root)
    {
        var schema = new FeatureSchema();
        foreach (var field in root["features"].Items())
        {
            string name = field["name"].String();
            try
            {
                schema = field["kind"].Enum<FeatureKind>() switch
                {
                    FeatureKind.Numeric => schema.Numeric(name, new NumericOptions
                    {
                        Encoding = field["numeric"]["encoding"].Enum<NumericEncoding>(),
                        Log = field["numeric"]["log"].Boolean(),
                        Bins = field["numeric"]["bins"].Int32(),
                    }),
                    _ => schema.Categorical(name, field["encoding"].Enum<CategoricalEncoding>(), field["categories"].StringArray()),
                };
            }
            catch (ArgumentException e)
            {
                throw field.Bad(e.Message, e);
            }
        }
        return schema;
    }

    public static JsonArray WriteTasks(IEnumerable<TaskSpec> tasks) => [.. tasks.Select(t => (JsonNode)new JsonObject
    {
        ["name"] = t.Name,
        ["kind"] = t.Kind.ToString(),
        ["features"] = new JsonArray([.. t.Features.Select(f => JsonValue.Create(f))]),
        ["targets"] = new JsonArray([.. t.Targets.Select(f => JsonValue.Create(f))]),
        ["class_count"] = t.ClassCount,
        ["classes"] = t.Classes is { } classes ? new JsonArray([.. classes.Select(c => JsonValue.Create(c))]) : null,
        ["custom_output_size"] = t.CustomOutputSize,
        ["target_transform"] = t.TargetTransform.ToString(),
        ["target_group"] = t.TargetGroup,
        ["weight"] = t.Weight,
    })];

    /// <summary>Reads tasks and checks them together and against <paramref name="schema"/> (<see cref="TaskSpec.ValidateAll"/>).</summary>
    public static TaskSpec[] ReadTasks(JsonField root, FeatureSchema schema)
    {
        var tasks = new List<TaskSpec>();
        foreach (var field in root.Items())
        {
            var task = new TaskSpec
            {
                Name = field["name"].String(),
                Kind = field["kind"].Enum<TaskKind>(),
                Features = field["features"].StringArray(),
                Targets = field["targets"].StringArray(),
                ClassCount = field["class_count"].Int32(0),
                Classes = field["classes"].IsNull ? null : field["classes"].StringArray(),
                CustomOutputSize = field["custom_output_size"].NullableInt32(1),
                TargetTransform = field["target_transform"].Enum<TargetTransform>(),
                TargetGroup = field["target_group"].NullableString(),
                Weight = field["weight"].Double(),
            };
            try
            {
                task.Validate();
            }
            catch (ArgumentException e)
            {
                throw field.Bad(e.Message, e);
            }
            tasks.Add(task);
        }
        try
        {
            TaskSpec.ValidateAll(tasks, schema);
        }
        catch (ArgumentException e)
        {
            throw root.Bad(e.Message, e);
        }
        return [.. tasks];
    }
}
