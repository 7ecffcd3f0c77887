using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Search;
using MultiTask.Tests.Training;
using MultiTask.Training;

namespace MultiTask.Tests.Search;

public class SearchObjectiveTests
{
    private static readonly MultiTaskDataset Data = TrainingData.Dataset(90, 31).Data;

    private static (MultiTaskModel, TrainerOptions) Build(Trial trial, FeatureEncoder encoder, int budget, ulong seed) =>
        (MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(seed)),
         new TrainerOptions { Epochs = budget, BatchSize = 16, Seed = seed, Optimizer = new AdamOptions { LearningRate = trial.Get<double>("lr") } });

    private static SearchResult Search(int maxParallel, string score = "val_loss", MetricDirection direction = MetricDirection.LowerIsBetter) =>
        new GridSearch(budget: 4, new SearchOptions { Seed = 3, MaxParallel = maxParallel, Direction = direction })
            .Run(new SearchSpace().LogUniform("lr", 1e-5, 1e-1, grid: [1e-5, 1e-3, 3e-2]), Data, folds: 3, SearchObjective.Train(Build, score));

    [Fact]
    public void End_to_end_three_fold_search_over_learning_rates_prefers_one_that_learns()
    {
        var result = Search(maxParallel: 2);

        result.Trials.Should().HaveCount(3).And.OnlyContain(t => t.Status == TrialStatus.Completed && t.FoldScores.Count == 3);
        // In 4 epochs of ~4 steps, lr 1e-5 barely moves the initial weights; 3e-2 fits the linear targets.
        result.BestTrial.Get<double>("lr").Should().Be(3e-2);
        result.Trials[0].Mean.Should().BeGreaterThan(result.Trials[2].Mean);
        result.Trials.Select(t => t.Mean).Should().BeInDescendingOrder();
    }

    [Fact]
    public void End_to_end_scores_match_training_each_fold_by_hand_and_do_not_depend_on_MaxParallel()
    {
        var result = Search(maxParallel: 1, score: "a.rmse");
        var folds = Data.KFold(3, new Generator(3));
        var trial = result.Trials[2];
        for (int f = 0; f < 3; f++)
        {
            // What the objective should do: the encoder fitted on the fold's training part only.
            var encoder = FeatureEncoder.Fit(folds[f].Train);
            ulong seed = FoldSeed(trial, f);
            var (model, options) = Build(trial.Trial, encoder, 4, seed);
            var trainer = new MultiTaskTrainer(model, options);
            trainer.Fit(encoder.Transform(folds[f].Train), encoder.Transform(folds[f].Validation));
            trial.FoldScores[f].Should().Be(trainer.Evaluate(encoder.Transform(folds[f].Validation))["a"]["rmse"]);
        }
        var parallel = Search(maxParallel: 2, score: "a.rmse");
        parallel.Trials.Select(t => t.FoldScores).Should().BeEquivalentTo(result.Trials.Select(t => t.FoldScores), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Score_keys_read_losses_task_metrics_and_means_over_tasks()
    {
        var encoded = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(encoded.Train.Width), new TrainerOptions { Epochs = 2, Seed = 1 });
        trainer.Fit(encoded.Train);
        var e = trainer.Evaluate(encoded.Validation);
        const MetricDirection lower = MetricDirection.LowerIsBetter;

        SearchObjective.Score(e, "val_loss", lower).Should().Be(e.Loss);
        SearchObjective.Score(e, "val_loss.b", lower).Should().Be(e["b"].Loss);
        SearchObjective.Score(e, "a.rmse", lower).Should().Be(e["a"]["rmse"]);
        SearchObjective.Score(e, "*.rmse", lower).Should().Be((e["a"]["rmse"] + e["b"]["rmse"]) / 2);
        SearchObjective.Score(e, "*.r2", MetricDirection.HigherIsBetter).Should().Be((e["a"]["r2"] + e["b"]["r2"]) / 2);

        new Action(() => SearchObjective.Score(e, "a.r2", lower)).Should().Throw<ArgumentException>()
            .WithMessage("*'a.r2' is higher-is-better*SearchOptions.Direction = MetricDirection.HigherIsBetter*");
        new Action(() => SearchObjective.Score(e, "c.rmse", lower)).Should().Throw<ArgumentException>().WithMessage("*'c.rmse' names no task*a, b*");
        new Action(() => SearchObjective.Score(e, "a.accuracy", lower)).Should().Throw<ArgumentException>().WithMessage("*'a' has no metric 'accuracy'*rmse*");
        new Action(() => SearchObjective.Score(e, "val_loss.c", lower)).Should().Throw<ArgumentException>().WithMessage("*no task 'c'*");
        new Action(() => SearchObjective.Score(e, "*.f1", lower)).Should().Throw<ArgumentException>().WithMessage("*no task has a metric 'f1'*");
    }

    [Fact]
    public void A_score_in_the_wrong_direction_fails_the_search_with_the_fix()
    {
        var act = () => Search(maxParallel: 2, score: "a.r2");
        act.Should().Throw<InvalidOperationException>().WithMessage("*'a.r2' is higher-is-better*HigherIsBetter*");
    }

    [Fact]
    public void A_misspelt_score_fails_before_any_epoch_is_trained()
    {
        int epochs = 0;
        var act = () => new GridSearch(3, new SearchOptions { MaxParallel = 2 }).Run(
            new SearchSpace().Fixed("lr", 1e-3), Data, 3,
            SearchObjective.Train((trial, encoder, budget, seed) =>
                (MultiTaskModel.HardSharing(encoder, backbone: [4], generator: new Generator(seed)),
                 new TrainerOptions { Epochs = budget, Callbacks = [new CountEpochs(() => Interlocked.Increment(ref epochs))] }), "a.rsme"));
        act.Should().Throw<InvalidOperationException>().WithMessage("*'a.rsme': task 'a' has no metric 'rsme'*");
        epochs.Should().Be(0);
    }

    private sealed class CountEpochs(Action onEpoch) : Callback
    {
        public override void OnEpochBegin(TrainingContext context) => onEpoch();
    }

    [Fact]
    public void Instances_shared_between_folds_are_refused_with_the_fix()
    {
        var shared = new MultiTask.Weighting.UncertaintyWeighting();
        var act = () => new GridSearch(1, new SearchOptions { MaxParallel = 1 }).Run(
            new SearchSpace().Fixed("lr", 1e-3), Data, 2,
            SearchObjective.Train((trial, encoder, budget, seed) =>
                (MultiTaskModel.HardSharing(encoder, backbone: [4], generator: new Generator(seed)), new TrainerOptions { Epochs = 1, Weighting = shared }), "val_loss"));
        act.Should().Throw<InvalidOperationException>()
            .WithMessage("*fold 1: InvalidOperationException: The model builder returned a TrainerOptions.Weighting instance that it already returned*new UncertaintyWeighting()*");
    }

    /// <summary>The seed the search gave (trial, fold): the objective records it, so read it back through a probe run.</summary>
    private static ulong FoldSeed(TrialResult trial, int fold)
    {
        ulong found = 0;
        new GridSearch(4, new SearchOptions { Seed = 3, MaxParallel = 1 }).Run(
            new SearchSpace().LogUniform("lr", 1e-5, 1e-1, grid: [1e-5, 1e-3, 3e-2]), Data, 3, f =>
            {
                if (f.Trial.Id == trial.Trial.Id && f.Fold == fold) found = f.Seed;
                return 0;
            });
        found.Should().NotBe(0UL);
        return found;
    }
}
