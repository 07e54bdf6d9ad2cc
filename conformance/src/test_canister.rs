//! The test canister the PocketIC adapter installs: the model's execution effects as real
//! Wasm, written in WAT and compiled with the `wat` crate.
//!
//! Arguments are raw bytes, not candid, to keep the module small: offsets are 8-byte
//! little-endian. The model's heap offset `o` is the canister's address `HEAP_BASE + o`, so
//! the canister's own scratch space (page 0) never overlaps the data under test.
//!
//! Every deliberate trap is the `unreachable` instruction, never `ic0.trap`: the replica
//! reports the former as IC0502 `CanisterTrapped`, the code of the model's TRAP, and the
//! latter as IC0503 `CanisterCalledTrap`.
//!
//! | method (kind) | argument | effect / reply |
//! |---|---|---|
//! | `write_heap` (update) | `u64le offset ‖ bytes` | grows memory as needed, copies bytes |
//! | `write_stable` (update) | `u64le offset ‖ bytes` | grows stable memory as needed, writes |
//! | `read_heap` (query) | `u64le offset ‖ u64le len` | replies with the bytes |
//! | `read_stable` (query) | `u64le offset ‖ u64le len` | replies with the bytes |
//! | `set_global` (update) | [`set_global_arg`]: `u32le index ‖ u8 type ‖ value le` | sets `g0` for (0, i32), `g1` for (1, i64); traps for any other pair |
//! | `read_globals` (query) | — | replies `g0` (4 bytes le) ‖ `g1` (8 bytes le) |
//! | `set_certified_data` (update) | bytes (≤ 32) | `ic0.certified_data_set` |
//! | `set_timer` (update) | `u64le time` (0 = inactive) | `ic0.global_timer_set`; replies the previous value (8 bytes le) |

use snapspec_model::Global;

/// Wasm address of the model's heap offset 0 (one Wasm page of scratch before it).
pub const HEAP_BASE: u64 = 65_536;

