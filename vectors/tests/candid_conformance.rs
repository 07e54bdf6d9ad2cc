//! Conformance of the project's candid types (`snapspec_vectors::candid_types`) with
//! interface spec 0.66 and with the official `ic-management-canister-types` crate, and of
//! the model-call encoding (`snapspec_vectors::encode`).
//!
//! Two independent checks against the official crate:
//! * structural: the candid type of each of our types is compared, field by field and
//!   variant by variant, with the official one; the differences found must be exactly
//!   [`KNOWN_DIFFERENCES`];
//! * by value: representative values (every field, every variant, `null` and a value for
//!   every `opt`) are encoded with one crate's type and decoded with the other's, in both
//!   directions, and must re-encode to identical bytes.

use std::collections::BTreeSet;
use std::fmt::Debug;

use candid::types::{Field, Type, TypeInner};
use candid::{CandidType, Nat, Principal, Reserved};
use ic_management_canister_types as official;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use snapspec_model::call::{InfoReply, ProposalSnapshotInfo, StatusReply};
use snapspec_model::canister::{self as model, InstallMode, Timer, Visibility};
use snapspec_model::{
    Call, CanisterId, DeleteArgs, Global, LoadArgs, Reply, Settings, SnapshotId, SnapshotInfo, TakeArgs,
};
use snapspec_vectors::candid_types as ours;
use snapspec_vectors::encode::{
    call_args, decode_call_args, encode_call_args, encode_reply, ic_method_name, DecodeError, DecodedArgs, METHOD_NAMES,
};

// --- helpers ---------------------------------------------------------------------------------

fn canister(index: u64) -> CanisterId {
    CanisterId::from_index(index)
}

fn principal(index: u64) -> Principal {
    canister(index).0
}

fn user() -> Principal {
    Principal::from_slice(&[0xab; 29])
}

fn blob(bytes: &[u8]) -> ByteBuf {
    ByteBuf::from(bytes.to_vec())
}

fn snapshot_id(owner: u64, local: u64) -> SnapshotId {
    SnapshotId { owner: canister(owner), local }
}

fn id_bytes(owner: u64, local: u64) -> Vec<u8> {
    snapshot_id(owner, local).to_bytes()
}

fn encode<T: CandidType>(value: &T) -> Vec<u8> {
    candid::encode_one(value).expect("encodes")
}

fn decode<T: CandidType + DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    candid::decode_one(bytes).map_err(|err| err.to_string())
}

// --- structural comparison -------------------------------------------------------------------

/// The structural differences between the spec type `S` (ours) and the official `O`, as
/// `path: description` lines rooted at `name`.
fn type_diff<S: CandidType, O: CandidType>(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    diff(name, &S::ty(), &O::ty(), &mut out);
    out
}

fn diff(path: &str, spec: &Type, official: &Type, out: &mut Vec<String>) {
    match (spec.as_ref(), official.as_ref()) {
        (TypeInner::Opt(s), TypeInner::Opt(o)) => diff(path, s, o, out),
        (TypeInner::Vec(s), TypeInner::Vec(o)) => diff(&format!("{path}[]"), s, o, out),
        (TypeInner::Opt(s), _) => {
            out.push(format!("{path}: spec opt, official not opt"));
            diff(path, s, official, out);
        }
        (_, TypeInner::Opt(o)) => {
            out.push(format!("{path}: spec not opt, official opt"));
            diff(path, spec, o, out);
        }
        (TypeInner::Record(s), TypeInner::Record(o)) => fields_diff(path, "field", s, o, out),
        (TypeInner::Variant(s), TypeInner::Variant(o)) => fields_diff(path, "variant", s, o, out),
        (s, o) if s == o => {}
        (s, o) => out.push(format!("{path}: spec {s}, official {o}")),
    }
}

fn fields_diff(path: &str, what: &str, spec: &[Field], official: &[Field], out: &mut Vec<String>) {
    for field in spec {
        match official.iter().find(|o| o.id == field.id) {
            Some(o) => diff(&format!("{path}.{}", field.id), &field.ty, &o.ty, out),
            None => out.push(format!("{path}.{}: {what} missing in official", field.id)),
        }
    }
    for field in official.iter().filter(|o| !spec.iter().any(|s| s.id == o.id)) {
        out.push(format!("{path}.{}: {what} only in official", field.id));
    }
}

/// Every snapshot-related type of spec 0.66 against its official counterpart.
fn all_type_diffs() -> BTreeSet<String> {
    use official as o;
    let lists = [
        type_diff::<ours::Snapshot, o::Snapshot>("snapshot"),
        type_diff::<ours::TakeCanisterSnapshotArgs, o::TakeCanisterSnapshotArgs>("take_canister_snapshot_args"),
        type_diff::<ours::LoadCanisterSnapshotArgs, o::LoadCanisterSnapshotArgs>("load_canister_snapshot_args"),
        type_diff::<ours::ListCanisterSnapshotsArgs, o::ListCanisterSnapshotsArgs>("list_canister_snapshots_args"),
        type_diff::<Vec<ours::Snapshot>, o::ListCanisterSnapshotsResult>("list_canister_snapshots_result"),
        type_diff::<ours::DeleteCanisterSnapshotArgs, o::DeleteCanisterSnapshotArgs>("delete_canister_snapshot_args"),
        type_diff::<ours::ReadCanisterSnapshotMetadataArgs, o::ReadCanisterSnapshotMetadataArgs>(
            "read_canister_snapshot_metadata_args",
        ),
        type_diff::<ours::ReadCanisterSnapshotMetadataResponse, o::ReadCanisterSnapshotMetadataResult>(
            "read_canister_snapshot_metadata_response",
        ),
        type_diff::<ours::ReadCanisterSnapshotDataArgs, o::ReadCanisterSnapshotDataArgs>(
            "read_canister_snapshot_data_args",
        ),
        type_diff::<ours::ReadCanisterSnapshotDataResponse, o::ReadCanisterSnapshotDataResult>(
            "read_canister_snapshot_data_response",
        ),
        type_diff::<ours::UploadCanisterSnapshotMetadataArgs, o::UploadCanisterSnapshotMetadataArgs>(
            "upload_canister_snapshot_metadata_args",
        ),
        type_diff::<ours::UploadCanisterSnapshotMetadataResponse, o::UploadCanisterSnapshotMetadataResult>(
            "upload_canister_snapshot_metadata_response",
        ),
        type_diff::<ours::UploadCanisterSnapshotDataArgs, o::UploadCanisterSnapshotDataArgs>(
            "upload_canister_snapshot_data_args",
        ),
        type_diff::<ours::SnapshotVisibility, o::SnapshotVisibility>("snapshot_visibility"),
        type_diff::<ours::CanisterSettings, o::CanisterSettings>("canister_settings"),
        type_diff::<ours::UpdateSettingsArgs, o::UpdateSettingsArgs>("update_settings_args"),
        type_diff::<ours::ChangeOrigin, o::ChangeOrigin>("change_origin"),
        type_diff::<ours::ChangeDetails, o::ChangeDetails>("change_details"),
        type_diff::<ours::Change, o::Change>("change"),
        type_diff::<ours::CanisterInfoArgs, o::CanisterInfoArgs>("canister_info_args"),
        type_diff::<ours::CanisterInfoResult, o::CanisterInfoResult>("canister_info_result"),
        type_diff::<ours::UninstallCodeArgs, o::UninstallCodeArgs>("uninstall_code_args"),
        type_diff::<ours::CanisterStatusArgs, o::CanisterStatusArgs>("canister_status_args"),
        type_diff::<ours::UploadChunkArgs, o::UploadChunkArgs>("upload_chunk_args"),
        type_diff::<ours::UploadChunkResult, o::UploadChunkResult>("upload_chunk_result"),
        type_diff::<ours::ClearChunkStoreArgs, o::ClearChunkStoreArgs>("clear_chunk_store_args"),
        type_diff::<ours::DeleteCanisterArgs, o::DeleteCanisterArgs>("delete_canister_args"),
        type_diff::<ours::StartCanisterArgs, o::StartCanisterArgs>("start_canister_args"),
        type_diff::<ours::StopCanisterArgs, o::StopCanisterArgs>("stop_canister_args"),
        type_diff::<ours::CanisterInstallMode, o::CanisterInstallMode>("canister_install_mode"),
        type_diff::<ours::InstallCodeArgs, o::InstallCodeArgs>("install_code_args"),
        type_diff::<ours::ProvisionalCreateCanisterWithCyclesArgs, o::ProvisionalCreateCanisterWithCyclesArgs>(
            "provisional_create_canister_with_cycles_args",
        ),
        type_diff::<ours::ProvisionalCreateCanisterWithCyclesResult, o::ProvisionalCreateCanisterWithCyclesResult>(
            "provisional_create_canister_with_cycles_result",
        ),
    ];
    lists.into_iter().flatten().collect()
}

