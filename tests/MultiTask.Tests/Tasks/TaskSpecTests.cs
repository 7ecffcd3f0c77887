using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Tasks;

public class TaskSpecTests
{
    [Fact]
    public void Factories_set_kind_targets_and_output_sizes()
    {
        var reg = TaskSpec.Regression("price", ["a"]);
        reg.Kind.Should().Be(TaskKind.Regression);
        reg.Target.Should().Be("price");
        reg.StandardizeTarget.Should().BeTrue();
        reg.OutputSize.Should().Be(1);
        reg.TargetWidth.Should().Be(1);
        reg.Weight.Should().Be(1);

        var bin = TaskSpec.Binary("sold", ["a"], target: "is_sold", weight: 2);
        bin.Target.Should().Be("is_sold");
        bin.Weight.Should().Be(2);
        bin.StandardizeTarget.Should().BeFalse();
        bin.OutputSize.Should().Be(1);

        var mc = TaskSpec.Multiclass("kind", 4, ["a"]);
        mc.ClassCount.Should().Be(4);
        mc.OutputSize.Should().Be(4);
        mc.TargetWidth.Should().Be(1);

        var named = TaskSpec.Multiclass("kind", ["x", "y", "z"], ["a"]);
        named.ClassCount.Should().Be(3);
        named.Classes.Should().Equal("x", "y", "z");

        var ml = TaskSpec.Multilabel("tags", ["a"], ["garden", "pool"]);
        ml.OutputSize.Should().Be(2);
        ml.TargetWidth.Should().Be(2);
        ml.Targets.Should().Equal("garden", "pool");

        var custom = TaskSpec.Custom("box", ["a"], 3);
        custom.Targets.Should().Equal("box_0", "box_1", "box_2");
        custom.OutputSize.Should().Be(3);
        TaskSpec.Custom("one", ["a"], 1).Target.Should().Be("one");
    }

