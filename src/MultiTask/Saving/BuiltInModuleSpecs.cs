using System.Text.Json.Nodes;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Saving;

/// <summary>
/// The writers and readers of the engine's modules and the library's architectures (see <see cref="ModuleSpecs"/>).
/// Names and hyper-parameter keys follow PyTorch's where it has them (<c>in_features</c>, <c>eps</c>, …).
/// </summary>
internal static class BuiltInModuleSpecs
{
    public static void RegisterAll()
    {
        Register<Linear>("Linear",
            m => new JsonObject { ["in_features"] = m.InFeatures, ["out_features"] = m.OutFeatures, ["bias"] = m.Bias is not null },
            a =>
            {
                int inFeatures = a.GetInt32("in_features", 1), outFeatures = a.GetInt32("out_features", 1);
                bool bias = a.GetBoolean("bias");
                a.Reserve((long)inFeatures * outFeatures + (bias ? outFeatures : 0));
                return new Linear(inFeatures, outFeatures, bias, a.Generator);
            });
        Register<Dropout>("Dropout", m => new JsonObject { ["p"] = (double)m.P }, a => new Dropout(a.GetSingle("p")));
        Register<BatchNorm1d>("BatchNorm1d",
            m => new JsonObject
            {
                ["num_features"] = m.NumFeatures, ["eps"] = (double)m.Eps, ["momentum"] = m.Momentum is float f ? (double)f : null,
                ["affine"] = m.Weight is not null, ["track_running_stats"] = m.RunningMean is not null,
            },
            a =>
            {
                int size = a.GetInt32("num_features", 1);
                bool affine = a.GetBoolean("affine"), track = a.GetBoolean("track_running_stats");
                a.Reserve((affine ? 2L * size : 0) + (track ? 2L * size + 1 : 0));
                return new BatchNorm1d(size, a.GetSingle("eps"), a.GetNullableSingle("momentum"), affine, track);
            });
        Register<LayerNorm>("LayerNorm",
            m => new JsonObject
            {
                ["normalized_shape"] = new JsonArray([.. m.NormalizedShape.Select(s => JsonValue.Create(s))]),
                ["eps"] = (double)m.Eps, ["elementwise_affine"] = m.Weight is not null,
            },
            a =>
            {
                int[] shape = a.GetInt32Array("normalized_shape", 1);
                bool affine = a.GetBoolean("elementwise_affine");
                if (affine) a.Reserve(Elements(a, shape, factor: 2));
                return new LayerNorm(shape, a.GetSingle("eps"), affine);
            });
        Register<Embedding>("Embedding",
            m => new JsonObject { ["num_embeddings"] = m.NumEmbeddings, ["embedding_dim"] = m.EmbeddingDim, ["padding_idx"] = m.PaddingIdx },
            a =>
            {
                int rows = a.GetInt32("num_embeddings", 1), size = a.GetInt32("embedding_dim", 0);
                a.Reserve((long)rows * size);
                return new Embedding(rows, size, a.GetNullableInt32("padding_idx", 0, rows - 1), a.Generator);
            });
        Register<Identity>("Identity", _ => [], _ => new Identity());
        Register<Relu>("ReLU", _ => [], _ => new Relu());
        Register<Silu>("SiLU", _ => [], _ => new Silu());
        Register<Sigmoid>("Sigmoid", _ => [], _ => new Sigmoid());
        Register<Tanh>("Tanh", _ => [], _ => new Tanh());
        Register<Gelu>("Gelu", m => new JsonObject { ["tanh_approximation"] = m.TanhApproximation }, a => new Gelu(a.GetBoolean("tanh_approximation")));
        Register<LeakyRelu>("LeakyReLU", m => new JsonObject { ["negative_slope"] = (double)m.NegativeSlope }, a => new LeakyRelu(a.GetSingle("negative_slope")));
        Register<Elu>("Elu", m => new JsonObject { ["alpha"] = (double)m.Alpha }, a => new Elu(a.GetSingle("alpha")));
        Register<Softplus>("Softplus", m => new JsonObject { ["beta"] = (double)m.Beta, ["threshold"] = (double)m.Threshold },
            a => new Softplus(a.GetSingle("beta"), a.GetSingle("threshold")));
        Register<Softmax>("Softmax", m => new JsonObject { ["dim"] = m.Dim }, a => new Softmax(a.GetInt32("dim")));
        Register<LogSoftmax>("LogSoftmax", m => new JsonObject { ["dim"] = m.Dim }, a => new LogSoftmax(a.GetInt32("dim")));
        Register<Flatten>("Flatten", m => new JsonObject { ["start_dim"] = m.StartDim, ["end_dim"] = m.EndDim },
            a => new Flatten(a.GetInt32("start_dim"), a.GetInt32("end_dim")));

        Register<Sequential>("Sequential", _ => [], a =>
        {
            var sequence = new Sequential();
            foreach (var (name, child) in a.Children)
                sequence.Add(name, child as Module<Tensor, Tensor> ?? throw a.Bad($"its child '{name}' is a {child.GetType().Name}, which does not map a tensor to a tensor."));
            return sequence;
        });
        Register<ModuleList>("ModuleList", _ => [], a =>
        {
            for (int i = 0; i < a.Children.Count; i++)
            {
                if (a.Children[i].Key != i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    throw a.Bad($"its child {i} is named '{a.Children[i].Key}'; a ModuleList names its children 0, 1, ….");
            }
            return new ModuleList(a.Children.Select(c => c.Value));
        });
        Register<ModuleDict>("ModuleDict", _ => [], a => new ModuleDict(a.Children));

        Register<CrossStitchUnit>("CrossStitchUnit",
            m => new JsonObject { ["task_count"] = m.TaskCount, ["width"] = m.Width, ["per_channel"] = m.PerChannel },
            a =>
            {
                int tasks = a.GetInt32("task_count", 1), width = a.GetInt32("width", 1);
                bool perChannel = a.GetBoolean("per_channel");
                a.Reserve((long)tasks * tasks * (perChannel ? width : 1));
                return new CrossStitchUnit(tasks, width, perChannel);
            });
        Register<EmbeddingInput>("EmbeddingInput",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["plain_columns"] = Ints(m.PlainColumns),
                ["index_columns"] = Ints(m.IndexColumns),
            },
            a =>
            {
                int inputSize = a.GetInt32("input_size", 1);
                var tables = a.Children.Select(c => KeyValuePair.Create(c.Key, c.Value as Embedding
                    ?? throw a.Bad($"its child '{c.Key}' is a {c.Value.GetType().Name}, not an Embedding."))).ToList();
                return new EmbeddingInput(inputSize, a.GetInt32Array("plain_columns", 0, inputSize - 1), a.GetInt32Array("index_columns", 0, inputSize - 1), tables);
            });
        Register<PeriodicEmbedding>("PeriodicEmbedding",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["columns"] = Ints(m.Columns),
                ["frequencies"] = m.Options.Frequencies,
                ["sigma"] = m.Options.Sigma,
                ["size"] = m.Options.Size,
            },
            a =>
            {
                int inputSize = a.GetInt32("input_size", 1);
                int[] columns = a.GetInt32Array("columns", 0, inputSize - 1);
                int k = a.GetInt32("frequencies", 1), d = a.GetInt32("size", 1);
                // frequencies [m, k], weight [m, 2k, d], bias [m, d].
                a.Reserve(Elements(a, [columns.Length, k], 1) + Elements(a, [columns.Length, k, d], 2) + Elements(a, [columns.Length, d], 1));
                return new PeriodicEmbedding(inputSize, columns, new PeriodicEmbeddingOptions { Frequencies = k, Sigma = a.GetDouble("sigma"), Size = d }, a.Generator);
            });