/// Where ic-management-canister-types 0.11.0 differs from spec 0.66. All three wrap a spec
/// type in `opt` so that a value the crate does not know (a new variant) decodes as `None`:
/// spec bytes decode into the official types, but the official types' bytes do not decode
/// into the spec's types (see `official_opt_wrappers_accept_spec_bytes_only_one_way`).
const KNOWN_DIFFERENCES: &[&str] = &[
    "canister_info_result.recent_changes[].details: spec not opt, official opt",
    "change.details: spec not opt, official opt",
    "read_canister_snapshot_metadata_response.globals[]: spec not opt, official opt",
    "read_canister_snapshot_metadata_response.source: spec not opt, official opt",
];

#[test]
fn official_crate_differs_from_spec_exactly_in_known_places() {
    let found = all_type_diffs();
    let known: BTreeSet<String> = KNOWN_DIFFERENCES.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, known, "new: {:?}; gone: {:?}", found.difference(&known), known.difference(&found));
}

#[test]
fn the_structural_comparison_notices_differences() {
    #[derive(CandidType)]
    struct A {
        x: u64,
        y: Option<bool>,
    }
    #[derive(CandidType)]
    struct B {
        x: u32,
        z: bool,
    }
    let found = type_diff::<A, B>("t");
    assert_eq!(
        found,
        ["t.x: spec nat64, official nat32", "t.y: field missing in official", "t.z: field only in official"]
    );
}

// --- by value, both directions ---------------------------------------------------------------

/// Encodes each spec value and decodes it as the official type, and each official value and
/// decodes it as the spec type; every decode must succeed and re-encode to identical bytes,
/// and spec values must survive the trip unchanged.
fn both_ways<S, O>(spec_values: &[S], official_values: &[O])
where
    S: CandidType + DeserializeOwned + PartialEq + Debug,
    O: CandidType + DeserializeOwned + Debug,
{
    for value in spec_values {
        let bytes = encode(value);
        let theirs: O = decode(&bytes).unwrap_or_else(|e| panic!("official cannot decode {value:?}: {e}"));
        assert_eq!(hex::encode(encode(&theirs)), hex::encode(&bytes), "official re-encodes {value:?} differently");
        assert_eq!(&decode::<S>(&bytes).expect("spec decodes its own bytes"), value);
    }
    for value in official_values {
        let bytes = encode(value);
        let spec: S = decode(&bytes).unwrap_or_else(|e| panic!("spec cannot decode official {value:?}: {e}"));
        assert_eq!(hex::encode(encode(&spec)), hex::encode(&bytes), "spec re-encodes {value:?} differently");
    }
}

#[test]
fn snapshot_and_take_load_list_delete_agree_both_ways() {
    let id = blob(&id_bytes(1, 0));
    both_ways(
        &[ours::Snapshot { id: id.clone(), taken_at_timestamp: 1, total_size: u64::MAX }],
        &[official::Snapshot { id: id.to_vec(), taken_at_timestamp: 7, total_size: 0 }],
    );
    both_ways(
        &[
            ours::TakeCanisterSnapshotArgs {
                canister_id: principal(1),
                replace_snapshot: None,
                uninstall_code: None,
                sender_canister_version: None,
            },
            ours::TakeCanisterSnapshotArgs {
                canister_id: principal(1),
                replace_snapshot: Some(id.clone()),
                uninstall_code: Some(true),
                sender_canister_version: Some(9),
            },
        ],
        &[
            official::TakeCanisterSnapshotArgs {
                canister_id: principal(2),
                replace_snapshot: None,
                uninstall_code: None,
                sender_canister_version: None,
            },
            official::TakeCanisterSnapshotArgs {
                canister_id: principal(2),
                replace_snapshot: Some(id.to_vec()),
                uninstall_code: Some(false),
                sender_canister_version: Some(0),
            },
        ],
    );
    both_ways(
        &[
            ours::LoadCanisterSnapshotArgs {
                canister_id: principal(1),
                snapshot_id: id.clone(),
                sender_canister_version: None,
            },
            ours::LoadCanisterSnapshotArgs {
                canister_id: principal(2),
                snapshot_id: id.clone(),
                sender_canister_version: Some(3),
            },
        ],
        &[
            official::LoadCanisterSnapshotArgs {
                canister_id: principal(1),
                snapshot_id: vec![],
                sender_canister_version: None,
            },
            official::LoadCanisterSnapshotArgs {
                canister_id: principal(1),
                snapshot_id: id.to_vec(),
                sender_canister_version: Some(1),
            },
        ],
    );
    both_ways(
        &[ours::ListCanisterSnapshotsArgs { canister_id: principal(1) }],
        &[official::CanisterIdRecord { canister_id: principal(3) }],
    );
    both_ways(
        &[vec![], vec![ours::Snapshot { id: id.clone(), taken_at_timestamp: 1, total_size: 2 }]],
        &[vec![official::Snapshot { id: id.to_vec(), taken_at_timestamp: 3, total_size: 4 }]],
    );
    both_ways(
        &[ours::DeleteCanisterSnapshotArgs { canister_id: principal(1), snapshot_id: id.clone() }],
        &[official::DeleteCanisterSnapshotArgs { canister_id: principal(1), snapshot_id: id.to_vec() }],
    );
}

