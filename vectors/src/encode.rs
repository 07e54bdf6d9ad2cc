//! Byte-exact candid encoding of the model's calls and replies.
//!
//! [`encode_call_args`] gives the candid argument bytes the IC management canister receives
//! for a model [`Call`] that is a management call (or, for the four `*_snapshot` methods of
//! the 2024 proposal, the bytes that proposal's positional signature implies).
//! [`decode_call_args`] reads such bytes back into the types of [`crate::candid_types`],
//! under bounded decoding quotas. [`encode_reply`] gives a successful reply's bytes.
//!
//! Choices the spec leaves to the caller, fixed here so that bytes are reproducible:
//! * records carry every field of their spec 0.66 type, absent options as `null`;
//! * `install_code`'s `arg` is the empty blob and `upgrade` carries no options (`null`);
//! * the model's `create_canister` is sent as `provisional_create_canister_with_cycles`
//!   (`amount` = the cycles, `settings` only when controllers are given);
//! * `canister_info` asks for [`HISTORY_CHANGES_MAX`] changes, all the model returns;
//! * the proposal's `snapshot_id` is a `blob`, as in the spec.

use std::fmt;

use candid::de::DecoderConfig;
use candid::{CandidType, Nat, Principal};
use serde_bytes::ByteBuf;
use snapspec_model::call::{InfoReply, ProposalSnapshotInfo};
use snapspec_model::canister::{self as model, HISTORY_CHANGES_MAX};
use snapspec_model::{Call, CanisterId, InstallMode, LoadArgs, Reply, Settings, SnapshotInfo, TakeArgs, Visibility};

use crate::candid_types::*;

/// Decoding quota per call, before the allowance for the input's own length (see
/// [`decoder_config`]).
pub const DECODING_QUOTA: usize = 1_000_000;
/// Skipping quota: work spent on wire data the target type does not use.
pub const SKIPPING_QUOTA: usize = 10_000;

/// A value that is a whole candid argument sequence: a record (one argument) or one of the
/// proposal's positional lists.
pub trait CandidArgs: Sized {
    /// The candid bytes (`DIDL` header, type table, values).
    fn to_bytes(&self) -> candid::Result<Vec<u8>>;
    /// Decodes candid bytes with subtyping (missing `opt` fields are `null`, extra fields are
    /// skipped) under `config`'s quotas.
    fn from_bytes(bytes: &[u8], config: &DecoderConfig) -> candid::Result<Self>;
}

/// Implements [`CandidArgs`] for record types: one argument.
macro_rules! record_args {
    ($($ty:ty),* $(,)?) => {$(
        impl CandidArgs for $ty {
            fn to_bytes(&self) -> candid::Result<Vec<u8>> {
                candid::encode_one(self)
            }
            fn from_bytes(bytes: &[u8], config: &DecoderConfig) -> candid::Result<Self> {
                candid::decode_one_with_config(bytes, config)
            }
        }
    )*};
}

/// Implements [`CandidArgs`] for the proposal's positional lists: one argument per field.
macro_rules! positional_args {
    ($($ty:ident { $($field:ident: $fty:ty),+ }),* $(,)?) => {$(
        impl CandidArgs for $ty {
            fn to_bytes(&self) -> candid::Result<Vec<u8>> {
                candid::encode_args(($(&self.$field,)+))
            }
            fn from_bytes(bytes: &[u8], config: &DecoderConfig) -> candid::Result<Self> {
                let ($($field,)+) = candid::decode_args_with_config::<($($fty,)+)>(bytes, config)?;
                Ok($ty { $($field),+ })
            }
        }
    )*};
}

record_args!(
    TakeCanisterSnapshotArgs,
    LoadCanisterSnapshotArgs,
    ListCanisterSnapshotsArgs,
    DeleteCanisterSnapshotArgs,
    ReadCanisterSnapshotMetadataArgs,
    ReadCanisterSnapshotDataArgs,
    UploadCanisterSnapshotMetadataArgs,
    UploadCanisterSnapshotDataArgs,
    ProvisionalCreateCanisterWithCyclesArgs,
    InstallCodeArgs,
    UninstallCodeArgs,
    CanisterIdRecord,
    UpdateSettingsArgs,
    UploadChunkArgs,
    CanisterInfoArgs,
);

positional_args!(
    TakeSnapshotArgs { canister_id: Principal, label: Option<String> },
    LoadSnapshotArgs { snapshot_id: SnapshotId, canister_id: Principal },
    ListSnapshotsArgs { canister_id: Principal },
    DeleteSnapshotArgs { snapshot_id: SnapshotId },
);

