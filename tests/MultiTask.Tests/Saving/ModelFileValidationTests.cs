using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;

namespace MultiTask.Tests.Saving;

/// <summary>
/// Damaged, altered and foreign files: each must fail with an <see cref="InvalidDataException"/> that names the entry (and
/// the field or tensor) at fault, never load a wrong model or allocate what the file does not hold.
/// </summary>
public sealed class ModelFileValidationTests : IDisposable
{
    private const string Weights = "parts/0/members/0.safetensors";
    private const string EncoderEntry = "parts/0/encoder.json";

    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-modelfile-bad").FullName;
    private readonly string _path;

    public ModelFileValidationTests()
    {
        var data = SavingFixture.Dataset(60);
        var encoder = FeatureEncoder.Fit(data);
        _path = Path.Combine(_dir, "model.mtmodel");
        ModelFile.Save(_path, ModelFileTests.Build("hard", encoder), encoder);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Change(Action<Dictionary<string, byte[]>> change, bool fixManifest)
    {
        var entries = SavingFixture.ReadEntries(_path);
        change(entries);
        SavingFixture.WriteEntries(_path, entries, fixManifest);
    }

    private void ShouldFail(params string[] wildcards)
    {
        var act = () => ModelFile.Load(_path);
        var thrown = act.Should().Throw<InvalidDataException>();
        foreach (var wildcard in wildcards) thrown.WithMessage(wildcard);
    }

    private static JsonObject Json(byte[] bytes) => JsonNode.Parse(bytes)!.AsObject();

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    [Fact]
    public void The_unchanged_file_loads() => ModelFile.Load(_path).TaskNames.Should().HaveCount(6);

    [Fact]
    public void A_damaged_entry_fails_its_hash()
    {
        Change(e => e[Weights][e[Weights].Length / 2] ^= 0x40, fixManifest: false);
        ShouldFail($"*entry '{Weights}'*SHA-256*");
    }

    [Fact]
    public void A_resized_entry_fails_its_size()
    {
        Change(e => e[EncoderEntry] = [.. e[EncoderEntry], .. " "u8], fixManifest: false);
        ShouldFail($"*entry '{EncoderEntry}'*bytes*manifest says*");
    }

    [Fact]
    public void A_repeated_property_is_refused_when_the_entry_is_parsed()
    {
        Change(e =>
        {
            string text = Encoding.UTF8.GetString(e["model.json"]);
            string first = Json(e["model.json"]).First().Key;
            int brace = text.IndexOf('{', StringComparison.Ordinal);
            e["model.json"] = Encoding.UTF8.GetBytes(text[..(brace + 1)] + $"\"{first}\": 0, " + text[(brace + 1)..]);
        }, fixManifest: true);
        ShouldFail("*entry 'model.json'*not valid JSON*");
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused_when_the_entry_is_parsed()
    {
        Change(e =>
        {
            var text = e["schema.json"];
            int quote = Array.IndexOf(text, (byte)'"');
            e["schema.json"] = [.. text[..(quote + 1)], 0xC3, 0x28, .. text[(quote + 1)..]];
        }, fixManifest: true);
        ShouldFail("*entry 'schema.json'*not valid UTF-8*");
    }

    [Fact]
    public void A_renamed_entry_is_missing_under_its_name()
    {
        Change(e =>
        {
            e["parts/0/members/zero.safetensors"] = e[Weights];
            e.Remove(Weights);
        }, fixManifest: false);
        ShouldFail($"*lacks entry '{Weights}'*");
    }

    [Fact]
    public void An_entry_the_manifest_does_not_list_is_refused()
    {
        Change(e => e["extra.bin"] = [1, 2, 3], fixManifest: false);
        ShouldFail("*entry 'extra.bin'*manifest does not list*");
    }

    [Fact]
    public void A_missing_entry_is_named_by_the_field_that_refers_to_it()
    {
        Change(e => e.Remove(EncoderEntry), fixManifest: true);
        ShouldFail("*entry 'model.json', field 'parts[0].encoder'*" + EncoderEntry + "*lacks*");
    }

    [Fact]
    public void A_renamed_tensor_is_named()
    {
        Change(e =>
        {
            var tensors = SafeTensors.Load(new MemoryStream(e[Weights]));
            tensors.ContainsKey("heads.rent.0.weight").Should().BeTrue();
            var renamed = tensors.ToDictionary(t => t.Key == "heads.rent.0.weight" ? "heads.rent.0.weights" : t.Key, t => t.Value);
            e[Weights] = SafeTensors.Serialize(renamed);
        }, fixManifest: true);
        ShouldFail($"*entry '{Weights}'*lacks tensor 'heads.rent.0.weight'*");
    }

    [Fact]
    public void A_resized_tensor_is_named_with_both_shapes()
    {
        Change(e =>
        {
            // The module description is changed too, so that only the tensor disagrees with it.
            var tensors = SafeTensors.Load(new MemoryStream(e[Weights]));
            tensors["heads.price.0.bias"] = Tensor.Zeros(5);
            e[Weights] = SafeTensors.Serialize(tensors);
        }, fixManifest: true);
        ShouldFail($"*entry '{Weights}', tensor 'heads.price.0.bias'*[5]*[4]*");
    }

    [Fact]
    public void A_newer_format_version_names_both_versions()
    {
        Change(e =>
        {
            var manifest = Json(e["manifest.json"]);
            manifest["format_version"] = 99;
            e["manifest.json"] = Bytes(manifest);
        }, fixManifest: false);
        ShouldFail("*entry 'manifest.json', field 'format_version'*format version 99*reads format versions 1 to 1*");
    }

    [Fact]
    public void A_format_version_below_the_first_is_refused()
    {
        Change(e =>
        {
            var manifest = Json(e["manifest.json"]);
            manifest["format_version"] = 0;
            e["manifest.json"] = Bytes(manifest);
        }, fixManifest: false);
        ShouldFail("*field 'format_version'*it is 0; format versions start at 1*");
    }

    [Fact]
    public void A_file_from_another_library_version_of_a_readable_format_loads()
    {
        Change(e =>
        {
            var manifest = Json(e["manifest.json"]);
            manifest["library_version"] = "0.0.7";
            e["manifest.json"] = Bytes(manifest);
        }, fixManifest: false);
        ModelFile.Load(_path).LibraryVersion.Should().Be("0.0.7");
    }

    [Fact]
    public void A_manifest_without_library_version_is_refused()
    {
        Change(e =>
        {
            var manifest = Json(e["manifest.json"]);
            manifest.Remove("library_version");
            e["manifest.json"] = Bytes(manifest);
        }, fixManifest: false);
        ShouldFail("*field 'library_version'*missing*");
    }

    [Fact]
    public void A_module_claiming_more_weights_than_the_file_holds_fails_before_allocating()
    {
        Change(e =>
        {
            var model = Json(e["model.json"]);
            var linear = model["parts"]![0]!["members"]![0]!["module"]!["children"]!["backbone"]!["children"]!["embeddings"]!["children"]!["shop"]!["args"]!;
            linear["num_embeddings"] = 2_000_000_000;
            e["model.json"] = Bytes(model);
        }, fixManifest: true);
        ShouldFail("*entry 'model.json'*module 'backbone.embeddings.shop'*more weights than*");
    }

    [Fact]
    public void An_entry_larger_than_its_kind_may_be_is_refused_before_it_is_read()
    {
        // 80 MB of spaces compress to almost nothing: the size is refused from the manifest and the zip directory.
        Change(e => e["model.json"] = [.. e["model.json"], .. new byte[80 << 20].Select(_ => (byte)' ')], fixManifest: true);
        ShouldFail("*entry 'model.json'*bytes, more than the*such an entry may have*");
    }

    [Fact]
    public void An_unknown_module_type_is_named()
    {
        Change(e =>
        {
            var model = Json(e["model.json"]);
            model["parts"]![0]!["members"]![0]!["module"]!["children"]!["heads"]!["children"]!["rent"]!["type"] = "Company.Head";
            e["model.json"] = Bytes(model);
        }, fixManifest: true);
        ShouldFail("*field 'parts[0].members[0].module.children.heads.children.rent.type'*'Company.Head'*not registered*");
    }

    [Fact]
    public void A_bad_schema_field_is_named()
    {
        Change(e =>
        {
            var schema = Json(e["schema.json"]);
            schema["features"]![0]!["kind"] = "Text";
            e["schema.json"] = Bytes(schema);
        }, fixManifest: true);
        ShouldFail("*entry 'schema.json', field 'features[0].kind'*'Text'*");
    }

    [Fact]
    public void Tasks_that_do_not_match_the_encoder_are_refused()
    {
        Change(e =>
        {
            var tasks = JsonNode.Parse(e["tasks.json"])!.AsArray();
            tasks[0]!["target_transform"] = "Standardize";
            e["tasks.json"] = Bytes(tasks);
        }, fixManifest: true);
        ShouldFail($"*entry '{EncoderEntry}'*price*YeoJohnson*");
    }

    [Fact]
    public void A_file_that_is_not_a_zip_archive_is_refused()
    {
        File.WriteAllText(_path, "price,rent\n1,2\n");
        ShouldFail("*is not a model file*");
    }

    [Fact]
    public void A_zip_archive_without_a_manifest_is_refused()
    {
        Change(e => e.Remove("manifest.json"), fixManifest: false);
        ShouldFail("*lacks entry 'manifest.json'*");
    }
}