/// The canister's source.
pub const WAT: &str = r#"
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "global_timer_set" (func $global_timer_set (param i64) (result i64)))
  (memory $memory 1)
  (global $g0 (export "g0") (mut i32) (i32.const 0))
  (global $g1 (export "g1") (mut i64) (i64.const 0))

  ;; Copies the argument to scratch address 0 and returns its size (it must fit in page 0).
  (func $arg (result i32)
    (local $size i32)
    (local.set $size (call $arg_size))
    (if (i32.gt_u (local.get $size) (i32.const 59000)) (then (unreachable)))
    (call $arg_copy (i32.const 0) (i32.const 0) (local.get $size))
    (local.get $size))

  ;; Grows Wasm memory so that address `end` (exclusive) is inside it.
  (func $ensure_heap (param $end i64)
    (local $pages i64)
    (local.set $pages (i64.shr_u (i64.add (local.get $end) (i64.const 65535)) (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (i64.extend_i32_u (memory.size)))
      (then
        (if (i32.eq (memory.grow (i32.wrap_i64 (i64.sub (local.get $pages) (i64.extend_i32_u (memory.size))))) (i32.const -1))
          (then (unreachable))))))

  (func $ensure_stable (param $end i64)
    (local $pages i64)
    (local.set $pages (i64.shr_u (i64.add (local.get $end) (i64.const 65535)) (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (call $stable_size))
      (then
        (if (i64.eq (call $stable_grow (i64.sub (local.get $pages) (call $stable_size))) (i64.const -1))
          (then (unreachable))))))

  ;; Whether the argument of `set_global` names global `index` with value type `tag`.
  (func $names (param $index i32) (param $tag i32) (result i32)
    (i32.and
      (i32.eq (i32.load (i32.const 0)) (local.get $index))
      (i32.eq (i32.load8_u (i32.const 4)) (local.get $tag))))

  (func (export "canister_update write_heap")
    (local $len i32) (local $offset i64)
    (local.set $len (i32.sub (call $arg) (i32.const 8)))
    (local.set $offset (i64.add (i64.load (i32.const 0)) (i64.const 65536)))
    (call $ensure_heap (i64.add (local.get $offset) (i64.extend_i32_u (local.get $len))))
    (memory.copy (i32.wrap_i64 (local.get $offset)) (i32.const 8) (local.get $len))
    (call $reply))

  (func (export "canister_update write_stable")
    (local $len i32) (local $offset i64)
    (local.set $len (i32.sub (call $arg) (i32.const 8)))
    (local.set $offset (i64.load (i32.const 0)))
    (call $ensure_stable (i64.add (local.get $offset) (i64.extend_i32_u (local.get $len))))
    (call $stable_write (local.get $offset) (i64.const 8) (i64.extend_i32_u (local.get $len)))
    (call $reply))

  (func (export "canister_query read_heap")
    (drop (call $arg))
    (call $append (i32.wrap_i64 (i64.add (i64.load (i32.const 0)) (i64.const 65536))) (i32.wrap_i64 (i64.load (i32.const 8))))
    (call $reply))

  (func (export "canister_query read_stable")
    (drop (call $arg))
    (call $stable_read (i64.const 16) (i64.load (i32.const 0)) (i64.load (i32.const 8)))
    (call $append (i32.const 16) (i32.wrap_i64 (i64.load (i32.const 8))))
    (call $reply))

  ;; The model's module declares global 0 as i32 and global 1 as i64 (`globals()`), and its
  ;; TRAP rule lets a set through only for a declared index with the declared type.
  (func (export "canister_update set_global")
    (drop (call $arg))
    (if (call $names (i32.const 0) (i32.const 0x7f))
      (then (global.set $g0 (i32.load (i32.const 5))) (call $reply) (return)))
    (if (call $names (i32.const 1) (i32.const 0x7e))
      (then (global.set $g1 (i64.load (i32.const 5))) (call $reply) (return)))
    (unreachable))

  (func (export "canister_query read_globals")
    (i32.store (i32.const 0) (global.get $g0))
    (i64.store (i32.const 4) (global.get $g1))
    (call $append (i32.const 0) (i32.const 12))
    (call $reply))

  (func (export "canister_update set_certified_data")
    (call $certified_data_set (i32.const 0) (call $arg))
    (call $reply))

  (func (export "canister_update set_timer")
    (drop (call $arg))
    (i64.store (i32.const 8) (call $global_timer_set (i64.load (i32.const 0))))
    (call $append (i32.const 8) (i32.const 8))
    (call $reply))
)
"#;

/// The compiled module.
pub fn wasm() -> Vec<u8> {
    wat::parse_str(WAT).expect("the test canister's WAT is valid")
}

/// The globals the module exports, as the model declares them at install.
pub fn globals() -> Vec<Global> {
    vec![Global::I32(0), Global::I64(0)]
}

/// `set_global`'s argument. The value's Wasm type code goes along so that the canister can
/// trap on exactly the (index, type) pairs the model traps on, whatever the value's type.
pub fn set_global_arg(index: u32, value: &Global) -> Vec<u8> {
    let mut arg = index.to_le_bytes().to_vec();
    arg.push(value.value_type().wasm_code());
    arg.extend(value.value_le_bytes());
    arg
}

/// Update and query methods the module exports.
pub const METHODS: &[&str] = &[
    "canister_update write_heap",
    "canister_update write_stable",
    "canister_query read_heap",
    "canister_query read_stable",
    "canister_update set_global",
    "canister_query read_globals",
    "canister_update set_certified_data",
    "canister_update set_timer",
];

#[cfg(test)]
mod tests {
    use snapspec_model::generators::module;
    use snapspec_model::globals::GlobalType;
    use snapspec_model::{Call, CanisterId, Config, InstallMode, Model, Outcome, Principal, Reply};
    use wasmparser::{Parser, Payload, Validator};

    use super::*;
    use crate::sut::Observed;

    /// The pairs the WAT's `set_global` sets; every other pair reaches `unreachable`.
    const SETTABLE: [(u32, GlobalType); 2] = [(0, GlobalType::I32), (1, GlobalType::I64)];

    #[test]
    fn set_global_arg_is_index_then_type_code_then_value() {
        let mut expected = vec![1, 0, 0, 0, 0x7e];
        expected.extend((-2i64).to_le_bytes());
        assert_eq!(set_global_arg(1, &Global::I64(-2)), expected);
        let arg = set_global_arg(0x0102_0304, &Global::V128(u128::MAX));
        assert_eq!(arg.len(), 5 + 16);
        assert_eq!(arg[..5], [4, 3, 2, 1, 0x7b]);
        assert!(arg[5..].iter().all(|b| *b == 0xff));
        assert_eq!(set_global_arg(2, &Global::F64(0)).len(), 5 + 8);
    }

    fn model_with_module_0(owner: Principal) -> (Model, CanisterId) {
        let mut model = Model::new(Config::ic());
        let canister_id = match model.call(owner, Call::CreateCanister { controllers: None, cycles: 1 << 50 }) {
            Outcome::Reply(Reply::CanisterId(id)) => id,
            other => panic!("{other:?}"),
        };
        let (wasm_module, globals) = module(0);
        let mode = InstallMode::Install;
        let call = Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version: None };
        let installed = model.call(owner, call);
        assert!(matches!(installed, Outcome::Reply(_)), "{installed:?}");
        (model, canister_id)
    }

    /// Ties [`SETTABLE`] to the WAT: each pair is tested there with the model's own type code.
    #[test]
    fn the_canister_sets_exactly_the_settable_globals() {
        for (index, value_type) in SETTABLE {
            let test = format!("(call $names (i32.const {index}) (i32.const {:#x}))", value_type.wasm_code());
            assert!(WAT.contains(&test), "the WAT's set_global tests {test}");
        }
        assert_eq!(WAT.matches("(call $names").count(), SETTABLE.len(), "no other pair is set");
    }

    #[test]
    fn set_global_succeeds_and_traps_where_the_model_does_with_its_code() {
        let owner = Principal::from_slice(&[1; 29]);
        let (mut model, canister_id) = model_with_module_0(owner);
        for index in 0..=2 {
            for value in [Global::I32(1), Global::I64(1), Global::F32(1), Global::F64(1), Global::V128(1)] {
                let outcome = model.call(owner, Call::SetGlobal { canister_id, index, value });
                let settable = SETTABLE.contains(&(index, value.value_type()));
                match Observed::from_outcome(outcome) {
                    Observed::Reply { .. } => assert!(settable, "the model sets global {index} to {value:?}"),
                    // 502 is what the replica reports for `unreachable`.
                    Observed::Reject { code, .. } => {
                        assert!(!settable, "the model refuses global {index} := {value:?}");
                        assert_eq!(code, 502, "global {index} := {value:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_module_validates_and_never_calls_ic0_trap() {
        let bytes = wasm();
        Validator::new().validate_all(&bytes).expect("valid Wasm");
        for payload in Parser::new(0).parse_all(&bytes) {
            if let Payload::ImportSection(reader) = payload.expect("parses") {
                for import in reader {
                    let import = import.expect("import");
                    assert_eq!(import.module, "ic0");
                    assert_ne!(import.name, "trap", "ic0.trap is IC0503, the model's TRAP is IC0502");
                }
            }
        }
    }
}
