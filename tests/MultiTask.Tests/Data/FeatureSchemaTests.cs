using FluentAssertions;
using MultiTask.Data;

namespace MultiTask.Tests.Data;

public class FeatureSchemaTests
{
    [Fact]
    public void Builder_is_immutable_and_keeps_order()
    {
        var a = new FeatureSchema().Numeric("x");
        var b = a.Categorical("c", "p", "q").Categorical("e", CategoricalEncoding.Embedding, "u", "v", "w");
        a.Count.Should().Be(1);
        b.Names.Should().Equal("x", "c", "e");
        b["c"].EncodedWidth.Should().Be(2);
        b["c"].Cardinality.Should().Be(0);
        b["e"].EncodedWidth.Should().Be(1);
        b["e"].Cardinality.Should().Be(4, "three categories plus the reserved unknown index 0");
        b["x"].Kind.Should().Be(FeatureKind.Numeric);
    }

    [Fact]
    public void Duplicate_feature_is_rejected() =>
        FluentActions.Invoking(() => new FeatureSchema().Numeric("x").Numeric("x"))
            .Should().Throw<ArgumentException>().WithMessage("*already has a feature 'x'*unique*");

    [Fact]
    public void Categorical_without_categories_is_rejected() =>
        FluentActions.Invoking(() => new FeatureSchema().Categorical("loc"))
            .Should().Throw<ArgumentException>().WithMessage("*'loc' has no categories*");

    [Fact]
    public void Duplicate_category_is_rejected() =>
        FluentActions.Invoking(() => new FeatureSchema().Categorical("loc", "a", "a"))
            .Should().Throw<ArgumentException>().WithMessage("*'loc' lists category 'a' twice*");

    [Fact]
    public void Empty_category_is_rejected() =>
        FluentActions.Invoking(() => new FeatureSchema().Categorical("loc", "a", ""))
            .Should().Throw<ArgumentException>().WithMessage("*'loc' has an empty category name*missing*");

    [Fact]
    public void Unknown_feature_lookup_names_the_features() =>
        FluentActions.Invoking(() => new FeatureSchema().Numeric("x")["y"])
            .Should().Throw<KeyNotFoundException>().WithMessage("*no feature 'y' (features: x)*");
}
