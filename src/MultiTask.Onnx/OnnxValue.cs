namespace MultiTask.Onnx;

/// <summary>A value of the graph being built: its name and its rank (the batch dimension included).</summary>
internal readonly record struct OnnxValue(string Name, int Rank);