fn spec_globals() -> Vec<ours::SnapshotGlobal> {
    use ours::SnapshotGlobal as G;
    vec![G::I32(-1), G::I64(i64::MIN), G::F32(1.5), G::F64(-0.25), G::V128(Nat::from(u128::MAX))]
}

fn official_globals() -> Vec<official::SnapshotMetadataGlobal> {
    use official::SnapshotMetadataGlobal as G;
    vec![G::I32(7), G::I64(-7), G::F32(-2.0), G::F64(3.0), G::V128(Nat::from(0u8))]
}

#[test]
fn read_and_upload_args_agree_both_ways() {
    use official::{SnapshotDataKind as OK, SnapshotDataOffset as OO};
    use ours::{SnapshotDataKind as K, SnapshotDataOffset as O};
    let id = blob(&id_bytes(1, 2));
    let slice = ours::Slice { offset: 1, size: 2 };
    both_ways(
        &[ours::ReadCanisterSnapshotMetadataArgs { canister_id: principal(1), snapshot_id: id.clone() }],
        &[official::ReadCanisterSnapshotMetadataArgs { canister_id: principal(1), snapshot_id: id.to_vec() }],
    );
    let kinds = [
        K::WasmModule(slice.clone()),
        K::WasmMemory(slice.clone()),
        K::StableMemory(slice),
        K::WasmChunk(ours::ChunkHash { hash: blob(&[7; 32]) }),
    ];
    let official_kinds = [
        OK::WasmModule { offset: 0, size: 10 },
        OK::WasmMemory { offset: 5, size: 0 },
        OK::StableMemory { offset: u64::MAX, size: 1 },
        OK::WasmChunk { hash: vec![1; 32] },
    ];
    both_ways(
        &kinds.map(|kind| ours::ReadCanisterSnapshotDataArgs {
            canister_id: principal(1),
            snapshot_id: id.clone(),
            kind,
        }),
        &official_kinds.map(|kind| official::ReadCanisterSnapshotDataArgs {
            canister_id: principal(1),
            snapshot_id: id.to_vec(),
            kind,
        }),
    );
    both_ways(
        &[ours::ReadCanisterSnapshotDataResponse { chunk: blob(b"bytes") }],
        &[official::ReadCanisterSnapshotDataResult { chunk: vec![] }],
    );
    both_ways(&upload_metadata_values(&id), &official_upload_metadata_values(&id));
    both_ways(
        &[ours::UploadCanisterSnapshotMetadataResponse { snapshot_id: id.clone() }],
        &[official::UploadCanisterSnapshotMetadataResult { snapshot_id: id.to_vec() }],
    );
    let offsets = [
        O::WasmModule(ours::Offset { offset: 1 }),
        O::WasmMemory(ours::Offset { offset: 2 }),
        O::StableMemory(ours::Offset { offset: 3 }),
        O::WasmChunk,
    ];
    let official_offsets =
        [OO::WasmModule { offset: 4 }, OO::WasmMemory { offset: 5 }, OO::StableMemory { offset: 6 }, OO::WasmChunk];
    both_ways(
        &offsets.map(|kind| ours::UploadCanisterSnapshotDataArgs {
            canister_id: principal(1),
            snapshot_id: id.clone(),
            kind,
            chunk: blob(b"x"),
        }),
        &official_offsets.map(|kind| official::UploadCanisterSnapshotDataArgs {
            canister_id: principal(1),
            snapshot_id: id.to_vec(),
            kind,
            chunk: vec![0; 3],
        }),
    );
}

fn upload_metadata_values(id: &ByteBuf) -> Vec<ours::UploadCanisterSnapshotMetadataArgs> {
    use ours::{GlobalTimer as T, OnLowWasmMemoryHookStatus as H};
    let base = ours::UploadCanisterSnapshotMetadataArgs {
        canister_id: principal(1),
        replace_snapshot: None,
        wasm_module_size: 1,
        globals: vec![],
        wasm_memory_size: 2,
        stable_memory_size: 3,
        certified_data: blob(&[]),
        global_timer: None,
        on_low_wasm_memory_hook_status: None,
    };
    let full = |timer, hook| ours::UploadCanisterSnapshotMetadataArgs {
        replace_snapshot: Some(id.clone()),
        globals: spec_globals(),
        certified_data: blob(&[9; 32]),
        global_timer: Some(timer),
        on_low_wasm_memory_hook_status: Some(hook),
        ..base.clone()
    };
    vec![
        base.clone(),
        full(T::Inactive, H::ConditionNotSatisfied),
        full(T::Active(5), H::Ready),
        full(T::Active(0), H::Executed),
    ]
}

fn official_upload_metadata_values(id: &ByteBuf) -> Vec<official::UploadCanisterSnapshotMetadataArgs> {
    use official::{CanisterTimer as T, OnLowWasmMemoryHookStatus as H};
    let value = |timer, hook| official::UploadCanisterSnapshotMetadataArgs {
        canister_id: principal(2),
        replace_snapshot: Some(id.to_vec()),
        wasm_module_size: 10,
        globals: official_globals(),
        wasm_memory_size: 20,
        stable_memory_size: 30,
        certified_data: vec![1],
        global_timer: timer,
        on_low_wasm_memory_hook_status: hook,
    };
    vec![
        value(None, None),
        value(Some(T::Inactive), Some(H::ConditionNotSatisfied)),
        value(Some(T::Active(1)), Some(H::Ready)),
        value(Some(T::Active(2)), Some(H::Executed)),
    ]
}

