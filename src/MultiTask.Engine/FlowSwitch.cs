namespace MultiTask.Engine;

/// <summary>
/// An on/off switch whose setting belongs to the flow of control, as an <see cref="AsyncLocal{T}"/> value
/// does: it follows an <c>await</c> to the thread that continues and flows into work started while it is
/// on, and other threads never see it. Unlike a plain async-local, switching it on and back off again and
/// again in the same context allocates nothing once the thread has done it before, which matters because
/// the grad-mode and evaluation scopes open on every backward pass and optimizer step.
/// </summary>
/// <typeparam name="TScope">The scope type the switch serves; each closed type is a separate switch.</typeparam>
internal static class FlowSwitch<TScope>
{
    private static readonly AsyncLocal<object?> s_setting = new();
    private static readonly object s_on = new();

    // Setting an async-local value builds a new ExecutionContext. Instead of building one on every switch,
    // the thread remembers the last context it switched on in and the context that resulted, and installs
    // that again when it switches on in the same context; switching back off reinstalls the earlier context.
    // Only an optimisation (per thread; a miss takes the ordinary path), which keeps those two contexts, and
    // the values in them, alive until the thread switches on in another context.
    [ThreadStatic] private static ExecutionContext? t_offContext;
    [ThreadStatic] private static ExecutionContext? t_onContext;

    /// <summary>Whether the switch is on in the current flow.</summary>
    public static bool IsOn => s_setting.Value is not null;

    /// <summary>Sets the switch; <see cref="Restore"/> with the returned token undoes exactly this change.</summary>
    public static FlowSwitchToken Set(bool on)
    {
        bool was = IsOn;
        if (was == on) return new FlowSwitchToken(was, null, null);
        // Null when the flow is suppressed; then there is nothing to reuse.
        var before = ExecutionContext.Capture();
        if (on && before is not null && ReferenceEquals(before, t_offContext) && t_onContext is { } cached)
        {
            ExecutionContext.Restore(cached);
            return new FlowSwitchToken(was, before, cached);
        }
        s_setting.Value = on ? s_on : null;
        var after = ExecutionContext.Capture();
        if (on && before is not null && after is not null)
        {
            t_offContext = before;
            t_onContext = after;
        }
        return new FlowSwitchToken(was, before, after);
    }

    /// <summary>Puts back the setting that was in force before the <see cref="Set"/> that returned <paramref name="token"/>.</summary>
    public static void Restore(in FlowSwitchToken token)
    {
        // The context is still the one Set installed (nothing else changed inside the scope), so the one before
        // it is that context with only this switch put back.
        if (token.After is not null && ReferenceEquals(ExecutionContext.Capture(), token.After))
            ExecutionContext.Restore(token.Before!);
        else if (IsOn != token.WasOn)
            s_setting.Value = token.WasOn ? s_on : null;
    }
}