/// Declares [`DecodedArgs`], [`METHOD_NAMES`] and the method-name dispatch from one table.
macro_rules! methods {
    ($($variant:ident($ty:ty) = $name:literal,)*) => {
        /// The arguments of one method, in the project's candid types.
        #[derive(Clone, Debug, PartialEq)]
        pub enum DecodedArgs {
            $(
                #[doc = concat!("`", $name, "`.")]
                $variant($ty),
            )*
        }

        /// Every method [`decode_call_args`] understands, as the IC (or the proposal) names it.
        pub const METHOD_NAMES: &[&str] = &[$($name),*];

        impl DecodedArgs {
            /// The method name, as the IC (or the proposal) spells it.
            pub fn method_name(&self) -> &'static str {
                match self {
                    $(DecodedArgs::$variant(_) => $name,)*
                }
            }

            /// The candid argument bytes.
            ///
            /// # Panics
            ///
            /// Never: candid only fails to encode values these types cannot hold.
            pub fn to_bytes(&self) -> Vec<u8> {
                match self {
                    $(DecodedArgs::$variant(args) => infallible(args.to_bytes()),)*
                }
            }
        }

        fn decode_known(method: &str, bytes: &[u8], config: &DecoderConfig) -> Option<candid::Result<DecodedArgs>> {
            match method {
                $($name => Some(<$ty as CandidArgs>::from_bytes(bytes, config).map(DecodedArgs::$variant)),)*
                _ => None,
            }
        }
    };
}

methods! {
    TakeCanisterSnapshot(TakeCanisterSnapshotArgs) = "take_canister_snapshot",
    LoadCanisterSnapshot(LoadCanisterSnapshotArgs) = "load_canister_snapshot",
    ListCanisterSnapshots(ListCanisterSnapshotsArgs) = "list_canister_snapshots",
    DeleteCanisterSnapshot(DeleteCanisterSnapshotArgs) = "delete_canister_snapshot",
    ReadCanisterSnapshotMetadata(ReadCanisterSnapshotMetadataArgs) = "read_canister_snapshot_metadata",
    ReadCanisterSnapshotData(ReadCanisterSnapshotDataArgs) = "read_canister_snapshot_data",
    UploadCanisterSnapshotMetadata(UploadCanisterSnapshotMetadataArgs) = "upload_canister_snapshot_metadata",
    UploadCanisterSnapshotData(UploadCanisterSnapshotDataArgs) = "upload_canister_snapshot_data",
    TakeSnapshot(TakeSnapshotArgs) = "take_snapshot",
    LoadSnapshot(LoadSnapshotArgs) = "load_snapshot",
    ListSnapshots(ListSnapshotsArgs) = "list_snapshots",
    DeleteSnapshot(DeleteSnapshotArgs) = "delete_snapshot",
    ProvisionalCreateCanisterWithCycles(ProvisionalCreateCanisterWithCyclesArgs) = "provisional_create_canister_with_cycles",
    InstallCode(InstallCodeArgs) = "install_code",
    UninstallCode(UninstallCodeArgs) = "uninstall_code",
    StartCanister(StartCanisterArgs) = "start_canister",
    StopCanister(StopCanisterArgs) = "stop_canister",
    UpdateSettings(UpdateSettingsArgs) = "update_settings",
    DeleteCanister(DeleteCanisterArgs) = "delete_canister",
    UploadChunk(UploadChunkArgs) = "upload_chunk",
    ClearChunkStore(ClearChunkStoreArgs) = "clear_chunk_store",
    CanisterStatus(CanisterStatusArgs) = "canister_status",
    CanisterInfo(CanisterInfoArgs) = "canister_info",
}