fn spec_settings() -> Vec<ours::CanisterSettings> {
    use ours::{LogVisibility as L, SnapshotVisibility as V, StatusVisibility as S};
    let full = |log, snapshot, status| ours::CanisterSettings {
        controllers: Some(vec![principal(1), user()]),
        compute_allocation: Some(Nat::from(1u8)),
        memory_allocation: Some(Nat::from(2u8)),
        freezing_threshold: Some(Nat::from(3u8)),
        reserved_cycles_limit: Some(Nat::from(4u8)),
        minimum_incoming_canister_call_cycles: Some(Nat::from(5u8)),
        log_visibility: Some(log),
        log_memory_limit: Some(Nat::from(6u8)),
        snapshot_visibility: Some(snapshot),
        status_visibility: Some(status),
        wasm_memory_limit: Some(Nat::from(7u8)),
        wasm_memory_threshold: Some(Nat::from(8u8)),
        environment_variables: Some(vec![ours::EnvironmentVariable { name: "a".into(), value: "b".into() }]),
    };
    vec![
        ours::CanisterSettings::default(),
        full(L::Controllers, V::Controllers, S::Controllers),
        full(L::Public, V::Public, S::Public),
        full(L::AllowedViewers(vec![user()]), V::AllowedViewers(vec![user(), principal(2)]), S::AllowedViewers(vec![])),
    ]
}

fn official_settings() -> Vec<official::CanisterSettings> {
    use official::{LogVisibility as L, SnapshotVisibility as V, StatusVisibility as S};
    let full = |log, snapshot, status| official::CanisterSettings {
        controllers: Some(vec![]),
        compute_allocation: Some(Nat::from(10u8)),
        memory_allocation: Some(Nat::from(20u8)),
        freezing_threshold: Some(Nat::from(30u8)),
        reserved_cycles_limit: Some(Nat::from(40u8)),
        minimum_incoming_canister_call_cycles: Some(Nat::from(50u8)),
        log_visibility: Some(log),
        log_memory_limit: Some(Nat::from(60u8)),
        snapshot_visibility: Some(snapshot),
        status_visibility: Some(status),
        wasm_memory_limit: Some(Nat::from(70u8)),
        wasm_memory_threshold: Some(Nat::from(80u8)),
        environment_variables: Some(vec![]),
    };
    vec![
        official::CanisterSettings::default(),
        full(L::Controllers, V::Controllers, S::Controllers),
        full(L::Public, V::Public, S::Public),
        full(L::AllowedViewers(vec![principal(3)]), V::AllowedViewers(vec![]), S::AllowedViewers(vec![user()])),
    ]
}

#[test]
fn settings_and_visibility_agree_both_ways() {
    use official::SnapshotVisibility as OV;
    use ours::SnapshotVisibility as V;
    both_ways(
        &[V::Controllers, V::Public, V::AllowedViewers(vec![user()])],
        &[OV::Controllers, OV::Public, OV::AllowedViewers(vec![])],
    );
    both_ways(&spec_settings(), &official_settings());
    both_ways(
        &spec_settings()
            .into_iter()
            .zip([None, Some(1)].into_iter().cycle())
            .map(|(settings, version)| ours::UpdateSettingsArgs {
                canister_id: principal(1),
                settings,
                sender_canister_version: version,
            })
            .collect::<Vec<_>>(),
        &official_settings()
            .into_iter()
            .map(|settings| official::UpdateSettingsArgs {
                canister_id: principal(2),
                settings,
                sender_canister_version: Some(2),
            })
            .collect::<Vec<_>>(),
    );
}

#[test]
fn lifecycle_args_agree_both_ways() {
    use official::{CanisterInstallMode as OM, WasmMemoryPersistence as OP};
    use ours::{CanisterInstallMode as M, WasmMemoryPersistence as P};
    let flags = |skip, persistence| ours::UpgradeFlags { skip_pre_upgrade: skip, wasm_memory_persistence: persistence };
    let modes = [
        M::Install,
        M::Reinstall,
        M::Upgrade(None),
        M::Upgrade(Some(flags(None, None))),
        M::Upgrade(Some(flags(Some(true), Some(P::Keep)))),
        M::Upgrade(Some(flags(Some(false), Some(P::Replace)))),
    ];
    let official_flags =
        |skip, persistence| official::UpgradeFlags { skip_pre_upgrade: skip, wasm_memory_persistence: persistence };
    let official_modes = [
        OM::Install,
        OM::Reinstall,
        OM::Upgrade(None),
        OM::Upgrade(Some(official_flags(Some(true), Some(OP::Replace)))),
        OM::Upgrade(Some(official_flags(None, Some(OP::Keep)))),
    ];
    both_ways(&modes, &official_modes);
    both_ways(
        &modes
            .iter()
            .zip([None, Some(4)].into_iter().cycle())
            .map(|(mode, version)| ours::InstallCodeArgs {
                mode: mode.clone(),
                canister_id: principal(1),
                wasm_module: blob(b"\0asm"),
                arg: blob(b"arg"),
                sender_canister_version: version,
            })
            .collect::<Vec<_>>(),
        &official_modes
            .iter()
            .map(|mode| official::InstallCodeArgs {
                mode: *mode,
                canister_id: principal(1),
                wasm_module: vec![],
                arg: vec![],
                sender_canister_version: None,
            })
            .collect::<Vec<_>>(),
    );
    both_ways(
        &[
            ours::UninstallCodeArgs { canister_id: principal(1), sender_canister_version: None },
            ours::UninstallCodeArgs { canister_id: principal(1), sender_canister_version: Some(1) },
        ],
        &[official::UninstallCodeArgs { canister_id: principal(1), sender_canister_version: Some(2) }],
    );
    both_ways(
        &[ours::CanisterIdRecord { canister_id: principal(5) }],
        &[official::CanisterIdRecord { canister_id: principal(6) }],
    );
    both_ways(
        &[ours::UploadChunkArgs { canister_id: principal(1), chunk: blob(&[1, 2, 3]) }],
        &[official::UploadChunkArgs { canister_id: principal(1), chunk: vec![] }],
    );
    both_ways(&[ours::ChunkHash { hash: blob(&[3; 32]) }], &[official::ChunkHash { hash: vec![4; 32] }]);
    both_ways(&create_values(), &official_create_values());
}

fn create_values() -> Vec<ours::ProvisionalCreateCanisterWithCyclesArgs> {
    let none = ours::ProvisionalCreateCanisterWithCyclesArgs {
        amount: None,
        settings: None,
        specified_id: None,
        sender_canister_version: None,
    };
    let some = ours::ProvisionalCreateCanisterWithCyclesArgs {
        amount: Some(Nat::from(u128::MAX)),
        settings: spec_settings().pop(),
        specified_id: Some(principal(9)),
        sender_canister_version: Some(1),
    };
    vec![none, some]
}

fn official_create_values() -> Vec<official::ProvisionalCreateCanisterWithCyclesArgs> {
    vec![
        official::ProvisionalCreateCanisterWithCyclesArgs::default(),
        official::ProvisionalCreateCanisterWithCyclesArgs {
            amount: Some(Nat::from(1u8)),
            settings: official_settings().pop(),
            specified_id: Some(principal(8)),
            sender_canister_version: Some(2),
        },
    ]
}

