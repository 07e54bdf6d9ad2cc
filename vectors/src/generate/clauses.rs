//! The `clauses` suite: for every clause the profile can reach, a case that exercises it;
//! for every precondition, a case that violates it alone; for the snapshot methods, every
//! pair of preconditions violated at once (check order: strict code and spec codes).
//!
//! The snapshot methods' error paths come from [`super::knobs`]; everything else is written
//! out below, one function per case, each generic over the profile where it can be.

use snapspec_model::canister::CHUNK_SIZE_BYTES;
use snapspec_model::clause::ClauseKind;
use snapspec_model::config::{Api, CheckOrder, Replacement};
use snapspec_model::{Call, Clause, Config, ErrorCode, Global, InstallMode, Timer, Visibility};

use super::knobs::{delete_family, enumerate, list_family, load_family, take_family};
use super::script::*;
use super::{Made, Scenario};

/// Every case of the suite for `config` (cases with `in_suite == false` only feed the
/// verdict report).
pub fn scenarios(config: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    out.extend(enumerate(&take_family(), config));
    out.extend(enumerate(&load_family(), config));
    out.extend(enumerate(&delete_family(), config));
    out.extend(enumerate(&list_family(), config));
    for make in HANDWRITTEN {
        if let Some(scenario) = super::made(make(config), config) {
            out.push(scenario);
        }
    }
    out
}

/// Why `clause` cannot be exercised in `config`, if it cannot.
pub fn unreachable(clause: Clause, config: &Config) -> Option<&'static str> {
    use Clause::*;
    let management = config.api == Api::Management;
    let explicit = config.replacement == Replacement::Explicit;
    match clause {
        ArgsLabel | TakeLabel if !config.labels => Some("the profile has no labels"),
        TakeReplaceExists | TakeReplaceOwned if !management => Some("the proposal's take has no `replace_snapshot`"),
        TakeUninstall if !(management && config.uninstall_on_take) => {
            Some("the profile has no `uninstall_code` on take")
        }
        TakeUninstallIgnored if !management || config.uninstall_on_take => {
            Some("only management profiles before spec 0.54 drop `uninstall_code`")
        }
        TakeImplicitReplace if explicit => Some("the profile replaces explicitly"),
        LoadOwned if config.cross_canister_load => Some("the profile has cross-canister load"),
        LoadCrossCtrl | LoadCrossLoadable if !config.cross_canister_load => {
            Some("the profile has no cross-canister load")
        }
        ListCtrl if config.visibility => Some("the profile's listing is governed by `snapshot_visibility`"),
        ListVisControllers | ListVisAllowed | ListVisPublic if !config.visibility => {
            Some("the profile has no `snapshot_visibility`")
        }
        SettingsViewersLimit if !config.visibility && !config.status_visibility => {
            Some("the profile has no visibility setting")
        }
        SettingsVisIgnored if config.visibility => Some("the profile has `snapshot_visibility`"),
        StatusVisControllers | StatusVisAllowed | StatusVisPublic if !config.status_visibility => {
            Some("the profile has no `status_visibility`")
        }
        SettingsStatusVisIgnored if config.status_visibility => Some("the profile has `status_visibility`"),
        ListProposal if !(config.labels || config.checksum_in_listing) => Some("the profile lists the 0.66 record"),
        ListChecksum if !config.checksum_in_listing => Some("the profile lists no checksum"),
        DeleteOwned if !management => Some("the proposal's delete derives the canister from the id"),
        IngressExists | IngressCtrl if config.check_order != CheckOrder::Replica => {
            Some("only replica profiles filter users' calls")
        }
        _ => None,
    }
}

/// Why precondition `clause` cannot be violated in `config`, if it cannot (beyond
/// [`unreachable`]).
pub fn unviolable(clause: Clause, config: &Config) -> Option<&'static str> {
    if clause.kind() != ClauseKind::Precondition {
        return Some("an effect");
    }
    if let Some(reason) = unreachable(clause, config) {
        return Some(reason);
    }
    match clause {
        Clause::TakeLimit if config.replacement == Replacement::Implicit => {
            Some("at the limit the proposal's take replaces the oldest snapshot")
        }
        _ => None,
    }
}

type Make = fn(&Config) -> Made;

