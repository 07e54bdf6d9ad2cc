//! The test canister the PocketIC adapter installs: the model's execution effects as real
//! Wasm, written in WAT and compiled with the `wat` crate.
//!
//! Arguments are raw bytes, not candid, to keep the module small: offsets are 8-byte
//! little-endian. The model's heap offset `o` is the canister's address `HEAP_BASE + o`, so
//! the canister's own scratch space (page 0) never overlaps the data under test.
//!
//! | method (kind) | argument | effect / reply |
//! |---|---|---|
//! | `write_heap` (update) | `u64le offset ‖ bytes` | grows memory as needed, copies bytes |
//! | `write_stable` (update) | `u64le offset ‖ bytes` | grows stable memory as needed, writes |
//! | `read_heap` (query) | `u64le offset ‖ u64le len` | replies with the bytes |
//! | `read_stable` (query) | `u64le offset ‖ u64le len` | replies with the bytes |
//! | `set_global_i32` / `set_global_i64` (update) | `u32le index ‖ value le` | sets `g0` (i32) / `g1` (i64) |
//! | `read_globals` (query) | — | replies `g0` (4 bytes le) ‖ `g1` (8 bytes le) |
//! | `set_certified_data` (update) | bytes (≤ 32) | `ic0.certified_data_set` |
//! | `set_timer` (update) | `u64le time` (0 = inactive) | `ic0.global_timer_set`; replies the previous value (8 bytes le) |

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
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory $memory 1)
  (global $g0 (export "g0") (mut i32) (i32.const 0))
  (global $g1 (export "g1") (mut i64) (i64.const 0))
  (data (i32.const 60000) "grow failed")

  ;; Copies the argument to scratch address 0 and returns its size (it must fit in page 0).
  (func $arg (result i32)
    (local $size i32)
    (local.set $size (call $arg_size))
    (if (i32.gt_u (local.get $size) (i32.const 59000)) (then (call $trap (i32.const 60000) (i32.const 11))))
    (call $arg_copy (i32.const 0) (i32.const 0) (local.get $size))
    (local.get $size))

  ;; Grows Wasm memory so that address `end` (exclusive) is inside it.
  (func $ensure_heap (param $end i64)
    (local $pages i64)
    (local.set $pages (i64.shr_u (i64.add (local.get $end) (i64.const 65535)) (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (i64.extend_i32_u (memory.size)))
      (then
        (if (i32.eq (memory.grow (i32.wrap_i64 (i64.sub (local.get $pages) (i64.extend_i32_u (memory.size))))) (i32.const -1))
          (then (call $trap (i32.const 60000) (i32.const 11)))))))

  (func $ensure_stable (param $end i64)
    (local $pages i64)
    (local.set $pages (i64.shr_u (i64.add (local.get $end) (i64.const 65535)) (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (call $stable_size))
      (then
        (if (i64.eq (call $stable_grow (i64.sub (local.get $pages) (call $stable_size))) (i64.const -1))
          (then (call $trap (i32.const 60000) (i32.const 11)))))))

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

  (func (export "canister_update set_global_i32")
    (drop (call $arg))
    (global.set $g0 (i32.load (i32.const 4)))
    (call $reply))

  (func (export "canister_update set_global_i64")
    (drop (call $arg))
    (global.set $g1 (i64.load (i32.const 4)))
    (call $reply))

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
pub fn globals() -> Vec<snapspec_model::Global> {
    vec![snapspec_model::Global::I32(0), snapspec_model::Global::I64(0)]
}

/// Update and query methods the module exports.
pub const METHODS: &[&str] = &[
    "canister_update write_heap",
    "canister_update write_stable",
    "canister_query read_heap",
    "canister_query read_stable",
    "canister_update set_global_i32",
    "canister_update set_global_i64",
    "canister_query read_globals",
    "canister_update set_certified_data",
    "canister_update set_timer",
];
