using System.Text.Json.Nodes;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Saving;

/// <summary>
/// The module types a model file can describe, by name: how each is written (its hyper-parameters as JSON) and how it
/// is rebuilt (from those hyper-parameters and its rebuilt children). <see cref="ModelFile"/> saves a model as the tree
/// of its modules, each as <c>{"type", "args", "children"}</c>, so the model is rebuilt from what it is, not from the
/// code that built it.
/// </summary>
/// <remarks>
/// <para>Registered by default: the engine's <c>Linear</c>, <c>Dropout</c>, <c>BatchNorm1d</c>, <c>LayerNorm</c>,
/// <c>Embedding</c>, <c>Identity</c>, <c>Flatten</c>, the activations (<c>Relu</c>, <c>LeakyRelu</c>, <c>Elu</c>,
/// <c>Gelu</c>, <c>Silu</c>, <c>Sigmoid</c>, <c>Tanh</c>, <c>Softplus</c>, <c>Softmax</c>, <c>LogSoftmax</c>), the
/// containers <c>Sequential</c>, <c>ModuleList</c> and <c>ModuleDict</c>, and the library's <see cref="Architectures.HardSharingModel"/>,
/// <see cref="Architectures.SoftSharingModel"/>, <see cref="Architectures.CrossStitchModel"/>, <see cref="Architectures.CascadeModel"/>, <see cref="Architectures.CrossStitchUnit"/>,
/// <see cref="Architectures.EmbeddingInput"/> and <see cref="Architectures.PeriodicEmbedding"/>.</para>
/// <para>A module type of your own (a head, a backbone, a whole architecture) is registered once per process, before
/// saving and before loading, with the same name in both:</para>
/// <code>
/// ModuleSpecs.Register&lt;GatedHead&gt;("MyCompany.GatedHead",
///     write: head => new JsonObject { ["size"] = head.Size },
///     read: args => new GatedHead(args.GetInt32("size", min: 1)));
/// </code>
/// <para>The writer returns the hyper-parameters only; the children (<see cref="Module.NamedChildren"/>) are written
/// by their own types' writers and handed to the reader rebuilt (<see cref="ModuleSpecArgs.Children"/>,
/// <see cref="ModuleSpecArgs.Child{T}"/>). Parameters and buffers are not written by the writer: the file stores the
/// state dict, and loading checks every name and shape of the rebuilt model against it, then copies the values.</para>
/// </remarks>
public static class ModuleSpecs
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, Entry> s_byName = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, Entry> s_byType = [];
    private static readonly HashSet<string> s_builtIn = new(StringComparer.Ordinal);

    static ModuleSpecs()
    {
        BuiltInModuleSpecs.RegisterAll();
        lock (s_lock) s_builtIn.UnionWith(s_byName.Keys);
    }

    /// <summary>
    /// Registers how the module type <typeparamref name="T"/> is saved and rebuilt, under <paramref name="name"/>.
    /// Registering the same type under the same name again replaces its writer and reader.
    /// </summary>
    /// <typeparam name="T">The exact module type (a subclass needs its own registration).</typeparam>
    /// <param name="name">The type's name in model files, e.g. <c>"MyCompany.GatedHead"</c>: stable across versions of your code.</param>
    /// <param name="write">Returns the module's hyper-parameters (not its children, parameters or buffers).</param>
    /// <param name="read">Builds a module from those hyper-parameters and the rebuilt children.</param>
    /// <exception cref="ArgumentException">The name is empty, is a built-in name, or is taken by another type; or the type is registered under another name.</exception>
    public static void Register<T>(string name, Func<T, JsonObject> write, Func<ModuleSpecArgs, T> read) where T : Module
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        lock (s_lock)
        {
            if (s_builtIn.Contains(name))
                throw new ArgumentException($"'{name}' is the name of a built-in module type; register {typeof(T).Name} under a name of your own, e.g. \"MyCompany.{typeof(T).Name}\".", nameof(name));
            RegisterCore(name, write, read);
        }
    }

    /// <summary>Whether <paramref name="moduleType"/> can be saved (it is built in or was registered).</summary>
    public static bool IsRegistered(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        lock (s_lock) return s_byType.ContainsKey(moduleType);
    }

    internal static void RegisterBuiltIn<T>(string name, Func<T, JsonObject> write, Func<ModuleSpecArgs, T> read) where T : Module
    {
        lock (s_lock) RegisterCore(name, write, read);
    }

    private static void RegisterCore<T>(string name, Func<T, JsonObject> write, Func<ModuleSpecArgs, T> read) where T : Module
    {
        if (s_byName.TryGetValue(name, out var taken) && taken.Type != typeof(T))
            throw new ArgumentException($"The module type name '{name}' is already registered for {taken.Type.FullName}; choose another name for {typeof(T).FullName}.", nameof(name));
        if (s_byType.TryGetValue(typeof(T), out var named) && named.Name != name)
            throw new ArgumentException($"{typeof(T).FullName} is already registered as '{named.Name}'; a type has one name in model files.", nameof(name));
        var entry = new Entry(name, typeof(T), m => write((T)m), a => read(a));
        s_byName[name] = entry;
        s_byType[typeof(T)] = entry;
    }

    /// <summary>The description of <paramref name="module"/> and its descendants: <c>{"type", "args", "children"}</c>.</summary>
    /// <exception cref="ArgumentException">A module type is not registered, a writer failed, or a module appears twice in the tree.</exception>
    internal static JsonObject Write(Module module, string path, Dictionary<Module, string> seen)
    {
        if (seen.TryGetValue(module, out var first))
            throw new ArgumentException(
                $"Module '{Display(path)}' is the same {module.GetType().Name} instance as module '{Display(first)}'; a model file describes a tree in which each module appears once, so build a separate module for each place.",
                "model");
        seen.Add(module, path);
        Entry? entry;
        lock (s_lock) s_byType.TryGetValue(module.GetType(), out entry);
        if (entry is null)
        {
            var type = module.GetType();
            throw new ArgumentException(
                $"Module '{Display(path)}' is a {type.FullName}, which a model file cannot describe yet: register it once per process, before saving and loading, " +
                $"with ModuleSpecs.Register<{type.Name}>(\"YourCompany.{type.Name}\", write: m => new JsonObject {{ /* its hyper-parameters */ }}, read: args => new {type.Name}(/* from args */)).",
                "model");
        }
        JsonObject args;
        try
        {
            args = entry.Write(module) ?? throw new InvalidOperationException("the writer returned null");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"Writing module '{Display(path)}' ({entry.Name}) failed: {e.Message}", "model", e);
        }
        var children = new JsonObject();
        foreach (var (name, child) in module.NamedChildren())
            children[name] = Write(child, path.Length == 0 ? name : $"{path}.{name}", seen);
        return new JsonObject { ["type"] = entry.Name, ["args"] = args, ["children"] = children };
    }

    /// <summary>Rebuilds the module described by <paramref name="node"/> and its descendants.</summary>
    /// <exception cref="InvalidDataException">An unknown type, a bad hyper-parameter, or a reader that failed; the message names the field.</exception>
    internal static Module Read(JsonField node, string path, ModuleSpecArgs.Budget budget, Generator generator)
    {
        string type = node["type"].String();
        Entry? entry;
        lock (s_lock) s_byName.TryGetValue(type, out entry);
        if (entry is null)
            throw node["type"].Bad(
                $"module '{Display(path)}' has type '{Data.Table.Excerpt(type)}', which is not registered in this process; register it with ModuleSpecs.Register under that name before ModelFile.Load.");
        var children = new List<KeyValuePair<string, Module>>();
        var childNodes = node["children"];
        if (!childNodes.IsNull)
        {
            foreach (var (name, child) in childNodes.Properties())
                children.Add(new(name, Read(child, path.Length == 0 ? name : $"{path}.{name}", budget, generator)));
        }
        var argsNode = node["args"];
        argsNode.Object();
        var args = new ModuleSpecArgs(path, argsNode, children, budget, generator);
        Module module;
        try
        {
            module = entry.Read(args) ?? throw args.Bad("its reader returned null.");
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw args.Bad($"rebuilding it as {entry.Name} failed: {e.Message}");
        }
        if (module.GetType() != entry.Type)
            throw args.Bad($"the reader of '{entry.Name}' returned a {module.GetType().Name}, not a {entry.Type.Name}.");
        return module;
    }

    private static string Display(string path) => path.Length == 0 ? "(root)" : path;

    private sealed record Entry(string Name, Type Type, Func<Module, JsonObject> Write, Func<ModuleSpecArgs, Module> Read);
}