const HANDWRITTEN: &[Make] = &[
    api_method,
    label_kept,
    take_content,
    take_size,
    take_replace,
    take_implicit_replace,
    take_uninstall_code,
    take_id_layout,
    take_failures_consume_no_id,
    load_restore,
    load_not_consumed,
    load_cross,
    load_history,
    list_ascending,
    list_public,
    list_allowed_viewers,
    list_proposal_checksums,
    delete_remove,
    canister_missing,
    canister_not_controller,
    canister_status_stranger,
    canister_self_calls,
    status_visibility_controllers,
    status_visibility_public,
    status_visibility_allowed_viewers,
    status_visibility_viewers_limit,
    status_visibility_ignored,
    create_effect,
    create_too_many_controllers,
    settings_too_many_controllers,
    settings_too_many_viewers,
    settings_controllers,
    settings_visibility_public,
    install_mode_install,
    install_mode_upgrade,
    install_module_too_many_globals,
    install_memory,
    install_freeze,
    install_reinstall,
    install_upgrade,
    uninstall_effect,
    start_stop,
    delete_canister_running,
    delete_canister_effect,
    chunk_too_big,
    chunk_store_full,
    chunk_memory,
    chunk_freeze,
    chunk_upload,
    chunk_clear,
    exec_missing,
    exec_no_code,
    exec_stopped,
    exec_read_out_of_bounds,
    exec_global_type,
    exec_certified_data_too_long,
    exec_memory,
    exec_freeze,
    exec_effects,
    environment,
];

/// Alice creates the next canister (alice its only controller, ample cycles) and installs
/// `module(0)` (9 bytes, globals `i32 0`, `i64 0`).
pub fn installed(s: &mut Script) -> Result<u64, SetupError> {
    let n = s.state().next_canister_index;
    s.a(create(&[alice()], BIG))?;
    s.a(install(n, InstallMode::Install, 0))?;
    Ok(n)
}

fn genesis(config: &Config) -> u64 {
    config.genesis_time_ns
}

fn management(config: &Config) -> bool {
    config.api == Api::Management
}

// --- API and arguments -------------------------------------------------------------------------

fn api_method(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    let other = if management(config) {
        Call::TakeSnapshot { canister_id: c(0), label: None }
    } else {
        Call::TakeCanisterSnapshot(snapspec_model::TakeArgs {
            canister_id: c(0),
            replace_snapshot: None,
            uninstall_code: None,
            sender_canister_version: None,
        })
    };
    s.run(alice(), other);
    Ok(Some(Scenario::new(
        "api/other-api-method",
        "API.METHOD: the take of the other API (the proposal's `take_snapshot` in management profiles, `take_canister_snapshot` in the proposal) is an unknown management method: IC0536.",
        s,
    )))
}

fn label_kept(config: &Config) -> Made {
    if !config.labels {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take_with(config, 0, None, None, Some("x".repeat(256))).expect("labels"))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "args/label-256-bytes-kept",
        "ARGS.LABEL, TAKE.LABEL: a label of exactly 256 bytes (the model's bound) is accepted and listed back.",
        s,
    )))
}

// --- take effects ------------------------------------------------------------------------------

/// Writes into every part of `$cN` a snapshot captures.
fn fill_content(s: &mut Script, n: u64, tag: &str, timer_at: u64) -> Result<(), SetupError> {
    s.a(write_heap(n, 10, format!("heap-{tag}").as_bytes()))?;
    s.a(write_stable(n, 20, format!("stable-{tag}").as_bytes()))?;
    s.a(set_global(n, 1, Global::I64(-(tag.len() as i64))))?;
    s.a(upload(n, format!("chunk-{tag}").as_bytes()))?;
    s.a(set_cert(n, format!("cert-{tag}").as_bytes()))?;
    s.a(set_timer(n, Timer::Active(timer_at)))?;
    Ok(())
}

fn take_content(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    fill_content(&mut s, 0, "v1", genesis(config) + 99)?;
    s.a(Call::AdvanceTime { nanos: 42 })?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    s.a(status(0))?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "take/effect/content",
        "TAKE.CONTENT, TAKE.ID, TAKE.SIZE, TAKE.REPLY, TAKE.CHARGE, TAKE.CANISTER_UNCHANGED: a take after writes to heap, stable memory, a global, the chunk store, certified data and the timer replies {id = $c0.s0, taken_at_timestamp = now, total_size}; the new snapshot's content checksums (post) equal the canister's; the listing shows it; status shows snapshots_size = total_size and the version unchanged; history has no entry for the take.",
        s,
    )))
}

fn take_size(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.a(install(0, InstallMode::Install, 2))?;
    s.a(write_heap(0, 70_000, b"x"))?;
    s.a(write_stable(0, 0, b"y"))?;
    s.a(upload(0, b"one"))?;
    s.a(upload(0, b"two"))?;
    s.a(set_cert(0, b"12345"))?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "take/effect/size",
        "TAKE.SIZE: total_size = heap pages×65536 (2 pages) + stable pages×65536 (1) + 32×(globals+1) (3 globals) + module bytes (9) + chunks×1 MiB (2) + certified data bytes (5) = 2,293,902 in strict mode; spec mode checks it only against the floor of memories plus module.",
        s,
    )))
}

