//! The visibility settings: `snapshot_visibility` (spec §2.5) decides who lists a canister's
//! snapshots, `status_visibility` (status-vis §1–§2) who reads its status. Both take the same
//! three forms, bound their viewer lists while the arguments are decoded, and exist only in
//! the profiles that have them.

use crate::call::Settings;
use crate::canister::{Visibility, ALLOWED_VIEWERS_MAX};
use crate::clause::Clause;
use crate::config::Config;
use crate::error::{ErrorCode, UserError};
use crate::ids::Principal;
use crate::step::Cx;

/// The clauses a setting's three forms stand for.
pub struct VisibilityClauses {
    /// `controllers`: only those always allowed.
    pub controllers: Clause,
    /// `allowed_viewers`: those, and the listed principals.
    pub allowed: Clause,
    /// `public`: anyone.
    pub public: Clause,
}

/// Checks `caller` against `visibility`, where `always` says whether the caller is allowed
/// whatever the setting (a controller; for the status, also the canister itself).
pub fn check(
    cx: &mut Cx,
    visibility: &Visibility,
    caller: Principal,
    always: bool,
    clauses: &VisibilityClauses,
    denied: impl FnOnce() -> UserError,
) {
    match visibility {
        Visibility::Public => cx.touch(clauses.public),
        Visibility::Controllers => {
            cx.check(clauses.controllers, always, denied);
        }
        Visibility::AllowedViewers(viewers) => {
            cx.check(clauses.allowed, always || viewers.contains(&caller), denied);
        }
    }
}

/// The visibility settings (snapshot, status) that `settings` carries and the profile has.
pub fn in_profile<'s>(config: &Config, settings: &'s Settings) -> [Option<&'s Visibility>; 2] {
    [
        settings.snapshot_visibility.as_ref().filter(|_| config.visibility),
        settings.status_visibility.as_ref().filter(|_| config.status_visibility),
    ]
}

/// `update_settings`' arguments as the replica decodes them, before the ingress filter and
/// every other check: its candid type bounds each allowed-viewers list (`BoundedAllowedViewers`,
/// status-vis §1.3). Profiles without a setting have no such field to decode, so theirs is
/// dropped unchecked.
pub fn check_settings_decoding(cx: &mut Cx, settings: &Settings) {
    for setting in in_profile(cx.config, settings).into_iter().flatten() {
        let Visibility::AllowedViewers(viewers) = setting else { continue };
        cx.check(Clause::SettingsViewersLimit, viewers.len() <= ALLOWED_VIEWERS_MAX, || {
            UserError::code_only(
                ErrorCode::InvalidManagementPayload,
                crate::lazy_format!("Error decoding candid: Deserialize error: The number of elements exceeds maximum allowed {ALLOWED_VIEWERS_MAX}"),
            )
        });
    }
}
