//! The built `sealed-session` binary, run for each command and each error
//! path, checking stdout, stderr and the exit status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};

use sealed_session::{Error, Key, KeyRing, Policy, Timestamp};

const BIN: &str = env!("CARGO_BIN_EXE_sealed-session");
const KEY_ENV: &str = "SEALED_SESSION_KEY";

/// A fresh directory for one test.
fn dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove(KEY_ENV)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        status: status.code().expect("exited normally"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn run(args: &[&str]) -> Run {
    run_with(args, &[], None)
}

/// A key file with mode 0600 holding `key`.
fn key_file(dir: &Path, name: &str, key: &Key) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n", key.to_paserk().expose_secret())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// No output of `r` contains the secret part of `key`.
fn assert_no_key(r: &Run, key: &Key) {
    let paserk = key.to_paserk();
    let secret = &paserk.expose_secret()["k2.local.".len()..];
    assert!(!r.stdout.contains(secret), "key on stdout: {}", r.stdout);
    assert!(!r.stderr.contains(secret), "key on stderr: {}", r.stderr);
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn keygen_prints_a_fresh_key() {
    let a = run(&["keygen"]);
    let b = run(&["keygen"]);
    assert_eq!((a.status, b.status), (0, 0));
    assert_eq!(a.stderr, "");
    let (ka, kb) = (a.stdout.trim(), b.stdout.trim());
    assert!(ka.starts_with("k2.local.") && ka.len() == 52, "{ka}");
    assert_eq!(a.stdout, format!("{ka}\n"));
    assert!(Key::from_paserk(ka).unwrap() != Key::from_paserk(kb).unwrap());
}

#[test]
fn keygen_out_writes_a_0600_file_and_never_overwrites() {
    let d = dir("keygen_out");
    let path = d.join("session.key");
    let r = run(&["keygen", "--out", s(&path)]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "the key is in the file, not on stdout");
    let key = Key::from_file(&path).unwrap();
    assert!(r.stderr.contains(key.id().as_str()), "{}", r.stderr);
    assert_no_key(&r, &key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&path).unwrap();
    let again = run(&["keygen", "--out", s(&path)]);
    assert_eq!(again.status, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(again.stdout, "");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let r = run(&["keygen", "--out", s(&d.join("no-such-dir/x.key"))]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("cannot create key file"), "{}", r.stderr);
}

#[test]
fn id_from_file_and_env() {
    let d = dir("id");
    let key = Key::from_bytes([0x70; 32]);
    let want = format!("{}\n", key.id());
    let path = key_file(&d, "k", &key);

    let r = run(&["id", "--key-file", s(&path)]);
    assert_eq!(
        (r.status, r.stdout.as_str(), r.stderr.as_str()),
        (0, want.as_str(), "")
    );

    let paserk = key.to_paserk();
    let r = run_with(&["id"], &[(KEY_ENV, paserk.expose_secret())], None);
    assert_eq!((r.status, r.stdout.as_str()), (0, want.as_str()));
    let r = run_with(
        &["id", "--key-env", "OTHER_KEY"],
        &[("OTHER_KEY", paserk.expose_secret())],
        None,
    );
    assert_eq!((r.status, r.stdout.as_str()), (0, want.as_str()));
    assert_no_key(&r, &key);
}

#[test]
fn key_loading_errors_say_what_is_wrong_and_never_print_the_key() {
    let d = dir("key_errors");
    let key = Key::from_bytes([0x70; 32]);

    let r = run(&["id"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("SEALED_SESSION_KEY is not set"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--key-file"), "{}", r.stderr);

    let r = run(&["id", "--key-file", s(&d.join("missing.key"))]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("cannot read key file"), "{}", r.stderr);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = key_file(&d, "open.key", &key);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        for args in [
            vec!["id", "--key-file", s(&path)],
            vec!["seal", "--user", "1", "--ttl", "1h", "--key-file", s(&path)],
            vec!["open", "--key-file", s(&path), "v2.local.x"],
        ] {
            let r = run(&args);
            assert_eq!(r.status, 1, "{args:?}");
            assert!(
                r.stderr.contains(&format!("chmod 600 {}", s(&path))),
                "{}",
                r.stderr
            );
            assert_no_key(&r, &key);
        }
    }

    let wrong = [
        (
            "k4.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA",
            "wrong prefix",
        ),
        (
            "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH",
            "wrong length",
        ),
        (
            "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH!",
            "bad encoding",
        ),
        (
            "k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "all zero",
        ),
    ];
    for (value, what) in wrong {
        let r = run_with(&["id"], &[(KEY_ENV, value)], None);
        assert_eq!(r.status, 1, "{value}");
        assert!(r.stderr.contains(what), "{what}: {}", r.stderr);
        assert!(!r.stderr.contains("cHBwcHBw"), "{}", r.stderr);
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn seal_makes_a_token_the_library_opens() {
    let d = dir("seal");
    let key = Key::from_bytes([0x42; 32]);
    let path = key_file(&d, "k", &key);
    let before = Timestamp::now().unix_seconds();
    let r = run(&[
        "seal",
        "--user",
        "12234",
        "--ttl",
        "15m",
        "--key-file",
        s(&path),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_no_key(&r, &key);
    let token = r.stdout.strip_suffix('\n').unwrap();
    assert!(!token.contains('\n'));

    let claims = key.open(token).unwrap();
    assert_eq!(claims.user_id(), "12234");
    let iat = claims.issued_at().unwrap();
    assert!(iat.unix_seconds() >= before);
    assert_eq!(claims.expires_at().unix_seconds() - iat.unix_seconds(), 900);
    // Sealed through a ring: the footer names the key.
    let ring = KeyRing::new(key.clone());
    assert!(token.ends_with(&format!(
        ".{}",
        Base64UrlUnpadded::encode_string(ring.footer())
    )));
    assert_eq!(
        KeyRing::new(Key::from_bytes([1; 32])).open(token),
        Err(Error::UnknownKey)
    );

    // Up to 400 days (a browser's cookie Max-Age cap) is accepted.
    for (ttl, secs) in [
        ("30s", 30),
        ("1h", 3600),
        ("7d", 604_800),
        ("400d", 34_560_000),
        ("34560000s", 34_560_000),
    ] {
        let r = run(&["seal", "--user", "u", "--ttl", ttl, "--key-file", s(&path)]);
        assert_eq!(r.status, 0, "{ttl}: {}", r.stderr);
        let c = key.open(r.stdout.trim()).unwrap();
        assert_eq!(
            c.expires_at().unix_seconds() - c.issued_at().unwrap().unix_seconds(),
            secs
        );
    }
}

#[test]
fn seal_aud_binds_the_audience() {
    let d = dir("seal_aud");
    let key = Key::from_bytes([0x43; 32]);
    let path = key_file(&d, "k", &key);
    let r = run(&[
        "seal",
        "--user",
        "7",
        "--ttl",
        "1h",
        "--aud",
        "admin.example",
        "--key-file",
        s(&path),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let token = r.stdout.trim();
    let now = Timestamp::now();
    let aud =
        |a: &str| Policy::new(Duration::from_secs(60), Duration::from_secs(60)).with_audience(a);
    assert_eq!(
        aud("admin.example")
            .open(&key, token, now)
            .unwrap()
            .user_id(),
        "7"
    );
    assert_eq!(
        aud("shop.example").open(&key, token, now),
        Err(Error::WrongAudience)
    );
    assert_eq!(key.open(token), Err(Error::WrongAudience));
}

#[test]
fn seal_usage_errors() {
    let d = dir("seal_usage");
    let path = key_file(&d, "k", &Key::from_bytes([0x44; 32]));
    for ttl in [
        "0s",
        "10",
        "1x",
        "1.5h",
        "-1h",
        "h",
        "1 h",
        "99999999999999999999d",
        "100000d",
        "401d",
        "9601h",
        "34560001s",
    ] {
        let r = run(&["seal", "--user", "1", "--ttl", ttl, "--key-file", s(&path)]);
        assert_eq!(r.status, 2, "{ttl}");
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains("--ttl"), "{ttl}: {}", r.stderr);
    }
    let r = run(&[
        "seal",
        "--user",
        "1",
        "--ttl",
        "401d",
        "--key-file",
        s(&path),
    ]);
    assert!(
        r.stderr.contains("`401d` is longer than 400d"),
        "{}",
        r.stderr
    );
    let r = run(&["seal", "--ttl", "1h", "--key-file", s(&path)]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("--user"), "{}", r.stderr);
    let r = run(&["seal", "--user", "", "--ttl", "1h", "--key-file", s(&path)]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("user id is empty"), "{}", r.stderr);
    let r = run(&["frobnicate"]);
    assert_eq!(r.status, 2);
}

/// A key file, the key, and a token sealed by it (no audience) at `now`.
fn sealed(d: &Path, byte: u8, now: Timestamp, ttl: u64) -> (PathBuf, Key, String) {
    let key = Key::from_bytes([byte; 32]);
    let path = key_file(d, &format!("k{byte}"), &key);
    let token = KeyRing::new(key.clone())
        .seal_at("12234", Duration::from_secs(ttl), now)
        .unwrap();
    (path, key, token)
}

#[test]
fn open_prints_the_claims_as_json() {
    let d = dir("open_ok");
    let now = ts("2030-01-01T00:00:00Z");
    let (path, key, token) = sealed(&d, 0x50, now, 3600);
    let r = run(&[
        "open",
        "--key-file",
        s(&path),
        "--at",
        "2030-01-01T00:30:00Z",
        &token,
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_no_key(&r, &key);
    assert!(r.stdout.ends_with('\n') && r.stdout.lines().count() == 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["sub"], "12234");
    assert_eq!(v["exp"], "2030-01-01T01:00:00Z");
    assert_eq!(v["iat"], "2030-01-01T00:00:00Z");
    assert_eq!(v["jti"].as_str().unwrap().len(), 22);
    assert!(v.get("aud").is_none() && v.get("nbf").is_none() && v.get("sst").is_none());
    assert!(
        r.stdout.starts_with("{\"sub\":\"12234\",\"exp\":"),
        "{}",
        r.stdout
    );

    // From stdin, with surrounding whitespace.
    let r = run_with(
        &[
            "open",
            "--key-file",
            s(&path),
            "--at",
            "2030-01-01T00:30:00Z",
            "-",
        ],
        &[],
        Some(&format!("  {token}\n")),
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap()["sub"],
        "12234"
    );

    // With the key in the environment.
    let paserk = key.to_paserk();
    let r = run_with(
        &["open", "--at", "2030-01-01T00:30:00Z", &token],
        &[(KEY_ENV, paserk.expose_secret())],
        None,
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
}

#[test]
fn open_audience_custom_claims_and_several_keys() {
    let d = dir("open_more");
    let now = ts("2030-01-01T00:00:00Z");
    let old = Key::from_bytes([0x61; 32]);
    let new = Key::from_bytes([0x62; 32]);
    let (old_path, new_path) = (key_file(&d, "old", &old), key_file(&d, "new", &new));
    #[derive(serde::Serialize)]
    struct Prefs {
        theme: &'static str,
    }
    let policy =
        Policy::new(Duration::from_secs(600), Duration::from_secs(600)).with_audience("shop");
    let token = policy
        .new_session("9")
        .custom(&Prefs { theme: "dark" })
        .seal(&KeyRing::new(old.clone()), now)
        .unwrap();
    let at = "2030-01-01T00:01:00Z";

    let r = run(&[
        "open",
        "--key-file",
        s(&new_path),
        "--key-file",
        s(&old_path),
        "--aud",
        "shop",
        "--at",
        at,
        &token,
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["sub"].as_str(), v["aud"].as_str(), v["theme"].as_str()),
        (Some("9"), Some("shop"), Some("dark"))
    );

    let r = run(&["open", "--key-file", s(&old_path), "--at", at, &token]);
    assert_eq!(r.status, 8, "wrong audience: {}", r.stderr);
    assert!(r.stderr.contains("--aud"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn open_error_statuses() {
    let d = dir("open_errors");
    let now = ts("2030-01-01T00:00:00Z");
    let (path, key, token) = sealed(&d, 0x70, now, 3600);
    let open_at = |t: &str, at: &str| run(&["open", "--key-file", s(&path), "--at", at, t]);
    let during = "2030-01-01T00:30:00Z";

    // Malformed: 3.
    for bad in [
        "",
        "v4.local.AAAA",
        "v2.local.",
        "v2.local.AAAA",
        "v2.local.!!!!",
        &format!("{token}.x"),
        &"A".repeat(5000),
    ] {
        let r = open_at(bad, during);
        assert_eq!(r.status, 3, "{bad:.40}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.starts_with("sealed-session: token refused:"),
            "{}",
            r.stderr
        );
    }
    // A footer that is not a kid footer is malformed too.
    let plain_footer = sealed_session::format::seal(&key, b"{}", b"hello").unwrap();
    assert_eq!(open_at(&plain_footer, during).status, 3);

    // Unauthenticated: 4 (a flipped byte; a footer-less token of another key).
    let mut flipped = token.clone().into_bytes();
    let i = "v2.local.".len() + 30;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    let r = open_at(std::str::from_utf8(&flipped).unwrap(), during);
    assert_eq!(r.status, 4, "{}", r.stderr);
    assert!(r.stderr.contains("did not authenticate"), "{}", r.stderr);
    let other = Key::from_bytes([0x71; 32])
        .seal_at("1", Duration::from_secs(3600), now)
        .unwrap();
    assert_eq!(open_at(&other, during).status, 4);

    // Expired: 5, at exp and after.
    for at in ["2030-01-01T01:00:00Z", "2031-01-01T00:00:00Z"] {
        let r = open_at(&token, at);
        assert_eq!(r.status, 5, "{at}");
        assert!(r.stderr.contains("expired"), "{}", r.stderr);
    }
    // ... unless within the leeway.
    let r = run(&[
        "open",
        "--key-file",
        s(&path),
        "--at",
        "2030-01-01T01:00:10Z",
        "--leeway",
        "30s",
        &token,
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);

    // Unknown key: 6.
    let stranger = KeyRing::new(Key::from_bytes([0x72; 32]))
        .seal_at("1", Duration::from_secs(3600), now)
        .unwrap();
    let r = open_at(&stranger, during);
    assert_eq!(r.status, 6, "{}", r.stderr);
    assert!(r.stderr.contains("not in the key ring"), "{}", r.stderr);

    // Not yet valid: 7.
    let later = KeyRing::new(key.clone());
    let nbf_token = Policy::new(Duration::from_secs(3600), Duration::from_secs(3600))
        .new_session("1")
        .not_before(ts("2030-01-01T00:10:00Z"))
        .seal(&later, now)
        .unwrap();
    assert_eq!(open_at(&nbf_token, "2030-01-01T00:05:00Z").status, 7);
    assert_eq!(open_at(&nbf_token, "2030-01-01T00:10:00Z").status, 0);

    // Bad --at / missing token: usage.
    assert_eq!(open_at(&token, "yesterday").status, 2);
    assert_eq!(run(&["open", "--key-file", s(&path)]).status, 2);

    // Stdin that is not a token.
    let r = run_with(
        &["open", "--key-file", s(&path), "-"],
        &[],
        Some("\u{0}\u{1}garbage"),
    );
    assert_eq!(r.status, 3);
}

#[test]
fn inspect_needs_no_key_and_labels_everything_untrusted() {
    let d = dir("inspect");
    let now = ts("2030-01-01T00:00:00Z");
    let (_path, key, token) = sealed(&d, 0x80, now, 3600);
    let r = run(&["inspect", &token]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_no_key(&r, &key);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines.iter().all(|l| l.starts_with("untrusted")),
        "{lines:?}"
    );
    assert!(
        r.stdout.contains("untrusted header:  v2.local.\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("untrusted length:  {} bytes", token.len())),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("untrusted kid:     {}\n", key.id())),
        "{}",
        r.stdout
    );
    // The user id is encrypted: not shown.
    assert!(!r.stdout.contains("12234"));

    // From stdin; a token without a footer.
    let bare = key.seal_at("1", Duration::from_secs(60), now).unwrap();
    let r = run_with(&["inspect", "-"], &[], Some(&format!("{bare}\n")));
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("untrusted footer:  none"), "{}", r.stdout);
    assert!(r.stdout.contains("untrusted kid:     none"), "{}", r.stdout);

    // A hostile footer: control characters are escaped, the kid is refused.
    let evil = sealed_session::format::seal(&key, b"{}", b"{\"kid\":\"\x1b[31mred\"}").unwrap();
    let r = run(&["inspect", &evil]);
    assert_eq!(r.status, 0);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("\\u{1b}[31mred"), "{}", r.stdout);
    assert!(r.stdout.contains("untrusted kid:     none"), "{}", r.stdout);
    let evil = sealed_session::format::seal(&key, b"{}", b"{\"kid\":\"\\u001b[31mred\"}").unwrap();
    let r = run(&["inspect", &evil]);
    assert_eq!(r.status, 0);
    assert!(
        r.stdout
            .contains("untrusted kid:     present, but not a k2.lid. key id"),
        "{}",
        r.stdout
    );

    // Malformed: 3, with what could be read.
    let r = run(&["inspect", "v4.local.AAAA"]);
    assert_eq!(r.status, 3);
    assert!(
        r.stdout.contains("untrusted header:  v4.local."),
        "{}",
        r.stdout
    );
    // The reason, said once.
    assert_eq!(
        r.stderr,
        "sealed-session: malformed token: header is not `v2.local.`\n"
    );
    let r = run(&["inspect", "v2.local.AAAA"]);
    assert_eq!(r.status, 3);
    assert_eq!(
        r.stderr,
        "sealed-session: malformed token: body shorter than nonce and tag\n"
    );
    let r = run(&["inspect", "garbage"]);
    assert_eq!(r.status, 3);
    assert_eq!(
        r.stderr.matches("malformed token").count(),
        1,
        "{}",
        r.stderr
    );
    let r = run(&["inspect", "\u{1b}]0;title\u{7}"]);
    assert_eq!(r.status, 3);
    assert!(
        r.stdout.contains("untrusted header:  (unrecognised)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn help_has_an_example_for_every_command() {
    let top = run(&["--help"]);
    assert_eq!(top.status, 0);
    assert!(top.stdout.contains("Exit statuses:"), "{}", top.stdout);
    for status in [
        "3  malformed",
        "4  unauthenticated",
        "5  expired",
        "6  unknown key",
    ] {
        assert!(top.stdout.contains(status), "{status}");
    }
    for cmd in ["keygen", "id", "seal", "open", "inspect"] {
        let r = run(&[cmd, "--help"]);
        assert_eq!(r.status, 0, "{cmd}");
        assert!(r.stdout.contains("Examples:"), "{cmd}: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("sealed-session {cmd}")),
            "{cmd}: {}",
            r.stdout
        );
        assert!(top.stdout.contains(cmd), "{cmd}");
    }
    let r = run(&["help", "seal"]);
    assert_eq!(r.status, 0);
    assert!(r.stdout.contains("30s, 15m, 1h, 7d"), "{}", r.stdout);
    let r = run(&[]);
    assert_eq!(r.status, 2);
}

/// `keygen --help` suggests only ways that give a file `--key-file` accepts:
/// `--out`, or a redirect under `umask 077`. The redirect line is run as
/// printed (through `sh`), and the file it makes is used by the next command.
#[cfg(unix)]
#[test]
fn keygen_help_suggests_only_private_key_files() {
    let help = run(&["keygen", "--help"]).stdout;
    let examples: Vec<&str> = help
        .lines()
        .filter(|l| l.trim_start().starts_with("sealed-session keygen") || l.contains("umask"))
        .collect();
    assert_eq!(examples.len(), 2, "{help}");
    for line in &examples {
        assert!(
            line.contains("--out") || line.contains("(umask 077; "),
            "a key file made this way may be readable by others: {line}"
        );
    }
    let redirect = examples
        .iter()
        .find(|l| l.contains("umask"))
        .expect("a redirect example");
    let command = redirect.split('#').next().unwrap().trim();
    assert_eq!(command, "(umask 077; sealed-session keygen > session.key)");

    let d = dir("keygen_help");
    let sh = |script: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(&d)
            .env_remove(KEY_ENV)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {out:?}");
    };
    // As printed, under the usual umask 022.
    sh(&format!(
        "umask 022; {}",
        command.replace("sealed-session", &format!("'{BIN}'"))
    ));
    let key = d.join("session.key");
    let r = run(&["id", "--key-file", s(&key)]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("k2.lid."), "{}", r.stdout);
    // The plain redirect the help used to suggest is refused: 0644.
    sh(&format!("umask 022; '{BIN}' keygen > plain.key"));
    let r = run(&["id", "--key-file", s(&d.join("plain.key"))]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
}