fn take_replace(config: &Config) -> Made {
    if !management(config) {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(write_heap(0, 0, b"v2"))?;
    s.a(take_with(config, 0, Some(sid(0, 0).into()), None, None).expect("management"))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "take/effect/replace",
        "TAKE.REPLACE.EXISTS, TAKE.REPLACE.OWNED, TAKE.REPLACE.REMOVE: a take with `replace_snapshot = $c0.s0` creates $c0.s1 and removes $c0.s0 in the same step; the listing shows only $c0.s1.",
        s,
    )))
}

fn take_implicit_replace(config: &Config) -> Made {
    if config.replacement != Replacement::Implicit {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    for index in 0..config.snapshots_per_canister_max {
        s.a(take_with(config, 0, None, None, Some(format!("first-{index}"))).expect("labels"))?;
    }
    s.a(Call::AdvanceTime { nanos: 7 })?;
    s.a(take_with(config, 0, None, None, Some("second".into())).expect("labels"))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "take/effect/implicit-replace",
        "TAKE.IMPLICIT_REPLACE, TAKE.REPLACE.REMOVE, TAKE.LABEL: at the limit the proposal's take silently replaces the oldest snapshot; the listing shows the new one with its label.",
        s,
    )))
}

fn take_uninstall_code(config: &Config) -> Made {
    if !management(config) {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    fill_content(&mut s, 0, "v1", genesis(config) + 7)?;
    s.a(take_with(config, 0, None, Some(true), None).expect("management"))?;
    s.a(info(0))?;
    s.a(list(config, 0))?;
    s.run(alice(), read_heap(0, 10, 7));
    let comment = if config.uninstall_on_take {
        "TAKE.UNINSTALL: with `uninstall_code = true` the canister is uninstalled atomically after the snapshot: history gains one code_uninstall entry, the snapshot keeps the pre-uninstall content (post), and the canister has no code, so the final heap read fails with IC0537."
    } else {
        "TAKE.UNINSTALL.IGNORED: before spec 0.54 the field does not exist; candid decoding drops it, the take is a plain take, and the final heap read succeeds."
    };
    Ok(Some(Scenario::new("take/effect/uninstall-code", comment, s)))
}

fn take_id_layout(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    for local in 0..2 {
        s.a(take(config, 1))?;
        s.a(delete(config, 1, sid(1, local)))?;
    }
    s.a(take(config, 1))?;
    Ok(Some(Scenario::new(
        "take/effect/id-layout",
        "TAKE.ID: ids are u64be(counter) ‖ canister principal and the counter never goes back: after two take-and-delete rounds on $c1 the next id is $c1.s2 = 0000000000000002 ‖ 00000000000000010101 (strict mode checks the layout; spec mode only freshness).",
        s,
    )))
}

fn take_failures_consume_no_id(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.fails(bob(), take(config, 0), ErrorCode::CanisterInvalidController)?;
    s.fails(alice(), take(config, MISSING), ErrorCode::CanisterNotFound)?;
    if management(config) {
        let call = take_with(config, 0, Some(sid(0, 0).into()), None, None).expect("management");
        s.fails(alice(), call, ErrorCode::CanisterSnapshotNotFound)?;
    }
    s.a(take(config, 0))?;
    Ok(Some(Scenario::new(
        "take/effect/failed-takes-consume-no-id",
        "TAKE.ID: rejected takes (by a non-controller, of a missing canister, replacing a missing snapshot) consume no id: the first successful take gets $c0.s0.",
        s,
    )))
}

// --- load effects ------------------------------------------------------------------------------

fn load_restore(config: &Config) -> Made {
    let g = genesis(config);
    let mut s = Script::new(config);
    installed(&mut s)?;
    fill_content(&mut s, 0, "v1", g + 1_000)?;
    s.a(Call::AdvanceTime { nanos: 5 })?;
    s.a(take(config, 0))?;
    fill_content(&mut s, 0, "v2-longer", g + 2_000)?;
    s.a(set_controllers(0, &[alice(), bob()]))?;
    s.a(stop(0))?;
    s.a(Call::AdvanceTime { nanos: 10 })?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(start(0))?;
    s.a(read_heap(0, 10, 7))?;
    s.a(read_stable(0, 20, 9))?;
    s.a(Call::ReadGlobals { canister_id: c(0) })?;
    s.a(status(0))?;
    s.a(info(0))?;
    s.a(set_timer(0, Timer::Inactive))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "load/effect/restore",
        "LOAD.RESTORE, LOAD.KEEP, LOAD.TIMER.KEEP, LOAD.VERSION, LOAD.HISTORY, LOAD.CHARGE: loading $c0.s0 onto a stopped canister whose every part changed since restores heap, stable memory, globals, chunk store and certified data (reads and post checksums), keeps controllers, status and the newer timer (set_timer returns it), bumps the version by one with one load_snapshot history entry, charges the fee, and keeps the snapshot.",
        s,
    )))
}

fn load_not_consumed(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(write_heap(0, 0, b"x"))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(write_heap(0, 0, b"y"))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "load/effect/not-consumed",
        "LOAD.KEEP: a snapshot is not consumed by a load; loading it a second time restores it again (the heap goes back to 0 pages).",
        s,
    )))
}

