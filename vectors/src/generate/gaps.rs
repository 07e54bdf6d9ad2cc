//! Edges the other scenarios pass by, found by fault injection: implementations that drop the
//! newest history entry instead of the oldest, count a label's characters instead of its
//! bytes, refuse at the freezing threshold itself, sort or de-duplicate allowed viewers, keep
//! the timer across uninstall, or get the unflushed state of memories wrong passed every
//! vector before these. Each scenario pins one of them with the fewest steps that show it;
//! they belong to the `lifecycle` suite ([`super::lifecycle`] lists them).

use snapspec_model::canister::{HISTORY_CHANGES_MAX, LABEL_BYTES_MAX};
use snapspec_model::{Call, Clause, Config, ErrorCode, InstallMode, Timer, Visibility};

use super::clauses::installed;
use super::knobs::least_balance;
use super::script::*;
use super::{Made, Scenario};

/// The scenarios, in the order the suite lists them.
pub const SCENARIOS: &[fn(&Config) -> Made] = &[
    history_beyond_limit,
    label_bytes_at_limit,
    exec_write_at_freezing_threshold,
    viewers_kept_as_given,
    uninstall_clears_timer,
    load_carries_unflushed_changes,
    empty_write_changes_nothing,
];

fn history_beyond_limit(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    // Alternating controller sets keep neighbouring entries distinct beyond their versions.
    for round in 0..HISTORY_CHANGES_MAX {
        let controllers = if round % 2 == 0 { vec![alice(), bob()] } else { vec![alice()] };
        s.a(set_controllers(0, &controllers))?;
    }
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "history/beyond-20-changes",
        format!("INFO.REPLY, SETTINGS.EFFECT: creation, installation and {HISTORY_CHANGES_MAX} controller changes make {} changes; canister_info returns the {HISTORY_CHANGES_MAX} newest (the creation and the installation are gone, the last change is the last entry) and counts all of them in total_num_changes. Only past the limit does it show which end the history drops.", HISTORY_CHANGES_MAX + 2),
        s,
    )))
}

fn label_bytes_at_limit(config: &Config) -> Made {
    if !config.labels {
        return Ok(None);
    }
    // "€" is 3 bytes in UTF-8: both labels have far fewer characters than the limit's bytes.
    let euros = LABEL_BYTES_MAX / 3;
    let at_limit = format!("{}x", "€".repeat(euros));
    let over = "€".repeat(euros + 1);
    let labelled = |label: String| take_with(config, 0, None, None, Some(label)).expect("the profile has labels");
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(labelled(at_limit))?;
    s.fails(alice(), labelled(over), ErrorCode::InvalidManagementPayload)?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "labels/utf8-bytes-at-limit",
        format!("ARGS.LABEL, TAKE.LABEL: the limit counts UTF-8 bytes, not characters: {euros} × \"€\" and an \"x\" ({} characters, {} bytes) are accepted and listed as given; {} × \"€\" ({} characters, {} bytes) are rejected (IC0408) and replace nothing.", euros + 1, 3 * euros + 1, euros + 1, euros + 1, 3 * (euros + 1)),
        s,
    )))
}

/// Alice creates the next canister with `cycles` and installs `module(0)`.
fn funded(s: &mut Script, cycles: u64) -> Result<u64, SetupError> {
    let n = s.state().next_canister_index;
    s.a(create(&[alice()], cycles))?;
    s.a(install(n, InstallMode::Install, 0))?;
    Ok(n)
}

