//! The `lifecycle` suite: snapshots across the canister's life — uninstall, reinstall,
//! upgrade, delete; stop and start around take and load; empty canisters; replacing at and
//! below the limit; ids never reused after delete and replace; and the edges of
//! [`super::gaps`].

use snapspec_model::config::{Api, Replacement};
use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{Call, Config, ErrorCode, InstallMode, Timer};

use super::clauses::installed;
use super::script::*;
use super::{Made, Scenario};

type Make = fn(&Config) -> Made;

const SCENARIOS: &[Make] = &[
    uninstall_then_load,
    reinstall_then_load,
    upgrade_then_load,
    rollback_bad_upgrade,
    delete_canister_removes_snapshots,
    canister_id_not_reused,
    take_and_load_while_stopped,
    stop_between_take_and_load,
    empty_never_installed,
    empty_after_uninstall,
    empty_after_take_with_uninstall,
    replace_below_limit,
    replace_at_limit,
    implicit_replace_at_limit,
    ids_not_reused_after_delete,
    ids_not_reused_after_replace,
    history_across_take_and_load,
    chunks_restored_by_load,
    timer_kept_across_load,
    certified_data_restored_by_load,
];

/// Every scenario that applies to `config`, the edges of [`super::gaps`] last.
pub fn scenarios(config: &Config) -> Vec<Scenario> {
    SCENARIOS.iter().chain(super::gaps::SCENARIOS).filter_map(|make| super::made(make(config), config)).collect()
}

fn management(config: &Config) -> bool {
    config.api == Api::Management
}

fn uninstall_then_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_stable(0, 0, b"keep"))?;
    s.a(take(config, 0))?;
    s.a(uninstall(0))?;
    s.a(list(config, 0))?;
    s.fails(alice(), read_stable(0, 0, 4), ErrorCode::CanisterWasmModuleNotFound)?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(read_stable(0, 0, 4))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "uninstall/keeps-snapshots-then-load",
        "UNINSTALL.KEEPS_SNAPSHOTS, LOAD.RESTORE: uninstall_code keeps the snapshot (listed); the empty canister cannot execute; loading the snapshot puts code and stable memory back.",
        s,
    )))
}

fn reinstall_then_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"v1"))?;
    s.a(take(config, 0))?;
    s.a(install(0, InstallMode::Reinstall, 1))?;
    s.a(list(config, 0))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(read_heap(0, 0, 2))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "reinstall/keeps-snapshots-then-load",
        "INSTALL.KEEPS_SNAPSHOTS, LOAD.RESTORE: reinstall with another module keeps the snapshot; loading it restores module(0) (status module hash) and the heap.",
        s,
    )))
}

fn upgrade_then_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"h1"))?;
    s.a(write_stable(0, 0, b"s1"))?;
    s.a(take(config, 0))?;
    s.a(install(0, InstallMode::Upgrade, 1))?;
    s.a(read_stable(0, 0, 2))?;
    s.a(write_stable(0, 0, b"s2"))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(read_heap(0, 0, 2))?;
    s.a(read_stable(0, 0, 2))?;
    Ok(Some(Scenario::new(
        "upgrade/keeps-snapshots-then-load",
        "INSTALL.KEEPS_SNAPSHOTS, LOAD.RESTORE: upgrade keeps the snapshot and stable memory; after new writes, loading restores the heap and stable memory of the take.",
        s,
    )))
}

fn rollback_bad_upgrade(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_stable(0, 0, b"good state"))?;
    s.a(stop(0))?;
    s.a(take(config, 0))?;
    s.a(install(0, InstallMode::Upgrade, 2))?;
    s.a(start(0))?;
    s.a(write_stable(0, 0, b"bad  state"))?;
    s.a(stop(0))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(start(0))?;
    s.a(read_stable(0, 0, 10))?;
    s.a(Call::ReadGlobals { canister_id: c(0) })?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "rollback/bad-upgrade",
        "The undo button: stop, take, upgrade to another module, corrupt the state, stop, load, start: module, globals and stable memory are the take's; history shows deployment, deployment and load_snapshot.",
        s,
    )))
}

fn delete_canister_removes_snapshots(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(take(config, 1))?;
    s.a(Call::Checkpoint)?;
    s.a(stop(0))?;
    s.a(delete_canister(0))?;
    s.fails(alice(), list(config, 0), ErrorCode::CanisterNotFound)?;
    s.run(alice(), load(config, 1, sid(0, 0)));
    Ok(Some(Scenario::new(
        "delete-canister/removes-snapshots",
        "DELETE_CANISTER.EFFECT: deleting $c0 removes its snapshots with it: listing $c0 fails (IC0301) and loading $c0.s0 onto $c1 finds no snapshot (IC0305 where the profile has cross-canister load; IC0305 too before, the lookup precedes the ownership check). Which canister the not-found message names depends on the replica generation.",
        s,
    )))
}