fn load_cross(config: &Config) -> Made {
    if !config.cross_canister_load {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    s.a(write_stable(0, 0, b"v1"))?;
    s.a(Call::AdvanceTime { nanos: 3 })?;
    s.a(take(config, 0))?;
    s.a(Call::Checkpoint)?;
    s.a(set_timer(1, Timer::Active(genesis(config) + 77)))?;
    s.a(write_stable(0, 0, b"v2"))?;
    s.a(load(config, 1, sid(0, 0)))?;
    s.a(read_stable(1, 0, 2))?;
    s.a(info(1))?;
    s.a(set_timer(1, Timer::Inactive))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "load/effect/cross-canister",
        "LOAD.CROSS.CTRL, LOAD.CROSS.LOADABLE, LOAD.HISTORY, LOAD.TIMER.KEEP: after a checkpoint, alice (controller of both) loads $c0's snapshot onto $c1: $c1 gets the stable memory, keeps its timer, and its history entry names from_canister_id = $c0; the owner and its snapshot are untouched.",
        s,
    )))
}

fn load_history(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(Call::AdvanceTime { nanos: 5 })?;
    s.a(take(config, 0))?;
    s.a(Call::AdvanceTime { nanos: 10 })?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "load/effect/history",
        "LOAD.HISTORY, LOAD.VERSION: the load_snapshot history entry records the snapshot's canister version (1), id, taken_at_timestamp and, from spec 0.46, its source; the entry's canister_version is the version after the load (2).",
        s,
    )))
}

// --- list and delete effects -------------------------------------------------------------------

fn list_ascending(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(list(config, 0))?;
    for _ in 0..config.snapshots_per_canister_max {
        s.a(take(config, 0))?;
    }
    s.a(delete(config, 0, sid(0, 0)))?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "list/effect/ascending",
        "LIST.REPLY: an empty listing first; then, after filling to the limit, deleting the first and taking once more, one entry per snapshot in ascending id order (across local 9 → 10 where the limit is 10); listing changes nothing.",
        s,
    )))
}

fn list_public(config: &Config) -> Made {
    if !config.visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(set_visibility(0, Visibility::Public))?;
    s.ok(snapspec_model::ids::ANONYMOUS, list(config, 0))?;
    s.ok(eve(), list(config, 0))?;
    Ok(Some(Scenario::new(
        "list/effect/public",
        "LIST.VIS.PUBLIC: with visibility `public` anyone lists, anonymous and an unrelated user alike.",
        s,
    )))
}

fn list_allowed_viewers(config: &Config) -> Made {
    if !config.visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(set_visibility(0, Visibility::AllowedViewers(vec![dave()])))?;
    s.ok(dave(), list(config, 0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "list/effect/allowed-viewers",
        "LIST.VIS.ALLOWED: with visibility `allowed_viewers` [dave], the listed viewer and the controllers may list.",
        s,
    )))
}

fn list_proposal_checksums(config: &Config) -> Made {
    if !config.checksum_in_listing {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"same"))?;
    s.a(write_heap(1, 0, b"same"))?;
    s.a(write_heap(2, 0, b"diff"))?;
    s.a(Call::AdvanceTime { nanos: 9 })?;
    s.a(take_with(config, 0, None, None, Some("a".into())).expect("labels"))?;
    s.a(take_with(config, 1, None, None, Some("b".into())).expect("labels"))?;
    s.a(take(config, 2))?;
    for n in 0..3 {
        s.a(list(config, n))?;
    }
    Ok(Some(Scenario::new(
        "list/effect/proposal-checksums",
        "LIST.PROPOSAL, LIST.CHECKSUM: the proposal's entries are {id; taken_on; label; total_size; checksum}; $c0 and $c1 hold equal content and list equal checksums, $c2 differs in one heap byte and lists another; the checksum is the content checksum of docs/checksum.md (compare post).",
        s,
    )))
}

fn delete_remove(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    let takes = config.snapshots_per_canister_max.min(2);
    for _ in 0..takes {
        s.a(take(config, 0))?;
    }
    s.a(delete(config, 0, sid(0, 0)))?;
    s.a(list(config, 0))?;
    s.a(status(0))?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "delete/effect/remove",
        "DELETE.REMOVE: the snapshot disappears from the listing and snapshots_size; no version bump, no history entry, no charge (status and info).",
        s,
    )))
}

// --- canister lifecycle ------------------------------------------------------------------------

fn canister_missing(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), install(MISSING, InstallMode::Install, 0));
    Ok(Some(Scenario::new(
        "canister/violate/CANISTER.EXISTS",
        "CANISTER.EXISTS: install_code on $c99, which does not exist: IC0301.",
        s,
    )))
}

