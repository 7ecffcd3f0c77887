using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Training;

namespace MultiTask.Search;

/// <summary>
/// Builds the model and trainer options of one configuration for <see cref="SearchObjective.Train"/>:
/// read the hyper-parameters from <paramref name="trial"/>, size the model from <paramref name="encoder"/>
/// (fitted on the fold's training part), train for <paramref name="budget"/> epochs (or interpret the budget
/// otherwise) and seed the model and the trainer with <paramref name="seed"/>.
/// </summary>
/// <param name="trial">The configuration.</param>
/// <param name="encoder">The encoder fitted on the fold's training part.</param>
/// <param name="budget">The budget, usually the number of epochs.</param>
/// <param name="seed">The trial's seed for this fold.</param>
/// <returns>A new model and new options (fresh weighting, sampler and callback instances).</returns>
public delegate (MultiTaskModel Model, TrainerOptions Options) ModelBuilder(Trial trial, FeatureEncoder encoder, int budget, ulong seed);