fn canister_id_not_reused(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(stop(0))?;
    s.a(delete_canister(0))?;
    s.a(create(&[alice()], BIG))?;
    s.a(install(1, InstallMode::Install, 0))?;
    s.a(take(config, 1))?;
    s.fails(alice(), list(config, 0), ErrorCode::CanisterNotFound)?;
    s.a(list(config, 1))?;
    Ok(Some(Scenario::new(
        "ids/canister-not-reused-after-delete",
        "CREATE.EFFECT, DELETE_CANISTER.EFFECT: after $c0 is deleted the next canister is $c1, never $c0 again; its first snapshot is $c1.s0.",
        s,
    )))
}

fn take_and_load_while_stopped(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"v1"))?;
    s.a(stop(0))?;
    s.a(take(config, 0))?;
    s.fails(alice(), write_heap(0, 0, b"v2"), ErrorCode::CanisterStopped)?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(status(0))?;
    s.a(start(0))?;
    s.a(read_heap(0, 0, 2))?;
    Ok(Some(Scenario::new(
        "stop-start/take-and-load-while-stopped",
        "TAKE.CONTENT, LOAD.KEEP: a stopped canister can be snapshotted and loaded (the spec advises stopping first); it cannot execute while stopped; load keeps the stopped status; after start the heap is the snapshot's.",
        s,
    )))
}

fn stop_between_take_and_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"v1"))?;
    s.a(take(config, 0))?;
    s.a(write_heap(0, 0, b"v2"))?;
    s.a(stop(0))?;
    s.a(start(0))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(status(0))?;
    s.a(read_heap(0, 0, 2))?;
    Ok(Some(Scenario::new(
        "stop-start/take-running-load-running",
        "TAKE.CONTENT, LOAD.RESTORE: a running canister can be snapshotted and loaded too; stop and start between them change nothing the snapshot holds.",
        s,
    )))
}

fn empty_never_installed(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.fails(alice(), take(config, 0), ErrorCode::CanisterRejectedMessage)?;
    s.a(list(config, 0))?;
    s.a(install(0, InstallMode::Install, 0))?;
    s.a(take(config, 0))?;
    Ok(Some(Scenario::new(
        "empty/never-installed",
        "TAKE.NONEMPTY, TAKE.ID: a canister that never had code cannot be snapshotted (IC0406) and lists nothing; the failed take consumed no id: after install the first snapshot is $c0.s0.",
        s,
    )))
}

fn empty_after_uninstall(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(uninstall(0))?;
    s.run(alice(), take(config, 0));
    Ok(Some(Scenario::new(
        "empty/after-uninstall",
        "TAKE.NONEMPTY: after uninstall_code the canister is empty and cannot be snapshotted: IC0406 `Failed to create snapshot for empty canister`.",
        s,
    )))
}

fn empty_after_take_with_uninstall(config: &Config) -> Made {
    if !(management(config) && config.uninstall_on_take) {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_stable(0, 0, b"keep"))?;
    s.a(take_with(config, 0, None, Some(true), None).expect("management"))?;
    s.fails(alice(), take(config, 0), ErrorCode::CanisterRejectedMessage)?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(read_stable(0, 0, 4))?;
    s.a(take(config, 0))?;
    Ok(Some(Scenario::new(
        "empty/after-take-with-uninstall",
        "TAKE.UNINSTALL, TAKE.NONEMPTY, LOAD.RESTORE: a take with uninstall_code leaves the canister empty, so a second take fails; loading the snapshot restores it, and taking works again ($c0.s1).",
        s,
    )))
}

fn replace_below_limit(config: &Config) -> Made {
    if !management(config) {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(take_with(config, 0, Some(sid(0, 0).into()), None, None).expect("management"))?;
    s.a(list(config, 0))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "replace/below-limit",
        "TAKE.REPLACE.REMOVE: replacing below the limit keeps the count: $c0.s0 is replaced by $c0.s1; snapshots_size is one snapshot's.",
        s,
    )))
}

