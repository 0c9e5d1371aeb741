//! The program as an operator runs it: log formats and refusals with a message and a
//! non-zero exit.

use std::process::Command;

fn vitrine(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run vitrine")
}

fn data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("vt-cli-{}", uuid::Uuid::now_v7().simple()))
}

#[test]
fn json_logs_are_one_object_a_line() {
    let dir = data_dir();
    let out = vitrine(
        &["migrate", "--data", dir.to_str().unwrap()],
        &[("VITRINE_LOG_FORMAT", "json")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{l}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn jobs_list_refuses_an_unknown_state_by_name() {
    let dir = data_dir();
    let out = vitrine(
        &[
            "jobs",
            "list",
            "--state",
            "asleep",
            "--data",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("state"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
