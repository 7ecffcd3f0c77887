namespace MultiTask.Architectures;

/// <summary>The gate an expert model builds for each task (and, in PLE, for each shared mixture).</summary>
public enum ExpertGateKind
{
    /// <summary>A dense softmax over a Linear of the gate's input (<see cref="SoftmaxGate"/>, Ma et al. 2018).</summary>
    Softmax,

    /// <summary>A sparse, differentiable selection of k experts (<see cref="DSelectKGate"/>, Hazimeh et al. 2021).</summary>
    DSelectK,
}