fn spec_origins() -> [ours::ChangeOrigin; 3] {
    use ours::ChangeOrigin as O;
    [
        O::FromUser { user_id: user() },
        O::FromCanister { canister_id: principal(1), canister_version: None },
        O::FromCanister { canister_id: principal(1), canister_version: Some(3) },
    ]
}

fn spec_details() -> Vec<ours::ChangeDetails> {
    use ours::{ChangeDetails as D, CodeDeploymentMode as M, SnapshotSource as S};
    let load = |from, source| D::LoadSnapshot {
        from_canister_id: from,
        snapshot_id: blob(&id_bytes(1, 0)),
        canister_version: 4,
        taken_at_timestamp: 5,
        source,
    };
    vec![
        D::Creation { controllers: vec![user()], environment_variables_hash: None },
        D::Creation { controllers: vec![], environment_variables_hash: Some(blob(&[1; 32])) },
        D::CodeUninstall,
        D::CodeDeployment { mode: M::Install, module_hash: blob(&[2; 32]) },
        D::CodeDeployment { mode: M::Reinstall, module_hash: blob(&[2; 32]) },
        D::CodeDeployment { mode: M::Upgrade, module_hash: blob(&[2; 32]) },
        load(None, S::TakenFromCanister(Reserved)),
        load(Some(principal(2)), S::MetadataUpload(Reserved)),
        D::ControllersChange { controllers: vec![principal(1), user()] },
        D::RenameCanister {
            canister_id: principal(1),
            total_num_changes: 6,
            rename_to: ours::RenameTo { canister_id: principal(2), version: 7, total_num_changes: 8 },
            requested_by: user(),
        },
    ]
}

fn official_details() -> Vec<official::ChangeDetails> {
    use official::{ChangeDetails as D, CodeDeploymentMode as M, SnapshotSource as S};
    let load = |from, source| {
        D::LoadSnapshot(official::LoadSnapshotRecord {
            from_canister_id: from,
            snapshot_id: id_bytes(2, 1),
            canister_version: 1,
            taken_at_timestamp: 2,
            source,
        })
    };
    let deploy = |mode| D::CodeDeployment(official::CodeDeploymentRecord { mode, module_hash: vec![5; 32] });
    vec![
        D::Creation(official::CreationRecord { controllers: vec![], environment_variables_hash: Some(vec![3]) }),
        D::Creation(official::CreationRecord { controllers: vec![user()], environment_variables_hash: None }),
        D::CodeUninstall,
        deploy(M::Install),
        deploy(M::Reinstall),
        deploy(M::Upgrade),
        load(Some(principal(3)), S::TakenFromCanister(Reserved)),
        load(None, S::MetadataUpload(Reserved)),
        D::ControllersChange(official::ControllersChangeRecord { controllers: vec![] }),
        D::RenameCanister(official::RenameCanisterRecord {
            canister_id: principal(4),
            total_num_changes: 1,
            rename_to: official::RenameToRecord { canister_id: principal(5), version: 2, total_num_changes: 3 },
            requested_by: principal(6),
        }),
    ]
}

#[test]
fn history_types_agree_both_ways() {
    use official::ChangeOrigin as O;
    both_ways(
        &spec_origins(),
        &[
            O::FromUser(official::FromUserRecord { user_id: principal(1) }),
            O::FromCanister(official::FromCanisterRecord { canister_id: user(), canister_version: Some(1) }),
            O::FromCanister(official::FromCanisterRecord { canister_id: user(), canister_version: None }),
        ],
    );
    both_ways(&spec_details(), &official_details());
    both_ways(
        &[
            ours::CanisterInfoArgs { canister_id: principal(1), num_requested_changes: None },
            ours::CanisterInfoArgs { canister_id: principal(1), num_requested_changes: Some(20) },
        ],
        &[official::CanisterInfoArgs { canister_id: principal(2), num_requested_changes: Some(0) }],
    );
}

// --- the known differences, by value ---------------------------------------------------------

fn spec_metadata() -> ours::ReadCanisterSnapshotMetadataResponse {
    ours::ReadCanisterSnapshotMetadataResponse {
        source: ours::SnapshotSource::MetadataUpload(Reserved),
        taken_at_timestamp: 1,
        wasm_module_size: 2,
        globals: spec_globals(),
        wasm_memory_size: 3,
        stable_memory_size: 4,
        wasm_chunk_store: vec![ours::ChunkHash { hash: blob(&[5; 32]) }],
        canister_version: 6,
        certified_data: blob(&[7]),
        global_timer: Some(ours::GlobalTimer::Active(8)),
        on_low_wasm_memory_hook_status: Some(ours::OnLowWasmMemoryHookStatus::Ready),
    }
}

fn official_metadata() -> official::ReadCanisterSnapshotMetadataResult {
    official::ReadCanisterSnapshotMetadataResult {
        source: Some(official::SnapshotSource::MetadataUpload(Reserved)),
        taken_at_timestamp: 1,
        wasm_module_size: 2,
        globals: official_globals_of_spec().into_iter().map(Some).collect(),
        wasm_memory_size: 3,
        stable_memory_size: 4,
        wasm_chunk_store: vec![official::ChunkHash { hash: vec![5; 32] }],
        canister_version: 6,
        certified_data: vec![7],
        global_timer: Some(official::CanisterTimer::Active(8)),
        on_low_wasm_memory_hook_status: Some(official::OnLowWasmMemoryHookStatus::Ready),
    }
}

fn official_globals_of_spec() -> Vec<official::SnapshotMetadataGlobal> {
    use official::SnapshotMetadataGlobal as G;
    vec![G::I32(-1), G::I64(i64::MIN), G::F32(1.5), G::F64(-0.25), G::V128(Nat::from(u128::MAX))]
}

fn spec_changes() -> Vec<ours::Change> {
    let origins = spec_origins();
    spec_details()
        .into_iter()
        .enumerate()
        .map(|(i, details)| ours::Change {
            timestamp_nanos: i as u64,
            canister_version: 10 + i as u64,
            origin: origins[i % origins.len()].clone(),
            details,
        })
        .collect()
}

fn spec_info(changes: Vec<ours::Change>, module_hash: Option<ByteBuf>) -> ours::CanisterInfoResult {
    ours::CanisterInfoResult { total_num_changes: 99, recent_changes: changes, module_hash, controllers: vec![user()] }
}

#[test]
fn official_opt_wrappers_accept_spec_bytes_only_one_way() {
    // Spec → official: `T` on the wire decodes into `opt T` as `Some`.
    let theirs: official::ReadCanisterSnapshotMetadataResult = decode(&encode(&spec_metadata())).expect("decodes");
    assert_eq!(format!("{theirs:?}"), format!("{:?}", official_metadata()));
    let info = spec_info(spec_changes(), Some(blob(&[1; 32])));
    let theirs: official::CanisterInfoResult = decode(&encode(&info)).expect("decodes");
    assert!(theirs.recent_changes.iter().all(|change| change.details.is_some()));
    assert_eq!(theirs.recent_changes.len(), spec_details().len());
    // Official → spec: `opt T` on the wire is not a subtype of `T`.
    assert!(decode::<ours::ReadCanisterSnapshotMetadataResponse>(&encode(&official_metadata())).is_err());
    assert!(decode::<ours::CanisterInfoResult>(&encode(&theirs)).is_err());
    assert!(decode::<ours::Change>(&encode(&theirs.recent_changes[0])).is_err());
}

