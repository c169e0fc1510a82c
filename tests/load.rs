//! Loading keys from files and environment variables.

use std::path::PathBuf;

use sealed_session::{Key, KeyError, LoadKeyError};

const TEXT: &str = "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA";
const SECRET_PART: &str = "cHBwcHBwcHBw";

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("load-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(name: &str, contents: &[u8], mode: u32) -> PathBuf {
    let path = dir().join(name);
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

fn assert_no_key_material(e: &LoadKeyError) {
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(SECRET_PART), "{shown}");
}

#[test]
fn from_file() {
    let want = Key::from_bytes([0x70; 32]);
    for (name, contents) in [
        ("plain.key", TEXT.to_string()),
        ("newline.key", format!("{TEXT}\n")),
        ("crlf.key", format!("\n  {TEXT}\r\n")),
    ] {
        let path = write(name, contents.as_bytes(), 0o600);
        assert!(Key::from_file(&path).unwrap() == want, "{name}");
    }
    let path = write("readonly.key", TEXT.as_bytes(), 0o400);
    assert!(Key::from_file(&path).unwrap() == want);

    let cases: &[(&str, &[u8], KeyError)] = &[
        ("empty.key", b"", KeyError::WrongPrefix),
        ("v4.key", b"k4.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA", KeyError::WrongPrefix),
        ("short.key", b"k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH", KeyError::WrongLength { bytes: 31 }),
        ("padded.key", b"k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA=", KeyError::BadEncoding),
        ("binary.key", b"k2.local.\xff\xfe", KeyError::BadEncoding),
        ("two.key", b"k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA\nk2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA", KeyError::BadEncoding),
        ("zero.key", b"k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", KeyError::AllZero),
    ];
    for (name, contents, want) in cases {
        let path = write(name, contents, 0o600);
        let e = Key::from_file(&path).unwrap_err();
        match &e {
            LoadKeyError::InvalidInFile { path: p, error } => {
                assert_eq!(p, &path, "{name}");
                assert_eq!(error, want, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&want.to_string()), "{msg}");
        assert_no_key_material(&e);
    }

    let big = write("big.key", &vec![b' '; 2000], 0o600);
    assert!(matches!(
        Key::from_file(&big),
        Err(LoadKeyError::FileTooLarge { .. })
    ));

    let missing = dir().join("does-not-exist.key");
    let e = Key::from_file(&missing).unwrap_err();
    assert!(
        matches!(&e, LoadKeyError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    );
    assert!(e.to_string().contains("does-not-exist.key"), "{e}");

    let e = Key::from_file(dir()).unwrap_err();
    assert!(matches!(e, LoadKeyError::Io { .. }), "{e:?}");
    assert!(e.to_string().ends_with("it is a directory"), "{e}");
}

#[cfg(unix)]
#[test]
fn from_file_refuses_group_or_world_access() {
    for mode in [0o640, 0o644, 0o604, 0o660, 0o606, 0o620, 0o602, 0o610] {
        let path = write(&format!("mode-{mode:o}.key"), TEXT.as_bytes(), mode);
        let e = Key::from_file(&path).unwrap_err();
        match &e {
            LoadKeyError::FileMode { path: p, mode: m } => {
                assert_eq!(p, &path);
                assert_eq!(m & 0o777, mode);
            }
            other => panic!("{mode:o}: {other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
        assert!(msg.contains(&format!("mode 0{mode:o}")), "{msg}");
        assert_no_key_material(&e);
    }
}

/// The only test in this binary touching the environment (tests run on
/// several threads; one test keeps set_var from racing a read).
#[test]
fn from_env() {
    let var = "SEALED_SESSION_LOAD_TEST_KEY";
    std::env::remove_var(var);
    let e = Key::from_env(var).unwrap_err();
    assert!(matches!(&e, LoadKeyError::EnvMissing { var: v } if v == var));
    assert!(e.to_string().contains(&format!("{var} is not set")), "{e}");

    std::env::set_var(var, format!("{TEXT}\n"));
    assert!(Key::from_env(var).unwrap() == Key::from_bytes([0x70; 32]));

    for (value, want) in [
        ("", KeyError::WrongPrefix),
        (
            "k2.lid.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE",
            KeyError::WrongPrefix,
        ),
        (
            "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH",
            KeyError::WrongLength { bytes: 31 },
        ),
        (
            "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH!",
            KeyError::BadEncoding,
        ),
        (
            "k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            KeyError::AllZero,
        ),
    ] {
        std::env::set_var(var, value);
        let e = Key::from_env(var).unwrap_err();
        assert!(
            matches!(&e, LoadKeyError::InvalidInEnv { var: v, error } if v == var && *error == want),
            "{value}: {e:?}"
        );
        assert!(e.to_string().contains(var), "{e}");
        assert_no_key_material(&e);
    }

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::env::set_var(var, std::ffi::OsStr::from_bytes(b"k2.local.\xff"));
        assert!(matches!(
            Key::from_env(var),
            Err(LoadKeyError::EnvNotUnicode { .. })
        ));
    }
    std::env::remove_var(var);
}
