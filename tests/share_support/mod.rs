//! What the shared-incident tests share: a laptop (a folder with its own sitrep.toml, running the
//! real binary) and a local S3-compatible server (`moto_server`, from the `moto` package on PyPI,
//! which `.ci/run` installs). Under `CI=true` a missing `moto_server` fails the test; elsewhere
//! the S3 tests say they did not run.
// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Credentials for the local S3 server (it accepts any).
pub const S3_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "sitrep-test"),
    ("AWS_SECRET_ACCESS_KEY", "sitrep-test-secret"),
    ("AWS_REGION", "us-east-1"),
];

/// A responder's machine: its own folder and config, the same store as the team.
pub struct Laptop {
    pub dir: tempfile::TempDir,
    pub name: String,
}

impl Laptop {
    /// A laptop whose config shares through `url` (and an S3 `endpoint`, when given).
    pub fn new(name: &str, url: &str, endpoint: Option<&str>) -> Laptop {
        let dir = tempfile::tempdir().expect("a temp dir");
        let endpoint = endpoint.map_or(String::new(), |e| format!("endpoint = \"{e}\"\n"));
        std::fs::write(
            dir.path().join("sitrep.toml"),
            format!(
                "[incident]\ntitle = \"Payments API errors\"\ndir = \"incidents\"\n\n[share]\nurl = \"{url}\"\n{endpoint}poll = \"200ms\"\n"
            ),
        )
        .expect("write the config");
        Laptop {
            dir,
            name: name.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `sitrep ARGS` here as this laptop's responder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Like `run`, with environment changes after the test credentials: `(name, Some(value))`
    /// sets, `(name, None)` removes.
    pub fn run_env(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
        cmd.args(args)
            .current_dir(self.path())
            .env("USER", &self.name)
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null());
        for (k, v) in S3_ENV {
            cmd.env(k, v);
        }
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.output().expect("run sitrep")
    }

    /// Runs and checks it succeeded; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{} `sitrep {}` failed: {}\n{}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The incident timelines (replicas) in this laptop's folder.
    pub fn timelines(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.path().join("incidents"))
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

/// A local S3-compatible server on 127.0.0.1.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts `moto_server` on a free port and waits until it answers. `None` (said on stderr)
    /// when it is not installed and this is not CI.
    pub fn start() -> Option<Moto> {
        let found = Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "moto_server is not installed: CI must run the S3 tests (.ci/run installs moto[server] from PyPI)"
            );
            eprintln!(
                "SKIPPED: moto_server is not installed (pip install 'moto[server]'); the S3 tests did not run"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto { child, port };
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not answer on 127.0.0.1:{port} within 30 s");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes a bucket (moto takes an unsigned request).
    pub fn bucket(&self, name: &str) {
        use std::io::{Read as _, Write as _};
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            conn,
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("send");
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "creating bucket {name}: {answer}"
        );
    }

    /// Freezes the server (SIGSTOP): requests hang as on a dead network.
    pub fn freeze(&self) {
        signal(self.child.id(), "-STOP");
    }

    /// Lets it answer again (SIGCONT).
    pub fn thaw(&self) {
        signal(self.child.id(), "-CONT");
    }
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.thaw();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