fn exec_write_at_freezing_threshold(config: &Config) -> Made {
    let grow = |cycles: u64| {
        let mut s = Script::new(config);
        let n = funded(&mut s, cycles)?;
        s.run(alice(), write_heap(n, 0, b"x"));
        Ok(s)
    };
    let least =
        least_balance(grow, Clause::ExecFreeze).ok_or_else(|| SetupError("no balance lets the heap grow".into()))?;
    let mut s = Script::new(config);
    let exact = funded(&mut s, least)?;
    s.a(write_heap(exact, 0, b"x"))?;
    let short = funded(&mut s, least - 1)?;
    s.fails(alice(), write_heap(short, 0, b"x"), ErrorCode::InsufficientCyclesInMemoryGrow)?;
    Ok(Some(Scenario::new(
        "freeze/exec-write-at-threshold",
        format!("EXEC.FREEZE, EXEC.EFFECT: growing the heap by a page needs a balance of at least the freezing threshold at the new usage, equality included: $c0 holds exactly that ({least} cycles, found by bisection on the model) and its write succeeds; $c1 holds one cycle less and the same write is rejected (IC0532). The take and load boundaries are the clauses suite's `*/boundary/*` cases."),
        s,
    )))
}

fn viewers_kept_as_given(config: &Config) -> Made {
    if !config.visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_visibility(0, Visibility::AllowedViewers(vec![dave(), bob(), dave(), carol()])))?;
    s.a(status(0))?;
    s.ok(bob(), list(config, 0))?;
    Ok(Some(Scenario::new(
        "visibility/viewers-kept-as-given",
        "SETTINGS.EFFECT, LIST.VIS.ALLOWED: allowed_viewers [dave, bob, dave, carol] (out of order, dave twice) comes back from canister_status exactly as set: the model stores the list as given, neither sorted nor de-duplicated (the limit counts the repeat too); bob, listed, may list.",
        s,
    )))
}

fn uninstall_clears_timer(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(set_timer(0, Timer::Active(config.genesis_time_ns + 5)))?;
    s.a(uninstall(0))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(set_timer(0, Timer::Inactive))?;
    Ok(Some(Scenario::new(
        "timer/cleared-by-uninstall",
        "UNINSTALL.EFFECT, LOAD.TIMER.KEEP: uninstall_code deactivates the global timer. An empty canister cannot run set_timer, and a new install clears the timer anyway, so a load shows it: it keeps the target's timer, and set_timer afterwards returns the previous one, inactive (not genesis + 5).",
        s,
    )))
}

/// Two installed canisters, `$c0` and `$c1`, where the profile can load across them.
fn cross_load_world(config: &Config) -> Result<Option<Script<'_>>, SetupError> {
    if !config.cross_canister_load {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    Ok(Some(s))
}

fn load_carries_unflushed_changes(config: &Config) -> Made {
    let Some(mut s) = cross_load_world(config)? else { return Ok(None) };
    s.a(write_heap(1, 0, b"x"))?;
    s.a(take(config, 1))?;
    s.a(load(config, 1, sid(1, 0)))?;
    s.a(take(config, 1))?;
    s.fails(alice(), load(config, 0, sid(1, 1)), ErrorCode::CanisterRejectedMessage)?;
    s.a(Call::Checkpoint)?;
    s.a(load(config, 0, sid(1, 1)))?;
    Ok(Some(Scenario::new(
        "cross-load/unflushed-carried-by-load",
        "LOAD.CROSS.LOADABLE, LOAD.RESTORE, CHECKPOINT: $c1 writes its heap and is snapshotted ($c1.s0, unflushed); loading $c1.s0 back onto $c1 restores its memories with their unflushed changes, so $c1.s1, taken next, is unflushed too: loading it onto $c0 fails (IC0406) until a checkpoint, then succeeds. A load is not a checkpoint.",
        s,
    )))
}

fn empty_write_changes_nothing(config: &Config) -> Made {
    let Some(mut s) = cross_load_world(config)? else { return Ok(None) };
    s.a(Call::Checkpoint)?;
    s.a(write_heap(1, 0, b""))?;
    s.a(write_stable(1, 0, b""))?;
    s.a(take(config, 1))?;
    s.a(load(config, 0, sid(1, 0)))?;
    Ok(Some(Scenario::new(
        "cross-load/empty-write-stays-flushed",
        "LOAD.CROSS.LOADABLE, EXEC.EFFECT: after a checkpoint $c1 writes zero bytes to its heap and to stable memory; that changes no page, so $c1.s0, taken next, has no unflushed changes and loads onto $c0 without waiting for a checkpoint.",
        s,
    )))
}