/// Why bytes could not be decoded as a method's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The method is not one of [`METHOD_NAMES`].
    UnknownMethod {
        /// The name given.
        method: String,
    },
    /// The bytes are not valid candid for the method's argument types, or decoding them
    /// would exceed the quotas.
    Candid {
        /// The method.
        method: String,
        /// candid's message, with its causes.
        message: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnknownMethod { method } => write!(f, "no candid arguments known for method `{method}`"),
            DecodeError::Candid { method, message } => write!(f, "cannot decode `{method}` arguments: {message}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The decoder settings for an input of `input_len` bytes: [`DECODING_QUOTA`] plus twice the
/// input length (so a message near the 2 MiB limit that is mostly one blob still decodes,
/// while inputs that make the decoder do more work than their size are cut off), and
/// [`SKIPPING_QUOTA`]. Error messages are the short form in every build profile, so they
/// can be compared.
pub fn decoder_config(input_len: usize) -> DecoderConfig {
    let mut config = DecoderConfig::new();
    config
        .set_decoding_quota(DECODING_QUOTA.saturating_add(input_len.saturating_mul(2)))
        .set_skipping_quota(SKIPPING_QUOTA)
        .set_full_error_message(false);
    config
}

/// Decodes `bytes` as the arguments of `method` (a name from [`METHOD_NAMES`]). Never
/// panics; work is bounded by [`decoder_config`].
pub fn decode_call_args(method: &str, bytes: &[u8]) -> Result<DecodedArgs, DecodeError> {
    match decode_known(method, bytes, &decoder_config(bytes.len())) {
        None => Err(DecodeError::UnknownMethod { method: method.to_owned() }),
        Some(result) => {
            result.map_err(|err| DecodeError::Candid { method: method.to_owned(), message: format!("{err:#}") })
        }
    }
}

/// The candid argument bytes the management canister receives for `call`; `None` for the
/// model's execution effects and environment steps (and `top_up`), which are not
/// management calls.
pub fn encode_call_args(call: &Call) -> Option<Vec<u8>> {
    call_args(call).map(|args| args.to_bytes())
}

/// The method the bytes of [`encode_call_args`] are for (for `create_canister`:
/// `provisional_create_canister_with_cycles`); `None` where those bytes are `None`.
pub fn ic_method_name(call: &Call) -> Option<&'static str> {
    call_args(call).map(|args| args.method_name())
}

/// `call`'s arguments in the project's candid types; `None` for calls that are not
/// management calls. Exhaustive, so a new [`Call`] variant must be classified here.
pub fn call_args(call: &Call) -> Option<DecodedArgs> {
    use DecodedArgs as D;
    Some(match call {
        Call::TakeCanisterSnapshot(args) => D::TakeCanisterSnapshot(take_args(args)),
        Call::LoadCanisterSnapshot(args) => D::LoadCanisterSnapshot(load_args(args)),
        Call::ListCanisterSnapshots { canister_id } => {
            D::ListCanisterSnapshots(ListCanisterSnapshotsArgs { canister_id: canister_id.0 })
        }
        Call::DeleteCanisterSnapshot(args) => D::DeleteCanisterSnapshot(DeleteCanisterSnapshotArgs {
            canister_id: args.canister_id.0,
            snapshot_id: blob(&args.snapshot_id.0),
        }),
        Call::TakeSnapshot { canister_id, label } => {
            D::TakeSnapshot(TakeSnapshotArgs { canister_id: canister_id.0, label: label.clone() })
        }
        Call::LoadSnapshot { snapshot_id, canister_id } => {
            D::LoadSnapshot(LoadSnapshotArgs { snapshot_id: blob(&snapshot_id.0), canister_id: canister_id.0 })
        }
        Call::ListSnapshots { canister_id } => D::ListSnapshots(ListSnapshotsArgs { canister_id: canister_id.0 }),
        Call::DeleteSnapshot { snapshot_id } => {
            D::DeleteSnapshot(DeleteSnapshotArgs { snapshot_id: blob(&snapshot_id.0) })
        }
        Call::CreateCanister { controllers, cycles } => {
            D::ProvisionalCreateCanisterWithCycles(create_args(controllers.as_deref(), u128::from(*cycles)))
        }
        Call::InstallCode { canister_id, mode, wasm_module, globals: _, sender_canister_version } => {
            D::InstallCode(install_args(canister_id, *mode, wasm_module, *sender_canister_version))
        }
        Call::UninstallCode { canister_id, sender_canister_version } => D::UninstallCode(UninstallCodeArgs {
            canister_id: canister_id.0,
            sender_canister_version: *sender_canister_version,
        }),
        Call::StartCanister { canister_id } => D::StartCanister(id_record(canister_id)),
        Call::StopCanister { canister_id } => D::StopCanister(id_record(canister_id)),
        Call::UpdateSettings { canister_id, settings, sender_canister_version } => {
            D::UpdateSettings(UpdateSettingsArgs {
                canister_id: canister_id.0,
                settings: canister_settings(settings),
                sender_canister_version: *sender_canister_version,
            })
        }
        Call::DeleteCanister { canister_id } => D::DeleteCanister(id_record(canister_id)),
        Call::UploadChunk { canister_id, chunk } => {
            D::UploadChunk(UploadChunkArgs { canister_id: canister_id.0, chunk: blob(chunk) })
        }
        Call::ClearChunkStore { canister_id } => D::ClearChunkStore(id_record(canister_id)),
        Call::CanisterStatus { canister_id } => D::CanisterStatus(id_record(canister_id)),
        Call::CanisterInfo { canister_id } => D::CanisterInfo(CanisterInfoArgs {
            canister_id: canister_id.0,
            num_requested_changes: Some(HISTORY_CHANGES_MAX as u64),
        }),
        Call::TopUp { .. }
        | Call::WriteWasmMemory { .. }
        | Call::WriteStableMemory { .. }
        | Call::ReadWasmMemory { .. }
        | Call::ReadStableMemory { .. }
        | Call::SetGlobal { .. }
        | Call::ReadGlobals { .. }
        | Call::SetCertifiedData { .. }
        | Call::SetTimer { .. }
        | Call::AdvanceTime { .. }
        | Call::Checkpoint => return None,
    })
}

fn take_args(args: &TakeArgs) -> TakeCanisterSnapshotArgs {
    TakeCanisterSnapshotArgs {
        canister_id: args.canister_id.0,
        replace_snapshot: args.replace_snapshot.as_ref().map(|id| blob(&id.0)),
        uninstall_code: args.uninstall_code,
        sender_canister_version: args.sender_canister_version,
    }
}

fn load_args(args: &LoadArgs) -> LoadCanisterSnapshotArgs {
    LoadCanisterSnapshotArgs {
        canister_id: args.canister_id.0,
        snapshot_id: blob(&args.snapshot_id.0),
        sender_canister_version: args.sender_canister_version,
    }
}

fn install_args(canister_id: &CanisterId, mode: InstallMode, module: &[u8], version: Option<u64>) -> InstallCodeArgs {
    InstallCodeArgs {
        mode: install_mode(mode),
        canister_id: canister_id.0,
        wasm_module: blob(module),
        arg: ByteBuf::new(),
        sender_canister_version: version,
    }
}

/// A visibility setting as the candid type `$setting` of its field: `snapshot_visibility` and
/// `status_visibility` have the same shape under two names.
macro_rules! visibility_as {
    ($setting:ident) => {
        |visibility: &Visibility| match visibility {
            Visibility::Controllers => $setting::Controllers,
            Visibility::Public => $setting::Public,
            Visibility::AllowedViewers(viewers) => $setting::AllowedViewers(viewers.clone()),
        }
    };
}

/// `canister_settings` with the fields the model's `update_settings` sets; the rest `null`.
fn canister_settings(settings: &Settings) -> CanisterSettings {
    CanisterSettings {
        controllers: settings.controllers.clone(),
        snapshot_visibility: settings.snapshot_visibility.as_ref().map(visibility_as!(SnapshotVisibility)),
        status_visibility: settings.status_visibility.as_ref().map(visibility_as!(StatusVisibility)),
        ..CanisterSettings::default()
    }
}

/// `provisional_create_canister_with_cycles_args` for the model's `create_canister`.
fn create_args(controllers: Option<&[Principal]>, cycles: u128) -> ProvisionalCreateCanisterWithCyclesArgs {
    ProvisionalCreateCanisterWithCyclesArgs {
        amount: Some(Nat::from(cycles)),
        settings: controllers.map(|controllers| CanisterSettings {
            controllers: Some(controllers.to_vec()),
            ..CanisterSettings::default()
        }),
        specified_id: None,
        sender_canister_version: None,
    }
}

fn id_record(canister_id: &CanisterId) -> CanisterIdRecord {
    CanisterIdRecord { canister_id: canister_id.0 }
}

fn blob(bytes: &[u8]) -> ByteBuf {
    ByteBuf::from(bytes.to_vec())
}

fn install_mode(mode: InstallMode) -> CanisterInstallMode {
    match mode {
        InstallMode::Install => CanisterInstallMode::Install,
        InstallMode::Reinstall => CanisterInstallMode::Reinstall,
        InstallMode::Upgrade => CanisterInstallMode::Upgrade(None),
    }
}

fn infallible(result: candid::Result<Vec<u8>>) -> Vec<u8> {
    result.expect("candid encodes every value of the project's candid types")
}

fn one<T: CandidType>(value: &T) -> Vec<u8> {
    infallible(candid::encode_one(value))
}

// --- replies ---------------------------------------------------------------------------------

/// The candid bytes of a successful reply: take → `snapshot`, list → `vec snapshot`,
/// proposal take → `snapshot_id`, proposal list → `vec` of the proposal's `snapshot`,
/// create → `record { canister_id }`, `upload_chunk` → `record { hash }`, `canister_info` →
/// `canister_info_result`, empty → `()`.
///
/// `None` for memory reads (not management replies), for `canister_status` (the model's
/// reply holds only part of `canister_status_result`), and for a `canister_info` whose
/// history has a `load_snapshot` entry without `source` (a pre-0.46 profile: no 0.66 bytes).
pub fn encode_reply(reply: &Reply) -> Option<Vec<u8>> {
    Some(match reply {
        Reply::Empty => infallible(candid::encode_args(())),
        Reply::Snapshot(info) => one(&snapshot(info)),
        Reply::SnapshotId(id) => one(&blob(&id.to_bytes())),
        Reply::Snapshots(list) => one(&list.iter().map(snapshot).collect::<Vec<_>>()),
        Reply::ProposalSnapshots(list) => one(&list.iter().map(proposal_snapshot).collect::<Vec<_>>()),
        Reply::CanisterId(id) => one(&id_record(id)),
        Reply::ChunkHash(hash) => one(&ChunkHash { hash: blob(hash) }),
        Reply::Info(info) => one(&info_result(info)?),
        Reply::Status(_) | Reply::Bytes(_) | Reply::Timer(_) | Reply::Globals(_) => return None,
    })
}

/// The `snapshot` record of a model snapshot listing.
pub fn snapshot(info: &SnapshotInfo) -> Snapshot {
    Snapshot { id: blob(&info.id.to_bytes()), taken_at_timestamp: info.taken_at_timestamp, total_size: info.total_size }
}

/// The proposal's `snapshot` record; a profile that lists no checksum sends an empty blob.
pub fn proposal_snapshot(info: &ProposalSnapshotInfo) -> ProposalSnapshot {
    ProposalSnapshot {
        id: blob(&info.id.to_bytes()),
        taken_on: Nat::from(info.taken_on),
        label: info.label.clone(),
        total_size: Nat::from(info.total_size),
        checksum: info.checksum.map_or_else(ByteBuf::new, |sum| blob(&sum)),
    }
}

/// `canister_info_result` of the model's reply; `None` if an entry has no 0.66 form.
pub fn info_result(info: &InfoReply) -> Option<CanisterInfoResult> {
    Some(CanisterInfoResult {
        total_num_changes: info.total_num_changes,
        recent_changes: info.recent_changes.iter().map(change).collect::<Option<_>>()?,
        module_hash: info.module_hash.map(|hash| blob(&hash)),
        controllers: info.controllers.clone(),
    })
}

/// A history entry as `change`; `None` for a `load_snapshot` entry without `source`.
pub fn change(change: &model::Change) -> Option<Change> {
    Some(Change {
        timestamp_nanos: change.timestamp_ns,
        canister_version: change.canister_version,
        origin: change_origin(&change.origin),
        details: change_details(&change.details)?,
    })
}

fn change_origin(origin: &model::ChangeOrigin) -> ChangeOrigin {
    match origin {
        model::ChangeOrigin::FromUser { user_id } => ChangeOrigin::FromUser { user_id: *user_id },
        model::ChangeOrigin::FromCanister { canister_id, canister_version } => {
            ChangeOrigin::FromCanister { canister_id: *canister_id, canister_version: *canister_version }
        }
    }
}

fn change_details(details: &model::ChangeDetails) -> Option<ChangeDetails> {
    use model::ChangeDetails as M;
    Some(match details {
        M::Creation { controllers } => {
            ChangeDetails::Creation { controllers: controllers.clone(), environment_variables_hash: None }
        }
        M::CodeUninstall => ChangeDetails::CodeUninstall,
        M::CodeDeployment { mode, module_hash } => {
            ChangeDetails::CodeDeployment { mode: deployment_mode(*mode), module_hash: blob(module_hash) }
        }
        M::LoadSnapshot { canister_version, snapshot_id, taken_at_timestamp, source, from_canister_id } => {
            ChangeDetails::LoadSnapshot {
                from_canister_id: from_canister_id.map(|id| id.0),
                snapshot_id: blob(&snapshot_id.to_bytes()),
                canister_version: *canister_version,
                taken_at_timestamp: *taken_at_timestamp,
                source: snapshot_source((*source)?),
            }
        }
        M::ControllersChange { controllers } => ChangeDetails::ControllersChange { controllers: controllers.clone() },
    })
}

fn deployment_mode(mode: InstallMode) -> CodeDeploymentMode {
    match mode {
        InstallMode::Install => CodeDeploymentMode::Install,
        InstallMode::Reinstall => CodeDeploymentMode::Reinstall,
        InstallMode::Upgrade => CodeDeploymentMode::Upgrade,
    }
}

fn snapshot_source(source: model::SnapshotSource) -> SnapshotSource {
    match source {
        model::SnapshotSource::TakenFromCanister => SnapshotSource::TakenFromCanister(candid::Reserved),
        model::SnapshotSource::MetadataUpload => SnapshotSource::MetadataUpload(candid::Reserved),
    }
}