    [Fact]
    public void With_expression_keeps_the_spec_usable()
    {
        var t = TaskSpec.Regression("price", ["a"]) with { Weight = 0.5, StandardizeTarget = false };
        t.Weight.Should().Be(0.5);
        t.Invoking(x => x.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Target_of_a_multi_column_task_points_to_Targets()
    {
        var ml = TaskSpec.Multilabel("tags", ["a"], ["garden", "pool"]);
        ml.Invoking(t => t.Target).Should().Throw<InvalidOperationException>().WithMessage("*'tags'*garden, pool*use Targets*");
    }

    [Fact]
    public void Empty_name_is_rejected() =>
        FluentActions.Invoking(() => TaskSpec.Regression(" ", ["a"]))
            .Should().Throw<ArgumentException>().WithMessage("*task name is empty*non-empty name*");

    [Fact]
    public void No_features_is_rejected_naming_the_task() =>
        FluentActions.Invoking(() => TaskSpec.Regression("price", []))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'price' has no features*list the schema features*");

    [Fact]
    public void Duplicate_feature_is_rejected() =>
        FluentActions.Invoking(() => TaskSpec.Binary("b", ["a", "a"]))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'b' lists feature 'a' twice*");

    [Fact]
    public void Multiclass_needs_two_classes() =>
        FluentActions.Invoking(() => TaskSpec.Multiclass("k", 1, ["a"]))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'k'*1 classes*at least 2*Binary*");

    [Fact]
    public void Multiclass_class_names_must_be_distinct() =>
        FluentActions.Invoking(() => TaskSpec.Multiclass("k", ["x", "x"], ["a"]))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'k' class names must be distinct*");

    [Fact]
    public void Custom_width_must_match_targets() =>
        FluentActions.Invoking(() => TaskSpec.Custom("c", ["a"], 2, ["only"]))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'c' has targetWidth 2 but 1 target columns*one column per target*");

    [Fact]
    public void Negative_weight_is_rejected() =>
        FluentActions.Invoking(() => TaskSpec.Regression("p", ["a"], weight: -1))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'p' has weight -1*finite and non-negative*");

    [Fact]
    public void Standardize_on_a_classification_task_is_rejected() =>
        FluentActions.Invoking(() => (TaskSpec.Binary("b", ["a"]) with { StandardizeTarget = true }).Validate())
            .Should().Throw<ArgumentException>().WithMessage("*Task 'b' is Binary*only regression*StandardizeTarget = false*");

    [Fact]
    public void Duplicate_task_names_are_rejected_ignoring_case() =>
        FluentActions.Invoking(() => TaskSpec.ValidateAll([TaskSpec.Regression("price", ["a"]), TaskSpec.Binary("Price", ["a"])]))
            .Should().Throw<ArgumentException>().WithMessage("*Task name 'Price' is used twice*also 'price'*unique*");

    [Fact]
    public void No_tasks_is_rejected() =>
        FluentActions.Invoking(() => TaskSpec.ValidateAll([]))
            .Should().Throw<ArgumentException>().WithMessage("*No tasks*at least one TaskSpec*");

    [Fact]
    public void Feature_missing_from_the_schema_is_rejected_naming_both()
    {
        var schema = new FeatureSchema().Numeric("a").Numeric("b");
        FluentActions.Invoking(() => TaskSpec.ValidateAll([TaskSpec.Regression("price", ["a", "c"])], schema))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'price' uses feature 'c'*not in the schema (schema features: a, b)*.Numeric(\"c\")*");
    }

    [Fact]
    public void Target_that_is_also_a_feature_is_rejected_as_leakage()
    {
        var schema = new FeatureSchema().Numeric("a").Numeric("price");
        FluentActions.Invoking(() => TaskSpec.ValidateAll([TaskSpec.Regression("price", ["a"])], schema))
            .Should().Throw<ArgumentException>().WithMessage("*Task 'price'*column 'price'*also an input feature*remove 'price' from the schema*");
    }

    [Fact]
    public void Custom_OutputSize_MayDifferFromTheTargetWidth_ButOnlyForCustomTasks()
    {
        var gaussian = TaskSpec.Custom("price", ["x"], targetWidth: 1, outputSize: 2);
        gaussian.TargetWidth.Should().Be(1);
        gaussian.OutputSize.Should().Be(2);
        TaskSpec.Custom("pair", ["x"], targetWidth: 2).OutputSize.Should().Be(2);

        var zero = () => TaskSpec.Custom("price", ["x"], targetWidth: 1, outputSize: 0);
        zero.Should().Throw<ArgumentException>().WithMessage("*'price'*at least 1*");
        var regression = () => (TaskSpec.Regression("y", ["x"]) with { CustomOutputSize = 2 }).Validate();
        regression.Should().Throw<ArgumentException>().WithMessage("*'y' is Regression*custom tasks only*");
    }

    [Fact]
    public void TargetTransform_defaults_and_the_StandardizeTarget_shorthand()
    {
        var reg = TaskSpec.Regression("price", ["a"]);
        reg.TargetTransform.Should().Be(TargetTransform.Standardize);
        TaskSpec.Regression("price", ["a"], standardizeTarget: false).TargetTransform.Should().Be(TargetTransform.None);
        TaskSpec.Binary("b", ["a"]).TargetTransform.Should().Be(TargetTransform.None);
        (reg with { StandardizeTarget = false }).TargetTransform.Should().Be(TargetTransform.None);
        var log = reg with { TargetTransform = TargetTransform.Log };
        log.StandardizeTarget.Should().BeTrue("a log target is standardised after the log");
        (log with { StandardizeTarget = true }).TargetTransform.Should().Be(TargetTransform.Log, "true keeps a chosen transform");
    }

    [Fact]
    public void TargetGroup_is_for_transformed_regression_targets_only()
    {
        var reg = TaskSpec.Regression("price", ["a"]);
        FluentActions.Invoking(() => (reg with { TargetGroup = " " }).Validate())
            .Should().Throw<ArgumentException>().WithMessage("Task 'price' has an empty TargetGroup*");
        FluentActions.Invoking(() => (reg with { TargetGroup = "p", TargetTransform = TargetTransform.None }).Validate())
            .Should().Throw<ArgumentException>().WithMessage("Task 'price' has TargetGroup 'p' but does not transform its target*");
        FluentActions.Invoking(() => (TaskSpec.Binary("b", ["a"]) with { TargetGroup = "p" }).Validate())
            .Should().Throw<ArgumentException>().WithMessage("Task 'b' has TargetGroup 'p' but is Binary*");
        FluentActions.Invoking(() => (TaskSpec.Binary("b", ["a"]) with { TargetTransform = TargetTransform.Log }).Validate())
            .Should().Throw<ArgumentException>().WithMessage("Task 'b' is Binary; only regression targets*");
        FluentActions.Invoking(() => TaskSpec.ValidateAll([reg with { TargetGroup = "p" }, TaskSpec.Regression("q", ["a"]) with { TargetGroup = "p", TargetTransform = TargetTransform.YeoJohnson }]))
            .Should().Throw<ArgumentException>().WithMessage("Tasks 'price' (Standardize) and 'q' (YeoJohnson) share TargetGroup 'p'*");
        TaskSpec.ValidateAll([reg with { TargetGroup = "p" }, TaskSpec.Regression("q", ["a"]) with { TargetGroup = "p" }]);
    }
}