fn canister_not_controller(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.run(bob(), install(0, InstallMode::Install, 0));
    Ok(Some(Scenario::new(
        "canister/violate/CANISTER.CTRL",
        "CANISTER.CTRL: bob, who does not control $c0, installs code: IC0512 with the controllers listed.",
        s,
    )))
}

fn canister_status_stranger(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    if config.status_visibility {
        // `status_visibility` governs the status there (STATUS.VIS.*); the chunk store is left.
        s.run(bob(), upload(0, b"stranger"));
        return Ok(Some(Scenario::new(
            "canister/violate/CANISTER.CTRL_OR_SELF",
            "CANISTER.CTRL_OR_SELF: bob, neither a controller nor the canister, uploads a chunk: IC0512 (with `status_visibility`, canister_status is left to STATUS.VIS.*).",
            s,
        )));
    }
    s.run(bob(), status(0));
    Ok(Some(Scenario::new(
        "canister/violate/CANISTER.CTRL_OR_SELF",
        "CANISTER.CTRL_OR_SELF: bob, neither a controller nor the canister, asks for canister_status: IC0512.",
        s,
    )))
}

fn status_visibility_controllers(config: &Config) -> Made {
    if !config.status_visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.ok(c(0).principal(), status(0))?;
    // The snapshot visibility opens the snapshots only.
    s.a(set_visibility(0, Visibility::Public))?;
    s.ok(bob(), list(config, 0))?;
    s.run(bob(), status(0));
    Ok(Some(Scenario::new(
        "status/violate/STATUS.VIS.CONTROLLERS",
        "STATUS.VIS.CONTROLLERS: with status visibility `controllers` (the default) the canister itself reads its status, but bob, who controls nothing, gets IC0542 `Caller … is not allowed to read the canister status` (not the ingress filter's IC0512), even though a public snapshot visibility lets him list.",
        s,
    )))
}

fn status_visibility_public(config: &Config) -> Made {
    if !config.status_visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_status_visibility(0, Visibility::Public))?;
    s.ok(snapspec_model::ids::ANONYMOUS, status(0))?;
    s.ok(eve(), status(0))?;
    Ok(Some(Scenario::new(
        "status/effect/public",
        "SETTINGS.EFFECT, STATUS.VIS.PUBLIC: status visibility `public` is stored (the version increases, status shows it, the snapshot visibility stays `controllers`); anonymous and eve then read the status.",
        s,
    )))
}

fn status_visibility_allowed_viewers(config: &Config) -> Made {
    if !config.status_visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_status_visibility(0, Visibility::AllowedViewers(vec![dave()])))?;
    s.ok(dave(), status(0))?;
    s.a(status(0))?;
    s.run(eve(), status(0));
    Ok(Some(Scenario::new(
        "status/violate/STATUS.VIS.ALLOWED",
        "STATUS.VIS.ALLOWED: with status visibility `allowed_viewers` [dave], dave and the controllers read the status; eve, not listed, gets IC0542.",
        s,
    )))
}

fn status_visibility_viewers_limit(config: &Config) -> Made {
    if !config.status_visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    let (ten, eleventh) = (eleven()[..10].to_vec(), eleven()[10]);
    s.a(set_status_visibility(0, Visibility::AllowedViewers(ten.clone())))?;
    s.ok(ten[9], status(0))?;
    s.run(alice(), set_status_visibility(0, Visibility::AllowedViewers(eleven())));
    s.ok(ten[9], status(0))?;
    s.run(eleventh, status(0));
    Ok(Some(Scenario::new(
        "status/effect/viewers-limit-keeps-the-list",
        "SETTINGS.VIEWERS.LIMIT, STATUS.VIS.ALLOWED: 10 status viewers are accepted and the tenth reads the status; 11 fail decoding (IC0408), and the list stays as it was: the tenth still reads, the eleventh still gets IC0542.",
        s,
    )))
}

fn status_visibility_ignored(config: &Config) -> Made {
    if config.status_visibility {
        return Ok(None);
    }
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_status_visibility(0, Visibility::AllowedViewers(eleven())))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "settings/effect/status-visibility-ignored",
        "SETTINGS.STATUS_VIS.IGNORED: the profile has no `status_visibility` (replicas added it in August 2026), so the field is dropped unchecked, 11 viewers included: the call succeeds, the version increases, and status shows no such setting.",
        s,
    )))
}

fn canister_self_calls(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    let itself = c(0).principal();
    s.ok(itself, status(0))?;
    s.ok(itself, upload(0, b"self"))?;
    s.ok(itself, Call::ClearChunkStore { canister_id: c(0) })?;
    Ok(Some(Scenario::new(
        "canister/effect/self-calls",
        "CANISTER.CTRL_OR_SELF, STATUS.REPLY, CHUNK.EFFECT, CHUNK.CLEAR: the canister itself may ask for its status and use its chunk store.",
        s,
    )))
}

