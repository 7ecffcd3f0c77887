using MultiTask.Training;

namespace MultiTask.Continual;

/// <summary>What <see cref="SequentialTraining.Fit"/> returns: the results matrix, each stage's training report, and the EWC term and replay buffer it used.</summary>
public sealed class ContinualReport
{
    internal ContinualReport(ContinualMatrix results, IReadOnlyList<TrainingReport> stages, ElasticWeightConsolidation? ewc, ReplayBuffer? replay)
    {
        Results = results;
        Stages = stages;
        Ewc = ewc;
        Replay = replay;
    }

    /// <summary>R[stage, task] on each task's test rows after each stage, with backward transfer.</summary>
    public ContinualMatrix Results { get; }

    /// <summary>Each stage's training report, in order.</summary>
    public IReadOnlyList<TrainingReport> Stages { get; }

    /// <summary>The EWC term with every stage's tasks consolidated, or null without EWC.</summary>
    public ElasticWeightConsolidation? Ewc { get; }

    /// <summary>The replay buffer after the last stage, or null without replay.</summary>
    public ReplayBuffer? Replay { get; }
}