#[test]
fn known_difference_types_still_agree_where_they_coincide() {
    // The rest of each differing type matches: with the official `opt`s stripped, bytes agree.
    let official_changes: Vec<official::Change> =
        spec_changes().iter().map(|change| decode(&encode(change)).expect("decodes")).collect();
    for (spec, theirs) in spec_changes().iter().zip(&official_changes) {
        assert_eq!(hex::encode(encode(theirs.details.as_ref().expect("some"))), hex::encode(encode(&spec.details)));
        assert_eq!(hex::encode(encode(&theirs.origin)), hex::encode(encode(&spec.origin)));
    }
    for info in [spec_info(vec![], None), spec_info(spec_changes(), Some(blob(&[2; 32])))] {
        let theirs: official::CanisterInfoResult = decode(&encode(&info)).expect("decodes");
        assert_eq!((theirs.total_num_changes, &theirs.controllers), (info.total_num_changes, &info.controllers));
        assert_eq!(theirs.module_hash, info.module_hash.map(|hash| hash.to_vec()));
    }
}

// --- model calls -----------------------------------------------------------------------------

/// Every kind of model call, with `None` and `Some` for each option.
fn sample_calls() -> Vec<Call> {
    let mut calls = snapshot_calls();
    calls.extend(lifecycle_calls());
    calls.extend(effect_calls());
    calls
}

fn snapshot_calls() -> Vec<Call> {
    let (c1, c2) = (canister(1), canister(2));
    vec![
        Call::TakeCanisterSnapshot(TakeArgs {
            canister_id: c1,
            replace_snapshot: None,
            uninstall_code: None,
            sender_canister_version: None,
        }),
        Call::TakeCanisterSnapshot(TakeArgs {
            canister_id: c1,
            replace_snapshot: Some(snapshot_id(1, 0).into()),
            uninstall_code: Some(true),
            sender_canister_version: Some(42),
        }),
        Call::LoadCanisterSnapshot(LoadArgs {
            canister_id: c2,
            snapshot_id: snapshot_id(1, 3).into(),
            sender_canister_version: None,
        }),
        Call::LoadCanisterSnapshot(LoadArgs {
            canister_id: c1,
            snapshot_id: snapshot_id(1, 3).into(),
            sender_canister_version: Some(1),
        }),
        Call::LoadCanisterSnapshot(LoadArgs {
            canister_id: c1,
            snapshot_id: snapshot_id_arg(&[1, 2, 3]),
            sender_canister_version: None,
        }),
        Call::ListCanisterSnapshots { canister_id: c1 },
        Call::DeleteCanisterSnapshot(DeleteArgs { canister_id: c1, snapshot_id: snapshot_id(1, 0).into() }),
        Call::TakeSnapshot { canister_id: c1, label: None },
        Call::TakeSnapshot { canister_id: c1, label: Some("before upgrade".into()) },
        Call::LoadSnapshot { snapshot_id: snapshot_id(1, 0).into(), canister_id: c1 },
        Call::ListSnapshots { canister_id: c2 },
        Call::DeleteSnapshot { snapshot_id: snapshot_id_arg(&[]) },
    ]
}

fn snapshot_id_arg(bytes: &[u8]) -> snapspec_model::SnapshotIdArg {
    snapspec_model::SnapshotIdArg(bytes.to_vec())
}

fn lifecycle_calls() -> Vec<Call> {
    let c1 = canister(1);
    let install = |mode, sender_canister_version| Call::InstallCode {
        canister_id: c1,
        mode,
        wasm_module: b"\0asm\x01\0\0\0".to_vec(),
        globals: vec![Global::I32(1)],
        sender_canister_version,
    };
    let settings =
        |controllers, snapshot_visibility| Settings { controllers, snapshot_visibility, status_visibility: None };
    let update =
        |settings, sender_canister_version| Call::UpdateSettings { canister_id: c1, settings, sender_canister_version };
    vec![
        Call::CreateCanister { controllers: None, cycles: 0 },
        Call::CreateCanister { controllers: Some(vec![user(), principal(1)]), cycles: u64::MAX },
        install(InstallMode::Install, None),
        install(InstallMode::Reinstall, Some(1)),
        install(InstallMode::Upgrade, None),
        Call::UninstallCode { canister_id: c1, sender_canister_version: None },
        Call::UninstallCode { canister_id: c1, sender_canister_version: Some(2) },
        Call::StartCanister { canister_id: c1 },
        Call::StopCanister { canister_id: c1 },
        update(settings(None, None), None),
        update(settings(Some(vec![user()]), Some(Visibility::Controllers)), Some(3)),
        update(settings(Some(vec![]), Some(Visibility::Public)), None),
        update(settings(None, Some(Visibility::AllowedViewers(vec![user(), principal(2)]))), None),
        update(Settings { status_visibility: Some(Visibility::Public), ..Settings::default() }, None),
        update(
            Settings {
                controllers: Some(vec![user()]),
                snapshot_visibility: Some(Visibility::Controllers),
                status_visibility: Some(Visibility::AllowedViewers(vec![principal(2)])),
            },
            None,
        ),
        Call::DeleteCanister { canister_id: c1 },
        Call::UploadChunk { canister_id: c1, chunk: vec![7; 100] },
        Call::ClearChunkStore { canister_id: c1 },
        Call::CanisterStatus { canister_id: c1 },
        Call::CanisterInfo { canister_id: c1 },
    ]
}

fn effect_calls() -> Vec<Call> {
    let c1 = canister(1);
    vec![
        Call::TopUp { canister_id: c1, cycles: 5 },
        Call::WriteWasmMemory { canister_id: c1, offset: 0, bytes: vec![1] },
        Call::WriteStableMemory { canister_id: c1, offset: 0, bytes: vec![1] },
        Call::ReadWasmMemory { canister_id: c1, offset: 0, len: 1 },
        Call::ReadStableMemory { canister_id: c1, offset: 0, len: 1 },
        Call::SetGlobal { canister_id: c1, index: 0, value: Global::I64(2) },
        Call::ReadGlobals { canister_id: c1 },
        Call::SetCertifiedData { canister_id: c1, data: vec![3] },
        Call::SetTimer { canister_id: c1, timer: Timer::Active(4) },
        Call::AdvanceTime { nanos: 5 },
        Call::Checkpoint,
    ]
}