fn create_effect(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(Call::CreateCanister { controllers: None, cycles: BIG })?;
    s.a(status(0))?;
    s.a(info(0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "create/effect",
        "CREATE.EFFECT: a new canister is empty and running, version 0, controlled by its creator (no controllers given), visibility controllers, no snapshots, one creation history entry.",
        s,
    )))
}

fn eleven() -> Vec<snapspec_model::Principal> {
    (10..21).map(user).collect()
}

fn create_too_many_controllers(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.run(alice(), create(&eleven(), BIG));
    Ok(Some(Scenario::new(
        "settings/violate/SETTINGS.CONTROLLERS.LIMIT/create",
        "SETTINGS.CONTROLLERS.LIMIT: creating a canister with 11 controllers is rejected (IC0504).",
        s,
    )))
}

fn settings_too_many_controllers(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), set_controllers(0, &eleven()));
    Ok(Some(Scenario::new(
        "settings/violate/SETTINGS.CONTROLLERS.LIMIT/update",
        "SETTINGS.CONTROLLERS.LIMIT: update_settings with 11 controllers is rejected (IC0504).",
        s,
    )))
}

fn settings_too_many_viewers(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    if !config.visibility {
        // The field is dropped before anything reads it, the later limit included.
        s.a(set_visibility(0, Visibility::AllowedViewers(eleven())))?;
        s.a(status(0))?;
        return Ok(Some(Scenario::new(
            "settings/effect/visibility-ignored-unchecked",
            "SETTINGS.VIS.IGNORED: before spec 0.57 `snapshot_visibility` does not exist, so 11 allowed viewers (over the later limit of 10) are dropped unchecked: the call succeeds, the version increases, and status shows no visibility.",
            s,
        )));
    }
    s.a(set_visibility(0, Visibility::AllowedViewers(eleven()[..10].to_vec())))?;
    s.run(eve(), set_visibility(0, Visibility::AllowedViewers(eleven())));
    s.run(alice(), set_visibility(0, Visibility::AllowedViewers(eleven())));
    Ok(Some(Scenario::new(
        "settings/violate/SETTINGS.VIEWERS.LIMIT",
        "SETTINGS.VIEWERS.LIMIT: 10 allowed viewers are accepted; 11 fail decoding (IC0408), before the ingress filter: eve, who controls nothing, gets that error too, not the filter's IC0512.",
        s,
    )))
}

fn settings_controllers(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(set_controllers(0, &[alice(), bob()]))?;
    s.a(info(0))?;
    s.ok(bob(), list(config, 0))?;
    Ok(Some(Scenario::new(
        "settings/effect/controllers",
        "SETTINGS.EFFECT: a controllers change bumps the version, adds a controllers_change history entry and keeps the snapshots; the new controller bob may list them.",
        s,
    )))
}

fn settings_visibility_public(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(set_visibility(0, Visibility::Public))?;
    s.a(status(0))?;
    s.run(snapspec_model::ids::ANONYMOUS, list(config, 0));
    let comment = if config.visibility {
        "SETTINGS.EFFECT, LIST.VIS.PUBLIC: visibility `public` is stored (status shows it, the version increases) and anonymous may then list."
    } else {
        "SETTINGS.VIS.IGNORED, LIST.CTRL: before spec 0.57 `snapshot_visibility` does not exist; the field is dropped (the version still increases) and listing stays controllers-only: anonymous gets IC0512."
    };
    Ok(Some(Scenario::new("settings/effect/visibility-public", comment, s)))
}

fn install_mode_install(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), install(0, InstallMode::Install, 1));
    Ok(Some(Scenario::new(
        "install/violate/INSTALL.MODE.INSTALL",
        "INSTALL.MODE.INSTALL: mode install on a canister with code: IC0514.",
        s,
    )))
}

fn install_mode_upgrade(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.run(alice(), install(0, InstallMode::Upgrade, 1));
    Ok(Some(Scenario::new(
        "install/violate/INSTALL.MODE.UPGRADE",
        "INSTALL.MODE.UPGRADE: mode upgrade on an empty canister: IC0537.",
        s,
    )))
}

fn install_module_too_many_globals(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    let call = Call::InstallCode {
        canister_id: c(0),
        mode: InstallMode::Install,
        wasm_module: module(0).0,
        globals: vec![Global::I32(0); snapspec_model::canister::GLOBALS_MAX + 1],
        sender_canister_version: None,
    };
    s.run(alice(), call);
    Ok(Some(Scenario::new(
        "install/violate/INSTALL.MODULE",
        "INSTALL.MODULE: a module declaring 1001 globals exceeds the model's bound of 1000 (IC0505).",
        s,
    )))
}

