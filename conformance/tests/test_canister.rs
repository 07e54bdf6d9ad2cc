//! The PocketIC test canister's Wasm is valid and has the interface the adapter relies on:
//! it imports only `ic0` functions and exports exactly the documented methods and globals.

use snapspec::test_canister::{wasm, METHODS};
use wasmparser::{Parser, Payload, TypeRef, Validator};

#[test]
fn the_test_canister_is_valid_wasm_with_the_documented_interface() {
    let bytes = wasm();
    Validator::new().validate_all(&bytes).expect("valid Wasm");
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.expect("parses") {
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.expect("import");
                    assert!(matches!(import.ty, TypeRef::Func(_)), "only function imports");
                    imports.push((import.module.to_string(), import.name.to_string()));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    exports.push(export.expect("export").name.to_string());
                }
            }
            _ => {}
        }
    }
    assert!(imports.iter().all(|(module, _)| module == "ic0"), "{imports:?}");
    for needed in ["msg_arg_data_copy", "msg_reply", "stable64_write", "certified_data_set", "global_timer_set"] {
        assert!(imports.iter().any(|(_, name)| name == needed), "imports {needed}");
    }
    let mut expected: Vec<String> = METHODS.iter().map(|m| m.to_string()).collect();
    expected.extend(["g0".to_string(), "g1".to_string()]);
    exports.sort();
    expected.sort();
    assert_eq!(exports, expected);
}

#[test]
fn the_test_canister_declares_the_globals_the_model_installs() {
    assert_eq!(snapspec::test_canister::globals(), snapspec_model::generators::module(0).1);
}
