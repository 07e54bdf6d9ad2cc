//! The `permissions` suite: every snapshot method × every caller class × every visibility
//! setting the profile has.
//!
//! The world: `$c0` (controllers alice and carol) holds `$c0.s0` (taken by alice, flushed by
//! a checkpoint); `$c1` (controllers alice and bob) is a second canister of the subnet; `$c2`
//! (controller alice) is an unrelated canister that calls as the public. Methods: take,
//! list and delete at `$c0`; load of `$c0.s0` onto `$c0` (`load`) and onto `$c1`
//! (`load-cross`). Visibility is set on `$c0`; `controllers` is the default and is not set.

use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{Call, Config, InstallMode, Outcome, Principal, Visibility};

use super::script::*;
use super::{Made, Scenario};

/// The methods, as named in vector ids.
pub const METHODS: [&str; 5] = ["take", "list", "delete", "load", "load-cross"];
/// The caller classes, as named in vector ids.
pub const CALLER_CLASSES: [&str; 9] = [
    "controller",
    "non-controller",
    "anonymous",
    "self",
    "target-controller-only",
    "owner-controller-only",
    "allowed-viewer",
    "public",
    "derived-id",
];
/// The visibility settings, as named in vector ids.
pub const VISIBILITIES: [&str; 3] = ["controllers", "public", "allowed-viewers"];

/// Every cell of the matrix for `config` (cells with a visibility setting the profile does
/// not have only feed the verdict report).
pub fn scenarios(config: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    for method in METHODS {
        for class in CALLER_CLASSES {
            for visibility in VISIBILITIES {
                if let Some(mut scenario) = super::made(cell(config, method, class, visibility), config) {
                    scenario.in_suite = config.visibility || visibility == "controllers";
                    out.push(scenario);
                }
            }
        }
    }
    out
}

/// The call's target canister and the snapshot's owner.
fn target_and_owner(method: &str) -> (u64, u64) {
    if method == "load-cross" {
        (1, 0)
    } else {
        (0, 0)
    }
}

/// The principal of a caller class, and what it is.
fn caller(method: &str, class: &str) -> (Principal, &'static str) {
    let (target, _) = target_and_owner(method);
    let cross = method == "load-cross";
    match class {
        "controller" => (alice(), "alice controls every canister involved"),
        "non-controller" => (eve(), "eve is a user who controls nothing and is listed nowhere"),
        "anonymous" => (ANONYMOUS, "the anonymous principal"),
        "self" => (c(target).principal(), "the target canister calling as itself"),
        "target-controller-only" if cross => (bob(), "bob controls the target $c1 but not the snapshot's owner $c0"),
        "target-controller-only" => {
            (carol(), "carol controls the target $c0 (which owns the snapshot) and nothing else")
        }
        "owner-controller-only" if cross => (carol(), "carol controls the snapshot's owner $c0 but not the target $c1"),
        "owner-controller-only" => (bob(), "bob controls only the other canister $c1, not the target $c0"),
        "allowed-viewer" => {
            (dave(), "dave controls nothing; he is the allowed viewer when visibility is allowed_viewers")
        }
        "public" => (c(2).principal(), "$c2, an unrelated canister: the public"),
        "derived-id" => (
            Principal::from_slice(&[0xd1, 0xd2, 0xd3, 0x03]),
            "a derived id (last byte 0x03) that controls nothing: a user, not a canister, however its other bytes read",
        ),
        other => unreachable!("unknown caller class {other}"),
    }
}

fn cell(config: &Config, method: &str, class: &str, visibility: &str) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice(), carol()], BIG))?;
    s.a(create(&[alice(), bob()], BIG))?;
    s.a(create(&[alice()], BIG))?;
    s.a(install(0, InstallMode::Install, 0))?;
    s.a(install(1, InstallMode::Install, 0))?;
    if method != "take" {
        s.a(take(config, 0))?;
        s.a(Call::Checkpoint)?;
    }
    match visibility {
        "public" => {
            s.a(set_visibility(0, Visibility::Public))?;
        }
        "allowed-viewers" => {
            s.a(set_visibility(0, Visibility::AllowedViewers(vec![dave()])))?;
        }
        _ => {}
    }
    let (target, _) = target_and_owner(method);
    let call = match method {
        "take" => take(config, 0),
        "list" => list(config, 0),
        "delete" => delete(config, 0, sid(0, 0)),
        _ => load(config, target, sid(0, 0)),
    };
    let (principal, who) = caller(method, class);
    s.run(principal, call);
    let outcome = match s.last().map(|t| &t.outcome) {
        Some(Outcome::Reply(_)) => "The call succeeds.".to_string(),
        Some(Outcome::Reject(r)) => {
            let first = &r.violated[0];
            format!("Rejected with {} by {}: {}", r.error.code, first.clause.id(), first.clause.text())
        }
        None => String::new(),
    };
    let setting = if config.visibility {
        format!("$c0's snapshot visibility is `{}`", visibility.replace('-', "_"))
    } else if visibility == "controllers" {
        "the profile has no visibility setting".to_string()
    } else {
        format!("the profile has no visibility setting (setting `{}` is dropped)", visibility.replace('-', "_"))
    };
    let comment = format!("{method} by the caller class `{class}`: {who}; {setting}. {outcome}");
    Ok(Some(Scenario::new(&format!("{method}/{class}/vis-{visibility}"), comment, s)))
}
