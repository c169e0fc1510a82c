//! The demo binary as a user starts it: what it prints, and what it says
//! when its port is taken.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sealed-session-demo");

/// The demo with a fresh database and a generated key.
fn demo(test: &str, env: &[(&str, &str)]) -> Child {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo-startup");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("{test}.sqlite3"));
    let _ = std::fs::remove_file(&db);
    let mut cmd = Command::new(BIN);
    cmd.env("DEMO_DB", &db)
        .env_remove("DEMO_KEY_DIR")
        .env_remove("SEALED_SESSION_KEY")
        .env_remove("SEALED_SESSION_KEY_FILE")
        .env_remove("DEMO_COOKIE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Kills the demo (started by this test) when the test ends, even by a panic.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_taken_port_is_named_with_demo_port() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = Running(demo(
        "taken",
        &[("DEMO_PORT", &port.to_string()), ("DEMO_NODES", "1")],
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the demo did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port}: port {port} is already in use"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("set DEMO_PORT to another first port"),
        "{stderr}"
    );
    drop(taken);
}

#[test]
fn prints_the_walk_across_three_nodes() {
    let mut child = Running(demo("walk", &[("DEMO_PORT", "0"), ("DEMO_NODES", "3")]));
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{e}; printed so far: {lines:#?}"));
        let done = line.contains("press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    let nodes: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            l.split_once(" listening on http://")
                .map(|(_, a)| a.to_string())
        })
        .collect();
    assert_eq!(nodes.len(), 3, "{lines:#?}");
    let curls: Vec<&String> = lines.iter().filter(|l| l.contains("curl ")).collect();
    assert_eq!(curls.len(), 4, "{lines:#?}");
    let step = |i: usize, node: usize, path: &str| {
        assert!(
            curls[i].contains(&format!("http://{}{path}", nodes[node])),
            "step {i} on node-{}: {}",
            node + 1,
            curls[i]
        );
    };
    step(0, 0, "/login");
    step(1, 1, "/me");
    step(2, 2, "/logout-everywhere");
    step(3, 0, "/me");
    assert!(curls[0].contains("-c jar") && curls[1..].iter().all(|c| c.contains("-b jar")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/me may still answer 200 for up to one cache TTL (5 s)")),
        "{lines:#?}"
    );
}
