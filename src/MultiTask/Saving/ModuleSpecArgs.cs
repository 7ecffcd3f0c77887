using System.Text.Json.Nodes;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Saving;

/// <summary>
/// What a module reader registered with <see cref="ModuleSpecs.Register{T}"/> receives when a model file is loaded: the
/// module's saved hyper-parameters (the JSON object its writer returned) and its children, already rebuilt.
/// </summary>
/// <remarks>
/// The file is untrusted input. The getters check each value and throw an <see cref="InvalidDataException"/> naming the
/// file, the entry and the field; a reader that allocates tensors from its hyper-parameters calls <see cref="Reserve"/>
/// first, so that a damaged or hostile file cannot make it allocate more than the weights the file holds.
/// </remarks>
public sealed class ModuleSpecArgs
{
    private readonly JsonField _args;
    private readonly Budget _budget;

    internal ModuleSpecArgs(string modulePath, JsonField args, IReadOnlyList<KeyValuePair<string, Module>> children, Budget budget, Generator generator)
    {
        ModulePath = modulePath;
        _args = args;
        Children = children;
        _budget = budget;
        Generator = generator;
    }

    /// <summary>The module's dotted path in the model (<c>backbone.0</c>; "" for the model itself), as in its parameter names.</summary>
    public string ModulePath { get; }

    /// <summary>The hyper-parameters, as the writer returned them.</summary>
    public JsonObject Values => _args.Object();

    /// <summary>The rebuilt children, by registered name, in registration order (what <see cref="Module.NamedChildren"/> gave when saving).</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> Children { get; }

    /// <summary>
    /// A seeded random source for constructors that initialise weights; the saved weights overwrite them, and using it
    /// (rather than <see cref="Generator.Default"/>) keeps loading from disturbing the process's default random stream.
    /// </summary>
    public Generator Generator { get; }

    /// <summary>The hyper-parameter <paramref name="name"/> as a checked JSON field (for structured values of built-in types).</summary>
    internal JsonField Field(string name) => _args[name];

    /// <summary>Whether the hyper-parameter <paramref name="name"/> is present and not null.</summary>
    public bool Has(string name) => !_args[name].IsNull;

    /// <summary>The whole-number hyper-parameter <paramref name="name"/>, within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="InvalidDataException">Missing, not a whole number, or out of range.</exception>
    public int GetInt32(string name, int min = int.MinValue, int max = int.MaxValue) => _args[name].Int32(min, max);

    /// <summary>The whole-number hyper-parameter <paramref name="name"/>, or null when it is null or absent.</summary>
    /// <exception cref="InvalidDataException">Not a whole number, or out of range.</exception>
    public int? GetNullableInt32(string name, int min = int.MinValue, int max = int.MaxValue) => _args[name].NullableInt32(min, max);

    /// <summary>The finite number <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">Missing or not a finite number.</exception>
    public double GetDouble(string name) => _args[name].Double();

    /// <summary>The float32 hyper-parameter <paramref name="name"/> (written as the double it converts to, so it reads back exactly).</summary>
    /// <exception cref="InvalidDataException">Missing, not a number, or outside the float32 range.</exception>
    public float GetSingle(string name) => _args[name].Single();

    /// <summary>The float32 hyper-parameter <paramref name="name"/>, or null when it is null or absent.</summary>
    /// <exception cref="InvalidDataException">Not a number, or outside the float32 range.</exception>
    public float? GetNullableSingle(string name) => _args[name].IsNull ? null : _args[name].Single();

    /// <summary>The true/false hyper-parameter <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">Missing or not a boolean.</exception>
    public bool GetBoolean(string name) => _args[name].Boolean();

    /// <summary>The string hyper-parameter <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">Missing or not a string.</exception>
    public string GetString(string name) => _args[name].String();

    /// <summary>The array of whole numbers <paramref name="name"/>, each within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="InvalidDataException">Missing, not an array, or an element is not a whole number in range.</exception>
    public int[] GetInt32Array(string name, int min = int.MinValue, int max = int.MaxValue) => _args[name].Int32Array(min, max);

    /// <summary>The enum hyper-parameter <paramref name="name"/>, written by member name.</summary>
    /// <exception cref="InvalidDataException">Missing or not a member name of <typeparamref name="T"/>.</exception>
    public T GetEnum<T>(string name) where T : struct, Enum => _args[name].Enum<T>();

    /// <summary>The child registered as <paramref name="name"/>, which must be a <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">No such child, or a child of another type.</exception>
    public T Child<T>(string name) where T : Module => OptionalChild<T>(name)
        ?? throw Bad($"it has no child '{name}'; the children are: {Names()}.");

    /// <summary>The child registered as <paramref name="name"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The child is not a <typeparamref name="T"/>.</exception>
    public T? OptionalChild<T>(string name) where T : Module
    {
        foreach (var (key, module) in Children)
        {
            if (key != name) continue;
            return module as T ?? throw Bad($"its child '{name}' is a {module.GetType().Name}, not a {typeof(T).Name}.");
        }
        return null;
    }

    /// <summary>
    /// Claims <paramref name="elements"/> float32 values of the weights the file holds, before allocating tensors of that
    /// size: a module cannot hold more state than was saved, so a larger claim means a damaged or hostile file.
    /// </summary>
    /// <exception cref="InvalidDataException">The model's modules together claim more values than the file's weights hold.</exception>
    public void Reserve(long elements)
    {
        if (elements < 0 || !_budget.TryTake(elements))
            throw Bad($"its hyper-parameters describe {elements:N0} more weights than the {_budget.Total:N0} values the file's weights hold; the entry is damaged.");
    }

    /// <summary>An <see cref="InvalidDataException"/> about this module, naming the file, entry and module path.</summary>
    /// <param name="problem">What is wrong, e.g. "in_features is 0".</param>
    public InvalidDataException Bad(string problem) => _args.Bad($"module '{(ModulePath.Length == 0 ? "(root)" : ModulePath)}': {problem}");

    private string Names() => Children.Count == 0 ? "none" : string.Join(", ", Children.Select(c => $"'{c.Key}'"));

    /// <summary>How many weight values the modules of one member may still claim.</summary>
    internal sealed class Budget(long total)
    {
        private long _left = total;

        public long Total { get; } = total;

        public bool TryTake(long elements)
        {
            if (elements > _left) return false;
            _left -= elements;
            return true;
        }
    }
}
