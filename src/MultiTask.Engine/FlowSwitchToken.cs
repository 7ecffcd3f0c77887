namespace MultiTask.Engine;

/// <summary>
/// What <see cref="FlowSwitch{TScope}.Set"/> changed: the previous setting, and the execution contexts before
/// and after the change (null when nothing changed or the flow is suppressed). The default token restores "off".
/// </summary>
internal readonly record struct FlowSwitchToken(bool WasOn, ExecutionContext? Before, ExecutionContext? After);