const NOT_MANAGEMENT: &[&str] = &[
    "top_up",
    "write_wasm_memory",
    "write_stable_memory",
    "read_wasm_memory",
    "read_stable_memory",
    "set_global",
    "read_globals",
    "set_certified_data",
    "set_timer",
    "advance_time",
    "checkpoint",
];

#[test]
fn samples_cover_every_model_method() {
    let covered: BTreeSet<&str> = sample_calls().iter().map(Call::method_name).collect();
    let all: BTreeSet<&str> = Call::METHOD_NAMES.iter().copied().collect();
    assert_eq!(covered, all);
}

#[test]
fn exactly_the_management_calls_have_bytes() {
    for call in sample_calls() {
        let expected = !NOT_MANAGEMENT.contains(&call.method_name());
        assert_eq!(encode_call_args(&call).is_some(), expected, "{call:?}");
        assert_eq!(ic_method_name(&call).is_some(), expected, "{call:?}");
    }
}

#[test]
fn every_management_call_decodes_back_to_an_equal_value() {
    for call in sample_calls() {
        let Some(bytes) = encode_call_args(&call) else { continue };
        let method = ic_method_name(&call).expect("management call");
        assert!(METHOD_NAMES.contains(&method));
        let decoded = decode_call_args(method, &bytes).unwrap_or_else(|e| panic!("{call:?}: {e}"));
        assert_eq!(Some(&decoded), call_args(&call).as_ref(), "{call:?}");
        assert_eq!(decoded.to_bytes(), bytes, "{call:?}");
    }
}

#[test]
fn model_call_bytes_are_what_the_official_types_send() {
    for call in sample_calls() {
        let (Some(bytes), Some(method)) = (encode_call_args(&call), ic_method_name(&call)) else { continue };
        if let Some(official_bytes) = official_reencode(method, &bytes) {
            assert_eq!(hex::encode(official_bytes), hex::encode(&bytes), "{call:?}");
        }
    }
}

/// Decodes with the official argument type of `method` and re-encodes; `None` for the
/// proposal's methods, which the official crate does not have.
fn official_reencode(method: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    fn via<T: CandidType + DeserializeOwned>(bytes: &[u8]) -> Option<Vec<u8>> {
        Some(encode(&decode::<T>(bytes).expect("official type decodes model bytes")))
    }
    use official as o;
    match method {
        "take_canister_snapshot" => via::<o::TakeCanisterSnapshotArgs>(bytes),
        "load_canister_snapshot" => via::<o::LoadCanisterSnapshotArgs>(bytes),
        "delete_canister_snapshot" => via::<o::DeleteCanisterSnapshotArgs>(bytes),
        "provisional_create_canister_with_cycles" => via::<o::ProvisionalCreateCanisterWithCyclesArgs>(bytes),
        "install_code" => via::<o::InstallCodeArgs>(bytes),
        "uninstall_code" => via::<o::UninstallCodeArgs>(bytes),
        "update_settings" => via::<o::UpdateSettingsArgs>(bytes),
        "upload_chunk" => via::<o::UploadChunkArgs>(bytes),
        "canister_info" => via::<o::CanisterInfoArgs>(bytes),
        "list_canister_snapshots"
        | "start_canister"
        | "stop_canister"
        | "delete_canister"
        | "clear_chunk_store"
        | "canister_status" => via::<o::CanisterIdRecord>(bytes),
        "take_snapshot" | "load_snapshot" | "list_snapshots" | "delete_snapshot" => None,
        other => panic!("no official type listed for {other}"),
    }
}

/// The hex was cross-checked with a separate encoder written from the candid spec (field
/// hashes, LEB128, value layout). The spec does not fix the type table's order; this is the
/// order candid 0.10 (Rust) writes: the record first, then its fields' types depth-first in
/// field-hash order, with equal types shared.
#[test]
fn golden_take_and_load_bytes() {
    let take = Call::TakeCanisterSnapshot(TakeArgs {
        canister_id: canister(1),
        replace_snapshot: Some(snapshot_id(1, 0).into()),
        uninstall_code: Some(true),
        sender_canister_version: Some(42),
    });
    assert_eq!(
        hex::encode(encode_call_args(&take).expect("management call")),
        "4449444c056c04efc1e4cf0101b3c4b1f20468eabb9ad30903ca9998b40d046e026d7b6e7e6e78010001\
         12000000000000000000000000000000010101010a000000000000000101010101012a00000000000000"
    );
    let load = Call::LoadCanisterSnapshot(LoadArgs {
        canister_id: canister(2),
        snapshot_id: snapshot_id(1, 3).into(),
        sender_canister_version: None,
    });
    assert_eq!(
        hex::encode(encode_call_args(&load).expect("management call")),
        "4449444c036c03b3c4b1f20468ca9998b40d01b6b897890f026e786d7b0100010a000000000000000201\
         010012000000000000000300000000000000010101"
    );
}

// --- decoding errors -------------------------------------------------------------------------

#[test]
fn decode_errors_are_clear() {
    let bytes = encode_call_args(&Call::ListCanisterSnapshots { canister_id: canister(1) }).expect("bytes");
    assert_eq!(decode_call_args("top_up", &bytes), Err(DecodeError::UnknownMethod { method: "top_up".into() }));
    let err = decode_call_args("take_canister_snapshot", b"not candid").expect_err("garbage");
    assert!(err.to_string().starts_with("cannot decode `take_canister_snapshot` arguments: "), "{err}");
    // A record without `canister_id` is not `take_canister_snapshot_args`.
    let wrong = encode(&ours::UploadChunkResult { hash: blob(&[1]) });
    assert!(matches!(decode_call_args("take_canister_snapshot", &wrong), Err(DecodeError::Candid { .. })));
}

#[test]
fn decoding_is_bounded() {
    // One million `null`s cost three bytes on the wire; skipping them exceeds the quota.
    let args = ours::ListCanisterSnapshotsArgs { canister_id: principal(1) };
    let bytes = candid::encode_args((args, vec![(); 1_000_000])).expect("encodes");
    assert!(bytes.len() < 100);
    let err = decode_call_args("list_canister_snapshots", &bytes).expect_err("over quota");
    assert!(err.to_string().contains("exceeds the limit"), "{err}");
    // A large blob is fine: the quota grows with the input.
    let chunk = Call::UploadChunk { canister_id: canister(1), chunk: vec![0; 2 << 20] };
    let bytes = encode_call_args(&chunk).expect("bytes");
    assert!(decode_call_args("upload_chunk", &bytes).is_ok());
}

