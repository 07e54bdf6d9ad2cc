//! Faults an implementer could plausibly make, injected into the independent Python example,
//! must each be caught by a committed vector — in strict and, where it can see them, in spec
//! mode — while the example itself passes the same vector. Each of the first eight faults once
//! passed every vector, campaign and exploration (a fault-injection audit), and the vector named
//! beside it was added to catch it; the last two guard the `status_visibility` rules of
//! `ic-2026-08`, whose vectors were written with them.
//! Skipped, with a note, when `python3` is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One injected fault: a unique passage of the example and what replaces it.
struct Fault {
    name: &'static str,
    original: &'static str,
    faulty: &'static str,
    /// The suite file (under `vectors/suites`) and the vector that catches the fault.
    suite: &'static str,
    vector: &'static str,
    /// The modes that catch it (spec mode does not compare messages).
    modes: &'static [&'static str],
}

const BOTH: &[&str] = &["strict", "spec"];

const FAULTS: &[Fault] = &[
    Fault {
        name: "history over 20 entries drops the newest instead of the oldest",
        original: "            del self.history[0]",
        faulty: "            del self.history[-1]",
        suite: "ic/lifecycle.json",
        vector: "history/beyond-20-changes",
        modes: BOTH,
    },
    Fault {
        name: "allowed viewers de-duplicated and sorted",
        original: r#"        return ("allowed_viewers", as_principals(value["allowed_viewers"], "allowed_viewers"))"#,
        faulty: r#"        return ("allowed_viewers", sorted(set(as_principals(value["allowed_viewers"], "allowed_viewers")), key=principal_order))"#,
        suite: "ic/lifecycle.json",
        vector: "visibility/viewers-kept-as-given",
        modes: BOTH,
    },
    Fault {
        name: "the label limit counts characters, not UTF-8 bytes",
        original: r#"            length = len(label.encode("utf-8"))"#,
        faulty: "            length = len(label)",
        suite: "proposal-2024/lifecycle.json",
        vector: "labels/utf8-bytes-at-limit",
        modes: BOTH,
    },
    Fault {
        name: "the freezing threshold refuses a balance equal to it",
        original: "        if balance < threshold:\n            raise Rejected(532",
        faulty: "        if balance <= threshold:\n            raise Rejected(532",
        suite: "ic/clauses.json",
        vector: "take/boundary/TAKE.FREEZE",
        modes: BOTH,
    },
    Fault {
        name: "a load marks the target's memories flushed",
        original: "        target.code = snapshot.code.copy()\n",
        faulty: "        target.code = snapshot.code.copy()\n        target.code.heap.unflushed = target.code.stable.unflushed = False\n",
        suite: "ic/lifecycle.json",
        vector: "cross-load/unflushed-carried-by-load",
        modes: BOTH,
    },
    Fault {
        name: "uninstall_code keeps the global timer",
        original: "        canister.timer = None\n        canister.version += 1\n        canister.record(self.now, origin, \"code_uninstall\")",
        faulty: "        canister.version += 1\n        canister.record(self.now, origin, \"code_uninstall\")",
        suite: "ic/lifecycle.json",
        vector: "timer/cleared-by-uninstall",
        modes: BOTH,
    },
    Fault {
        name: "an empty write marks the memory unflushed",
        original: "        if data:\n            self.unflushed = True",
        faulty: "        self.unflushed = True",
        suite: "ic/lifecycle.json",
        vector: "cross-load/empty-write-stays-flushed",
        modes: BOTH,
    },
    Fault {
        name: "a derived id (last byte 0x03) taken for a canister: odd last byte instead of 0x01",
        original: "    return len(raw) > 0 and raw[-1] == 0x01",
        faulty: "    return len(raw) > 0 and raw[-1] & 1 == 1",
        suite: "ic/permissions.json",
        vector: "take/derived-id/vis-controllers",
        // Filtered as a user or refused as a canister, the code is IC0512: only the message
        // (the ingress filter's, or the execution path's) tells them apart.
        modes: &["strict"],
    },
    Fault {
        name: "the status visibility is stored but ignored: strangers are refused even when it is `public`",
        original: "            if not visible(canister.status_visibility, caller, always):",
        faulty: r#"            if not visible(("controllers",), caller, always):"#,
        suite: "ic-2026-08/clauses.json",
        vector: "status/effect/public",
        modes: BOTH,
    },
    Fault {
        name: "the ingress filter refuses a stranger's canister_status with IC0512 despite status_visibility",
        original: "            return  # the filter applies the setting as the method does",
        faulty: "            pass  # the filter applies the setting as the method does",
        suite: "ic-2026-08/clauses.json",
        vector: "status/violate/STATUS.VIS.CONTROLLERS",
        modes: BOTH,
    },
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate sits in the workspace").to_path_buf()
}

fn python_available() -> bool {
    let found = Command::new("python3").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    let found = found.is_ok_and(|status| status.success());
    if !found {
        eprintln!("note: python3 is not installed; skipping the injected-fault test");
    }
    found
}

/// `snapspec replay` of one vector against `program`: whether it conformed, and its output.
fn replay(program: &Path, fault: &Fault, mode: &str) -> (bool, String) {
    let suite = workspace().join("vectors/suites").join(fault.suite);
    let sut = format!("python3 '{}'", program.display());
    let output = Command::new(env!("CARGO_BIN_EXE_snapspec"))
        .args(["replay"])
        .arg(&suite)
        .args(["--id", fault.vector, "--sut", &sut, "--mode", mode, "--quiet"])
        .output()
        .expect("snapspec runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn with_fault(example: &str, fault: &Fault) -> PathBuf {
    assert_eq!(example.matches(fault.original).count(), 1, "`{}`: the passage must occur once", fault.name);
    let program =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("faulty_{}.py", fault.vector.replace('/', "_")));
    std::fs::write(&program, example.replacen(fault.original, fault.faulty, 1)).expect("writes the faulty copy");
    program
}

#[test]
fn every_injected_fault_is_caught_by_its_vector_which_the_example_passes() {
    if !python_available() {
        return;
    }
    let example_path = workspace().join("examples/python/snapspec_example.py");
    let example = std::fs::read_to_string(&example_path).expect("the example exists");
    for fault in FAULTS {
        let program = with_fault(&example, fault);
        for &mode in fault.modes {
            let (passed, output) = replay(&example_path, fault, mode);
            assert!(passed, "the example fails {} in {mode} mode:\n{output}", fault.vector);
            let (passed, output) = replay(&program, fault, mode);
            assert!(!passed, "`{}` passes {} in {mode} mode:\n{output}", fault.name, fault.vector);
            assert!(
                output.contains(fault.vector),
                "`{}`: the divergence names {}:\n{output}",
                fault.name,
                fault.vector
            );
        }
    }
}