fn install_memory(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.fill_subnet(50)?;
    s.run(alice(), install(0, InstallMode::Install, 0));
    Ok(Some(Scenario::new(
        "install/violate/INSTALL.MEMORY",
        "INSTALL.MEMORY: fillers leave the subnet exactly 50 bytes; installing module(0) needs 105 (9 module bytes, 3×32 for globals): IC0101. The last filler's module is the Wasm header padded with zeros, written compactly.",
        s,
    )))
}

fn install_freeze(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], 1_000))?;
    s.run(alice(), install(0, InstallMode::Install, 0));
    Ok(Some(Scenario::new(
        "install/violate/INSTALL.FREEZE",
        "INSTALL.FREEZE: 1000 cycles do not cover the freezing threshold of 10 cycles per byte at 105 bytes: IC0532.",
        s,
    )))
}

fn install_reinstall(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"h"))?;
    s.a(write_stable(0, 0, b"s"))?;
    s.a(take(config, 0))?;
    s.a(install(0, InstallMode::Reinstall, 1))?;
    s.a(list(config, 0))?;
    s.a(Call::ReadGlobals { canister_id: c(0) })?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "install/effect/reinstall",
        "INSTALL.EFFECT, INSTALL.KEEPS_SNAPSHOTS: reinstall replaces module and globals, resets both memories (post), bumps the version with a code_deployment entry, and keeps the snapshot.",
        s,
    )))
}

fn install_upgrade(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"h"))?;
    s.a(write_stable(0, 0, b"s"))?;
    s.a(take(config, 0))?;
    s.a(install(0, InstallMode::Upgrade, 1))?;
    s.a(read_stable(0, 0, 1))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "install/effect/upgrade",
        "INSTALL.MODE.UPGRADE, INSTALL.EFFECT, INSTALL.KEEPS_SNAPSHOTS: upgrade keeps stable memory (read back), resets the heap, and keeps the snapshot.",
        s,
    )))
}

fn uninstall_effect(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(take(config, 0))?;
    fill_content(&mut s, 0, "v1", genesis(config) + 1)?;
    s.a(uninstall(0))?;
    s.a(list(config, 0))?;
    s.a(status(0))?;
    s.a(info(0))?;
    Ok(Some(Scenario::new(
        "uninstall/effect",
        "UNINSTALL.EFFECT, UNINSTALL.KEEPS_SNAPSHOTS: uninstall_code empties the canister, clears chunk store, certified data and timer, bumps the version with a code_uninstall entry, and keeps the snapshot.",
        s,
    )))
}

fn start_stop(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(stop(0))?;
    s.a(status(0))?;
    s.a(start(0))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "start-stop/effect",
        "STOP.EFFECT, START.EFFECT: stop stops at once (the model has no outstanding calls), start runs again; status shows both.",
        s,
    )))
}

fn delete_canister_running(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), delete_canister(0));
    Ok(Some(Scenario::new(
        "delete-canister/violate/DELETE_CANISTER.STOPPED",
        "DELETE_CANISTER.STOPPED: a running canister cannot be deleted: IC0510.",
        s,
    )))
}

fn delete_canister_effect(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    s.a(take(config, 0))?;
    s.a(take(config, 1))?;
    s.a(stop(0))?;
    s.a(delete_canister(0))?;
    s.run(alice(), list(config, 0));
    Ok(Some(Scenario::new(
        "delete-canister/effect",
        "DELETE_CANISTER.EFFECT: deleting a stopped canister removes it and its snapshots (post: null); listing it then fails with IC0301; the other canister's snapshot stays.",
        s,
    )))
}

// --- chunk store -------------------------------------------------------------------------------

fn chunk_too_big(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), upload(0, &vec![0; CHUNK_SIZE_BYTES as usize + 1]));
    Ok(Some(Scenario::new(
        "chunk/violate/CHUNK.SIZE",
        "CHUNK.SIZE: a chunk of 1 MiB + 1 bytes (written compactly) is rejected with IC0504.",
        s,
    )))
}

fn chunk_store_full(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    for i in 0..config.chunk_store_chunks_max as u32 {
        s.a(upload(0, &i.to_be_bytes()))?;
    }
    s.run(alice(), upload(0, b"one more"));
    Ok(Some(Scenario::new(
        "chunk/violate/CHUNK.LIMIT",
        "CHUNK.LIMIT: after the profile's maximum number of chunks (100), a new chunk is rejected with IC0504.",
        s,
    )))
}

fn chunk_memory(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.fill_subnet(1_000)?;
    s.run(alice(), upload(0, b"k"));
    Ok(Some(Scenario::new(
        "chunk/violate/CHUNK.MEMORY",
        "CHUNK.MEMORY: with 1000 bytes left on the subnet, a new chunk (charged 1 MiB) is rejected with IC0101.",
        s,
    )))
}

fn chunk_freeze(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], 2_000))?;
    s.a(install(0, InstallMode::Install, 0))?;
    s.run(alice(), upload(0, b"k"));
    Ok(Some(Scenario::new(
        "chunk/violate/CHUNK.FREEZE",
        "CHUNK.FREEZE: 2000 cycles do not cover the freezing threshold with a 1 MiB chunk: IC0532.",
        s,
    )))
}