        Register<HardSharingModel>("HardSharingModel",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["tasks"] = TaskShapes(m),
                ["backbone_output_size"] = m.BackboneOutputSize,
                ["wide_columns"] = m.WideColumns is { } columns ? Ints(columns) : null,
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                var heads = a.Child<ModuleDict>("heads");
                var wideHeads = a.OptionalChild<ModuleDict>("wide_heads");
                int? inputSize = a.GetNullableInt32("input_size", 1);
                return new HardSharingModel(Tensors(a, "backbone", a.Child<Module>("backbone")), a.GetInt32("backbone_output_size", 1),
                    [.. tasks.Select(t => (t.Name, t.OutputSize, Tensors(a, $"heads.{t.Name}", Entry(a, heads, "heads", t.Name))))],
                    inputSize,
                    a.OptionalChild<Module>("shared_head") is { } shared ? Tensors(a, "shared_head", shared) : null,
                    a.OptionalChild<Linear>("wide"),
                    wideHeads?.ToDictionary(h => h.Key, h => h.Value as Linear ?? throw a.Bad($"wide head '{h.Key}' is a {h.Value.GetType().Name}, not a Linear."), StringComparer.Ordinal),
                    a.Has("wide_columns") ? a.GetInt32Array("wide_columns") : null);
            });
        Register<SoftSharingModel>("SoftSharingModel",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["tasks"] = TaskShapes(m),
                ["strength"] = m.Strength,
                ["distance"] = m.Distance.ToString(),
                ["penalize_heads"] = m.PenalizeHeads,
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                var columns = a.Child<ModuleDict>("columns");
                var heads = a.Child<ModuleDict>("heads");
                return new SoftSharingModel(
                    [.. tasks.Select(t => (t.Name, t.OutputSize, Tensors(a, $"columns.{t.Name}", Entry(a, columns, "columns", t.Name)), Tensors(a, $"heads.{t.Name}", Entry(a, heads, "heads", t.Name))))],
                    a.GetDouble("strength"), a.GetEnum<SoftSharingDistance>("distance"), a.GetBoolean("penalize_heads"), a.GetNullableInt32("input_size", 1));
            });
        Register<CrossStitchModel>("CrossStitchModel",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["tasks"] = TaskShapes(m),
                ["stitch_widths"] = Ints(m.StitchUnits.Select(u => u.Width).ToArray()),
                ["per_channel"] = m.StitchUnits[0].PerChannel,
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                var columns = a.Child<ModuleDict>("columns");
                var heads = a.Child<ModuleDict>("heads");
                int[] widths = a.GetInt32Array("stitch_widths", 1);
                bool perChannel = a.GetBoolean("per_channel");
                // The model builds its own units; they are as large as the saved ones, which the units' readers reserved.
                var units = a.Child<ModuleList>("stitches");
                if (units.Count != widths.Length || units.Cast<CrossStitchUnit>().Where((u, k) => u.Width != widths[k] || u.PerChannel != perChannel || u.TaskCount != tasks.Count).Any())
                    throw a.Bad($"its stitch units do not match stitch_widths [{string.Join(", ", widths)}], per_channel {perChannel} and {tasks.Count} tasks.");
                var stages = tasks.Select(t =>
                {
                    var list = Entry(a, columns, "columns", t.Name) as ModuleList ?? throw a.Bad($"column '{t.Name}' is not a ModuleList of stages.");
                    var all = list.Select((s, k) => Tensors(a, $"columns.{t.Name}.{k}", s)).ToList();
                    all.Add(Tensors(a, $"heads.{t.Name}", Entry(a, heads, "heads", t.Name)));
                    return (t.Name, t.OutputSize, (IReadOnlyList<Module<Tensor, Tensor>>)all);
                }).ToList();
                return new CrossStitchModel(stages, widths, perChannel: perChannel, inputSize: a.GetNullableInt32("input_size", 1));
            });
        Register<CascadeModel>("CascadeModel",
            m => new JsonObject
            {
                ["tasks"] = TaskShapes(m),
                ["dependencies"] = new JsonArray([.. m.Dependencies.Select(d => new JsonObject
                {
                    ["kind"] = "conjunction", ["task"] = d.Task, ["parent"] = d.Parent, ["conditional"] = d.Conditional,
                })]),
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                var dependencies = a.Field("dependencies").Items().Select(d => d["kind"].String() == "conjunction"
                    ? TaskDependency.Conjunction(d["task"].String(), d["parent"].String(), d["conditional"].String())
                    : throw d["kind"].Bad("the only dependency kind is 'conjunction'.")).ToList();
                var model = new CascadeModel(a.Child<MultiTaskModel>("inner"), dependencies, [.. tasks.Select(t => t.Name)]);
                if (tasks.FirstOrDefault(t => model.OutputSize(t.Name) != t.OutputSize) is { Name: not null } wrong)
                    throw a.Bad($"task '{wrong.Name}' has output size {wrong.OutputSize}, but the rebuilt cascade computes {model.OutputSize(wrong.Name)}.");
                return model;
            });
        Register<SoftmaxGate>("SoftmaxGate", _ => [], a => new SoftmaxGate(a.Child<Linear>("linear")));
        Register<DSelectKGate>("DSelectKGate",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["expert_count"] = m.ExpertCount,
                ["selected_experts"] = m.SelectedExperts,
                ["gamma"] = m.Options.Gamma,
                ["per_example"] = m.Options.PerExample,
                ["entropy_strength"] = m.Options.EntropyStrength,
            },
            a =>
            {
                int inputSize = a.GetInt32("input_size", 1), experts = a.GetInt32("expert_count", 2), k = a.GetInt32("selected_experts", 1, experts);
                bool perExample = a.GetBoolean("per_example");
                // The per-example gate's Linears were reserved by their own readers; the static gate holds its logits itself.
                if (!perExample) a.Reserve((long)k * (int)Math.Ceiling(Math.Log2(experts)) + k);
                return new DSelectKGate(inputSize, experts,
                    new DSelectKOptions { SelectedExperts = k, Gamma = a.GetDouble("gamma"), PerExample = perExample, EntropyStrength = a.GetDouble("entropy_strength") },
                    a.Generator);
            });
        Register<MmoeModel>("MmoeModel",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["tasks"] = TaskShapes(m),
                ["expert_output_size"] = m.ExpertOutputSize,
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                var experts = a.Child<ModuleList>("experts");
                var gates = a.Child<ModuleDict>("gates");
                var towers = a.Child<ModuleDict>("towers");
                return new MmoeModel([.. experts.Select((e, i) => Tensors(a, $"experts.{i}", e))], a.GetInt32("expert_output_size", 1),
                    [.. tasks.Select(t => (t.Name, t.OutputSize, Gate(a, $"gates.{t.Name}", Entry(a, gates, "gates", t.Name)), Tensors(a, $"towers.{t.Name}", Entry(a, towers, "towers", t.Name))))],
                    a.OptionalChild<Module>("input") is { } input ? Tensors(a, "input", input) : null,
                    a.GetNullableInt32("input_size", 1));
            });
        Register<PleModel>("PleModel",
            m => new JsonObject
            {
                ["input_size"] = m.InputSize,
                ["tasks"] = TaskShapes(m),
                ["expert_output_sizes"] = Ints([.. Enumerable.Range(0, m.LevelCount).Select(m.ExpertOutputSize)]),
            },
            a =>
            {
                var tasks = ReadTaskShapes(a);
                int[] widths = a.GetInt32Array("expert_output_sizes", 1);
                var shared = a.Child<ModuleList>("shared_experts");
                var own = a.Child<ModuleList>("task_experts");
                var gates = a.Child<ModuleList>("task_gates");
                var sharedGates = a.OptionalChild<ModuleList>("shared_gates");
                if (shared.Count != widths.Length || own.Count != widths.Length || gates.Count != widths.Length || (sharedGates?.Count ?? 0) != widths.Length - 1)
                    throw a.Bad($"its expert and gate lists do not all have the {widths.Length} levels of expert_output_sizes.");
                var levels = new List<PleLevel>();
                for (int l = 0; l < widths.Length; l++)
                {
                    var sharedLevel = shared[l] as ModuleList ?? throw a.Bad($"shared_experts.{l} is not a ModuleList.");
                    var ownLevel = own[l] as ModuleDict ?? throw a.Bad($"task_experts.{l} is not a ModuleDict.");
                    var gateLevel = gates[l] as ModuleDict ?? throw a.Bad($"task_gates.{l} is not a ModuleDict.");
                    int level = l;
                    levels.Add(new PleLevel(
                        [.. sharedLevel.Select((e, i) => Tensors(a, $"shared_experts.{level}.{i}", e))],
                        tasks.ToDictionary(t => t.Name, t => (IReadOnlyList<Module<Tensor, Tensor>>)[.. (Entry(a, ownLevel, $"task_experts.{level}", t.Name) as ModuleList
                            ?? throw a.Bad($"task_experts.{level}.{t.Name} is not a ModuleList.")).Select((e, i) => Tensors(a, $"task_experts.{level}.{t.Name}.{i}", e))], StringComparer.Ordinal),
                        tasks.ToDictionary(t => t.Name, t => Gate(a, $"task_gates.{level}.{t.Name}", Entry(a, gateLevel, $"task_gates.{level}", t.Name)), StringComparer.Ordinal),
                        l < widths.Length - 1 ? Gate(a, $"shared_gates.{l}", sharedGates![l]) : null,
                        widths[l]));
                }
                var towers = a.Child<ModuleDict>("towers");
                return new PleModel(levels, [.. tasks.Select(t => (t.Name, t.OutputSize, Tensors(a, $"towers.{t.Name}", Entry(a, towers, "towers", t.Name))))],
                    a.OptionalChild<Module>("input") is { } input ? Tensors(a, "input", input) : null,
                    a.GetNullableInt32("input_size", 1));
            });
    }

    private static void Register<T>(string name, Func<T, JsonObject> write, Func<ModuleSpecArgs, T> read) where T : Module =>
        ModuleSpecs.RegisterBuiltIn(name, write, read);

    private static JsonArray Ints(IReadOnlyList<int> values) => [.. values.Select(v => JsonValue.Create(v))];

    private static JsonArray TaskShapes(MultiTaskModel model) =>
        [.. model.TaskNames.Select(t => new JsonObject { ["name"] = t, ["output_size"] = model.OutputSize(t) })];

    private static List<(string Name, int OutputSize)> ReadTaskShapes(ModuleSpecArgs args) =>
        [.. args.Field("tasks").Items().Select(t => (t["name"].String(), t["output_size"].Int32(1)))];

    private static Module Entry(ModuleSpecArgs args, ModuleDict dict, string what, string task) =>
        dict.TryGetValue(task, out var module) ? module : throw args.Bad($"its '{what}' have no module for task '{task}'.");

    private static ExpertGate Gate(ModuleSpecArgs args, string what, Module module) =>
        module as ExpertGate ?? throw args.Bad($"'{what}' is a {module.GetType().Name}, not an expert gate.");

    private static Module<Tensor, Tensor> Tensors(ModuleSpecArgs args, string what, Module module) =>
        module as Module<Tensor, Tensor> ?? throw args.Bad($"'{what}' is a {module.GetType().Name}, which does not map a tensor to a tensor.");

    /// <summary>factor × the product of <paramref name="shape"/>, refusing a product that overflows.</summary>
    private static long Elements(ModuleSpecArgs args, int[] shape, int factor)
    {
        try
        {
            long total = factor;
            foreach (int s in shape) total = checked(total * s);
            return total;
        }
        catch (OverflowException)
        {
            throw args.Bad($"its shape [{string.Join(", ", shape)}] has more elements than any file holds.");
        }
    }
}