#[test]
fn mangled_bytes_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for call in sample_calls() {
        let (Some(bytes), Some(method)) = (encode_call_args(&call), ic_method_name(&call)) else { continue };
        for _ in 0..200 {
            let mut mangled = bytes.clone();
            let at = next() as usize % mangled.len();
            mangled[at] = next() as u8;
            mangled.truncate(mangled.len() - next() as usize % 3);
            let _ = decode_call_args(method, &mangled);
        }
        for len in 0..bytes.len() {
            let _ = decode_call_args(method, &bytes[..len]);
        }
    }
}

#[test]
fn missing_trailing_options_decode_as_null() {
    // Older clients omit fields added later (e.g. `uninstall_code`, spec 0.54).
    #[derive(CandidType)]
    struct TakeV028 {
        canister_id: Principal,
        replace_snapshot: Option<ByteBuf>,
    }
    let bytes = encode(&TakeV028 { canister_id: principal(1), replace_snapshot: None });
    let decoded = decode_call_args("take_canister_snapshot", &bytes).expect("decodes");
    assert_eq!(
        decoded,
        DecodedArgs::TakeCanisterSnapshot(ours::TakeCanisterSnapshotArgs {
            canister_id: principal(1),
            replace_snapshot: None,
            uninstall_code: None,
            sender_canister_version: None,
        })
    );
    // The proposal's `label` is a trailing `opt` argument and may be left out.
    let bytes = candid::encode_args((principal(1),)).expect("encodes");
    let decoded = decode_call_args("take_snapshot", &bytes).expect("decodes");
    assert_eq!(decoded, DecodedArgs::TakeSnapshot(ours::TakeSnapshotArgs { canister_id: principal(1), label: None }));
}

// --- replies ---------------------------------------------------------------------------------

fn model_snapshot_info(local: u64) -> SnapshotInfo {
    SnapshotInfo { id: snapshot_id(1, local), taken_at_timestamp: 10 + local, total_size: 100 + local }
}

fn reply<T: CandidType + DeserializeOwned>(value: &Reply) -> T {
    decode(&encode_reply(value).expect("has a candid reply")).expect("decodes")
}

#[test]
fn snapshot_replies_encode_as_the_spec_types() {
    let taken: ours::Snapshot = reply(&Reply::Snapshot(model_snapshot_info(0)));
    assert_eq!(taken, ours::Snapshot { id: blob(&id_bytes(1, 0)), taken_at_timestamp: 10, total_size: 100 });
    let listed: Vec<official::Snapshot> =
        reply(&Reply::Snapshots(vec![model_snapshot_info(0), model_snapshot_info(1)]));
    assert_eq!(listed[1], official::Snapshot { id: id_bytes(1, 1), taken_at_timestamp: 11, total_size: 101 });
    let id: ByteBuf = reply(&Reply::SnapshotId(snapshot_id(2, 5)));
    assert_eq!(id.to_vec(), id_bytes(2, 5));
    let info =
        |checksum, label| ProposalSnapshotInfo { id: snapshot_id(1, 0), taken_on: 3, label, total_size: 4, checksum };
    let listed: Vec<ours::ProposalSnapshot> =
        reply(&Reply::ProposalSnapshots(vec![info(None, None), info(Some([9; 32]), Some("l".into()))]));
    let expected = |checksum: &[u8], label| ours::ProposalSnapshot {
        id: blob(&id_bytes(1, 0)),
        taken_on: Nat::from(3u8),
        label,
        total_size: Nat::from(4u8),
        checksum: blob(checksum),
    };
    assert_eq!(listed, [expected(&[], None), expected(&[9; 32], Some("l".into()))]);
}

#[test]
fn lifecycle_replies_encode_as_the_spec_types() {
    assert_eq!(hex::encode(encode_reply(&Reply::Empty).expect("bytes")), "4449444c0000");
    let created: official::CanisterIdRecord = reply(&Reply::CanisterId(canister(7)));
    assert_eq!(created.canister_id, principal(7));
    let hash: official::ChunkHash = reply(&Reply::ChunkHash([6; 32]));
    assert_eq!(hash.hash, vec![6; 32]);
    assert_eq!(encode_reply(&Reply::Bytes(vec![1])), None);
    assert_eq!(encode_reply(&Reply::Status(Box::new(status_reply()))), None);
}

fn status_reply() -> StatusReply {
    StatusReply { snapshot_visibility: Some(Visibility::Controllers), ..StatusReply::default() }
}

fn model_changes(source: Option<model::SnapshotSource>) -> Vec<model::Change> {
    use model::{ChangeDetails as D, ChangeOrigin as O};
    let details = [
        D::Creation { controllers: vec![user()] },
        D::CodeDeployment { mode: InstallMode::Upgrade, module_hash: [1; 32] },
        D::LoadSnapshot {
            canister_version: 2,
            snapshot_id: snapshot_id(2, 0),
            taken_at_timestamp: 3,
            source,
            from_canister_id: Some(canister(2)),
        },
        D::CodeUninstall,
        D::ControllersChange { controllers: vec![] },
    ];
    let origin = |i: usize| match i % 2 {
        0 => O::FromUser { user_id: user() },
        _ => O::FromCanister { canister_id: principal(3), canister_version: Some(i as u64) },
    };
    details
        .into_iter()
        .enumerate()
        .map(|(i, details)| model::Change {
            timestamp_ns: i as u64,
            canister_version: i as u64,
            origin: origin(i),
            details,
        })
        .collect()
}

#[test]
fn info_reply_encodes_as_canister_info_result() {
    let info = |source| InfoReply {
        total_num_changes: 30,
        recent_changes: model_changes(source),
        module_hash: Some([8; 32]),
        controllers: vec![user()],
    };
    let decoded: ours::CanisterInfoResult =
        reply(&Reply::Info(Box::new(info(Some(model::SnapshotSource::TakenFromCanister)))));
    assert_eq!(decoded.total_num_changes, 30);
    assert_eq!(decoded.module_hash, Some(blob(&[8; 32])));
    assert_eq!(
        decoded.recent_changes[2],
        ours::Change {
            timestamp_nanos: 2,
            canister_version: 2,
            origin: ours::ChangeOrigin::FromUser { user_id: user() },
            details: ours::ChangeDetails::LoadSnapshot {
                from_canister_id: Some(principal(2)),
                snapshot_id: blob(&id_bytes(2, 0)),
                canister_version: 2,
                taken_at_timestamp: 3,
                source: ours::SnapshotSource::TakenFromCanister(Reserved),
            },
        }
    );
    let theirs: official::CanisterInfoResult =
        reply(&Reply::Info(Box::new(info(Some(model::SnapshotSource::MetadataUpload)))));
    assert_eq!(theirs.recent_changes.len(), 5);
    // A pre-0.46 profile's load entry has no source, hence no spec 0.66 bytes.
    assert_eq!(encode_reply(&Reply::Info(Box::new(info(None)))), None);
}