fn chunk_upload(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(upload(0, b"k"))?;
    s.a(upload(0, b"k"))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "chunk/effect/upload",
        "CHUNK.EFFECT: a chunk is stored under its SHA-256, which the reply returns; uploading it again is a no-op (no limit check; status shows one chunk).",
        s,
    )))
}

fn chunk_clear(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(upload(0, b"k"))?;
    s.a(take(config, 0))?;
    s.a(Call::ClearChunkStore { canister_id: c(0) })?;
    s.a(status(0))?;
    s.a(load(config, 0, sid(0, 0)))?;
    s.a(status(0))?;
    Ok(Some(Scenario::new(
        "chunk/effect/clear",
        "CHUNK.CLEAR: clear_chunk_store empties the canister's store; the snapshot keeps its copy, and loading it brings the chunk back (post chunk_store component, status).",
        s,
    )))
}

// --- execution -------------------------------------------------------------------------------

fn exec_missing(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.run(alice(), write_heap(MISSING, 0, b"x"));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.EXISTS",
        "EXEC.EXISTS: execution on $c99, which does not exist: IC0301.",
        s,
    )))
}

fn exec_no_code(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.run(alice(), write_heap(0, 0, b"x"));
    Ok(Some(Scenario::new("exec/violate/EXEC.CODE", "EXEC.CODE: execution on an empty canister: IC0537.", s)))
}

fn exec_stopped(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(stop(0))?;
    s.run(alice(), write_heap(0, 0, b"x"));
    Ok(Some(Scenario::new("exec/violate/EXEC.RUNNING", "EXEC.RUNNING: execution on a stopped canister: IC0508.", s)))
}

fn exec_read_out_of_bounds(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_stable(0, 0, b"x"))?;
    s.run(alice(), read_stable(0, 65_535, 2));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.BOUNDS",
        "EXEC.BOUNDS: reading 2 bytes at the last byte of a one-page stable memory traps: IC0502.",
        s,
    )))
}

fn exec_global_type(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.run(alice(), set_global(0, 0, Global::I64(1)));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.BOUNDS/global-type",
        "EXEC.BOUNDS: global 0 of module(0) is an i32; writing an i64 into it traps: IC0502.",
        s,
    )))
}

fn exec_certified_data_too_long(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(set_cert(0, &[7; 32]))?;
    s.run(alice(), set_cert(0, &[7; 33]));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.BOUNDS/certified-data",
        "EXEC.BOUNDS: 32 bytes of certified data are accepted, 33 trap: IC0502.",
        s,
    )))
}

fn exec_memory(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.fill_subnet(1_000)?;
    s.run(alice(), write_heap(0, 0, b"x"));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.MEMORY",
        "EXEC.MEMORY: with 1000 bytes left on the subnet, growing the heap by a page is rejected with IC0101.",
        s,
    )))
}

fn exec_freeze(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], 2_000))?;
    s.a(install(0, InstallMode::Install, 0))?;
    s.run(alice(), write_heap(0, 0, b"x"));
    Ok(Some(Scenario::new(
        "exec/violate/EXEC.FREEZE",
        "EXEC.FREEZE: 2000 cycles do not cover the freezing threshold after growing the heap by a page: IC0532.",
        s,
    )))
}

fn exec_effects(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 3, b"abc"))?;
    s.a(read_heap(0, 2, 5))?;
    s.a(write_stable(0, 65_536, b"x"))?;
    s.a(read_stable(0, 65_536, 1))?;
    s.a(set_global(0, 0, Global::I32(7)))?;
    s.a(Call::ReadGlobals { canister_id: c(0) })?;
    s.a(set_cert(0, b"cd"))?;
    s.a(set_timer(0, Timer::Active(genesis(config) + 5)))?;
    s.a(set_timer(0, Timer::Inactive))?;
    Ok(Some(Scenario::new(
        "exec/effect",
        "EXEC.EFFECT: writes grow memories by whole pages (a write at 65536 makes stable memory 2 pages) and reads return the bytes; globals, certified data and the timer are set; set_timer returns the previous timer.",
        s,
    )))
}

fn environment(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(Call::AdvanceTime { nanos: 1_000 })?;
    s.a(write_heap(0, 0, b"x"))?;
    s.a(take(config, 0))?;
    s.a(Call::Checkpoint)?;
    s.a(Call::TopUp { canister_id: c(0), cycles: 5 })?;
    s.a(status(0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "environment/effect",
        "TIME.ADVANCE, CHECKPOINT, CYCLES.TOPUP: time moves forward (the take's timestamp is genesis + 1000), a checkpoint flushes page changes, a top-up adds cycles (status).",
        s,
    )))
}