fn replace_at_limit(config: &Config) -> Made {
    if !management(config) {
        return Ok(None);
    }
    let limit = config.snapshots_per_canister_max;
    let mut s = Script::new(config);
    installed(&mut s)?;
    for _ in 0..limit {
        s.a(take(config, 0))?;
    }
    s.fails(alice(), take(config, 0), ErrorCode::CanisterRejectedMessage)?;
    s.a(take_with(config, 0, Some(sid(0, limit / 2).into()), None, None).expect("management"))?;
    s.fails(alice(), take(config, 0), ErrorCode::CanisterRejectedMessage)?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "replace/at-limit",
        "TAKE.LIMIT, TAKE.REPLACE.REMOVE: at the limit a plain take fails (IC0406) but a take replacing one of the snapshots succeeds (the limit is not checked when replacing); the count stays at the limit.",
        s,
    )))
}

fn implicit_replace_at_limit(config: &Config) -> Made {
    if config.replacement != Replacement::Implicit {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    for _ in 0..config.snapshots_per_canister_max {
        s.a(take(config, 0))?;
    }
    s.a(write_heap(0, 0, b"v2"))?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    s.fails(alice(), load(config, 0, sid(0, 0)), ErrorCode::CanisterSnapshotNotFound)?;
    Ok(Some(Scenario::new(
        "replace/implicit-at-limit",
        "TAKE.IMPLICIT_REPLACE: at the limit the proposal's take replaces the oldest snapshot, which then cannot be loaded (IC0305).",
        s,
    )))
}

fn ids_not_reused_after_delete(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(delete(config, 0, sid(0, 0)))?;
    s.a(take(config, 0))?;
    s.a(delete(config, 0, sid(0, 1)))?;
    s.a(take(config, 0))?;
    s.fails(alice(), load(config, 0, sid(0, 0)), ErrorCode::CanisterSnapshotNotFound)?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "ids/not-reused-after-delete",
        "TAKE.ID: after deletes the counter goes on: $c0.s0, $c0.s1, $c0.s2; a deleted id stays unknown (IC0305).",
        s,
    )))
}

fn ids_not_reused_after_replace(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    for local in 0..2 {
        let call = match take_with(config, 0, Some(sid(0, local).into()), None, None) {
            Some(call) => call,
            None => {
                // The proposal replaces implicitly (one slot).
                s.a(delete(config, 0, sid(0, local)))?;
                take(config, 0)
            }
        };
        s.a(call)?;
    }
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "ids/not-reused-after-replace",
        "TAKE.ID, TAKE.REPLACE.REMOVE: replacing never hands out the replaced id again: $c0.s0 is replaced by $c0.s1, which is replaced by $c0.s2 (the proposal, which has no replace_snapshot, deletes and takes).",
        s,
    )))
}

fn history_across_take_and_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(info(0))?;
    s.a(Call::AdvanceTime { nanos: 1 })?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.ok(ANONYMOUS, info(0))?;
    Ok(Some(Scenario::new(
        "history/take-and-load",
        "TAKE.CANISTER_UNCHANGED, LOAD.HISTORY, INFO.REPLY: a take adds no history entry; each load adds one load_snapshot entry and bumps the version; canister_info is open to anyone.",
        s,
    )))
}

fn chunks_restored_by_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(upload(0, b"chunk-a"))?;
    s.a(take(config, 0))?;
    s.a(Call::ClearChunkStore { canister_id: c(0) })?;
    s.a(upload(0, b"chunk-b"))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "chunks/restored-by-load",
        "LOAD.RESTORE, CHUNK.CLEAR: the snapshot keeps the chunk store it was taken with; loading replaces the current store (post chunk_store component).",
        s,
    )))
}

fn timer_kept_across_load(config: &Config) -> Made {
    let g = config.genesis_time_ns;
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_timer(0, Timer::Active(g + 1)))?;
    s.a(take(config, 0))?;
    s.a(set_timer(0, Timer::Active(g + 2)))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(set_timer(0, Timer::Active(g + 3)))?;
    Ok(Some(Scenario::new(
        "timer/kept-across-load",
        "LOAD.TIMER.KEEP: loading a snapshot taken from a canister keeps the target's own timer: the set_timer after the load returns genesis + 2, not the snapshot's genesis + 1.",
        s,
    )))
}

fn certified_data_restored_by_load(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_cert(0, b"v1"))?;
    s.a(take(config, 0))?;
    s.a(set_cert(0, b"v2"))?;
    s.a(load(config, 0, sid(0, 0)))?;
    Ok(Some(Scenario::new(
        "certified-data/restored-by-load",
        "LOAD.RESTORE: certified data is part of the snapshot; after the load the canister's certified_data component (post) is the take's again.",
        s,
    )))
}
