namespace MultiTask.Tasks;

/// <summary>What a task predicts, which fixes how its labels are read and how wide its output is.</summary>
public enum TaskKind
{
    /// <summary>One real number per row (output size 1); the target is standardised by default.</summary>
    Regression,

    /// <summary>One 0/1 label per row (output size 1, one logit).</summary>
    Binary,

    /// <summary>One of C classes per row, stored as the class index (output size C, one logit per class).</summary>
    Multiclass,

    /// <summary>L independent 0/1 labels per row, one target column each (output size L).</summary>
    Multilabel,

    /// <summary>A fixed-width numeric target read as-is, for user-defined losses.</summary>
    Custom,
}
