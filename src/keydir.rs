//! A key ring from a directory (feature `std`): what a Kubernetes Secret
//! mount or a secret manager's agent writes, reloaded without a restart.
//!
//! # Layout
//! ```text
//! <dir>/current           the key that seals (a `k2.local.` PASERK)
//! <dir>/retired/<any>     keys that still open, one per file (optional)
//! <dir>/retired-<any>     the same, for mounts that cannot hold folders
//! ```
//! Names starting with `.` are ignored (a Kubernetes volume keeps its
//! timestamped copies in `..data` and `..2026_…` entries). Every file is
//! read as [`Key::from_file`] reads it: readable by its owner only on unix
//! (for a Kubernetes Secret, set `defaultMode: 0400`), at most 1024 bytes,
//! never an all-zero key. The same key listed twice counts once.
//!
//! # Rotation
//! Stage: write the new key as `retired/next` on every node. Promote:
//! write it to `current` and the old key to `retired/prev`. Drop: delete
//! `retired/prev` once its sessions have expired. Each step is a file
//! write, picked up by [`crate::web::Sessions::reload_keys`] (e.g. from a
//! `SIGHUP` handler) or by [`crate::web::Sessions::watch_keys`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::vec::Vec;

use crate::key::Key;
use crate::keyring::KeyRing;
use crate::load::LoadKeyError;

/// The file in a key directory that holds the current key.
pub const CURRENT_FILE: &str = "current";
/// The folder (and the file name prefix) for retired keys.
pub const RETIRED: &str = "retired";

/// The most retired key files a directory may hold; more is an error
/// rather than an unbounded read.
pub const MAX_RETIRED_FILES: usize = 64;

impl KeyRing {
    /// Load a key ring from a directory: `current` seals, every file under
    /// `retired/` and every top-level file named `retired*` opens (see
    /// the [module docs](crate::keydir) for the layout and the rotation
    /// steps).
    ///
    /// # Errors
    /// The first bad file, as a [`LoadKeyError`] naming the file (never the
    /// key): missing `current`, a file readable by group or others, too
    /// large, not a key, all zeros; or [`LoadKeyError::Io`] when a folder
    /// cannot be listed or holds more than [`MAX_RETIRED_FILES`] keys.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// # #[cfg(unix)] {
    /// use std::os::unix::fs::OpenOptionsExt;
    /// let dir = std::env::temp_dir().join(format!("keydir-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join("retired"))?;
    /// let write = |name: &str, key: &Key| -> std::io::Result<()> {
    ///     let mut f = std::fs::OpenOptions::new()
    ///         .write(true).create(true).truncate(true).mode(0o600)
    ///         .open(dir.join(name))?;
    ///     std::io::Write::write_all(&mut f, key.to_paserk().expose_secret().as_bytes())
    /// };
    /// let (new, old) = (Key::generate(), Key::generate());
    /// write("current", &new)?;
    /// write("retired/prev", &old)?;
    /// let ring = KeyRing::from_dir(&dir)?;
    /// assert_eq!(ring.current_id(), new.id());
    /// assert!(ring.contains(&old.id()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<KeyRing, LoadKeyError> {
        let dir = dir.as_ref();
        let mut ring = KeyRing::new(Key::from_file(dir.join(CURRENT_FILE))?);
        for path in retired_files(dir)? {
            ring.add_retired(Key::from_file(&path)?);
        }
        Ok(ring)
    }
}

/// The retired key files of `dir`, sorted (so errors are reproducible).
fn retired_files(dir: &Path) -> Result<Vec<PathBuf>, LoadKeyError> {
    let mut files = Vec::new();
    list(dir, |name| name.starts_with(RETIRED), &mut files)?;
    let sub = dir.join(RETIRED);
    // `retired` itself may be a folder (listed below) or absent.
    files.retain(|p| p != &sub);
    match fs::metadata(&sub) {
        Ok(meta) if meta.is_dir() => list(&sub, |_| true, &mut files)?,
        Ok(_) => files.push(sub),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(LoadKeyError::Io { path: sub, error }),
    }
    if files.len() > MAX_RETIRED_FILES {
        return Err(LoadKeyError::Io {
            path: dir.into(),
            error: io::Error::new(
                io::ErrorKind::InvalidData,
                "more retired key files than sealed_session::keydir::MAX_RETIRED_FILES",
            ),
        });
    }
    files.sort();
    Ok(files)
}

/// Push the entries of `dir` whose (non-hidden, UTF-8) names pass `keep`.
fn list(
    dir: &Path,
    keep: impl Fn(&str) -> bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), LoadKeyError> {
    let io_err = |error| LoadKeyError::Io {
        path: dir.into(),
        error,
    };
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with('.') && keep(name) {
            out.push(entry.path());
        }
        if out.len() > MAX_RETIRED_FILES + 1 {
            break;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::web::Sessions;
    use std::format;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::string::{String, ToString};

    /// A fresh directory, removed at the end of the test.
    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("keydir-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(p.join(RETIRED)).unwrap();
            Dir(p)
        }

        fn write(&self, name: &str, text: &str, mode: u32) {
            let path = self.0.join(name);
            let _ = fs::remove_file(&path);
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(path)
                .unwrap();
            f.write_all(text.as_bytes()).unwrap();
        }

        fn key(&self, name: &str, key: &Key) {
            self.write(
                name,
                &format!("{}\n", key.to_paserk().expose_secret()),
                0o600,
            );
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn secret(key: &Key) -> String {
        key.to_paserk().expose_secret().to_string()
    }

    #[test]
    fn reads_current_retired_folder_and_prefixed_files_and_skips_hidden() {
        let d = Dir::new("layout");
        let [cur, a, b, hidden] = [(); 4].map(|()| Key::generate());
        d.key(CURRENT_FILE, &cur);
        d.key("retired/a", &a);
        d.key("retired-b", &b);
        d.key("..data", &hidden);
        d.key("retired/.tmp", &hidden);
        d.key("retired/dup", &cur); // counts once
        let ring = KeyRing::from_dir(&d.0).unwrap();
        assert_eq!(ring.current_id(), cur.id());
        assert!(ring.contains(&a.id()) && ring.contains(&b.id()));
        assert!(!ring.contains(&hidden.id()));
        assert_eq!(ring.len(), 3);
        // A token of a retired key opens; the ring seals with `current`.
        let t = KeyRing::new(a.clone()).seal("u", core::time::Duration::from_secs(60));
        assert_eq!(ring.open(&t.unwrap()).unwrap().user_id(), "u");
    }

    #[test]
    fn a_bad_file_is_named_and_its_key_never_shown() {
        let d = Dir::new("bad");
        let cur = Key::generate();
        // Missing `current`.
        let e = KeyRing::from_dir(&d.0).unwrap_err();
        assert!(matches!(e, LoadKeyError::Io { ref path, .. } if path.ends_with(CURRENT_FILE)));
        d.key(CURRENT_FILE, &cur);
        // World-readable retired key.
        let leaky = Key::generate();
        d.write("retired/leaky", &secret(&leaky), 0o644);
        let e = KeyRing::from_dir(&d.0).unwrap_err();
        assert!(
            matches!(e, LoadKeyError::FileMode { ref path, .. } if path.ends_with("retired/leaky"))
        );
        assert!(!format!("{e} {e:?}").contains(&secret(&leaky)[9..]));
        fs::remove_file(d.0.join("retired/leaky")).unwrap();
        // Half-written: a prefix of a real key.
        let half = secret(&Key::generate());
        d.write("retired/half", &half[..30], 0o600);
        let e = KeyRing::from_dir(&d.0).unwrap_err();
        assert!(
            matches!(e, LoadKeyError::InvalidInFile { ref path, .. } if path.ends_with("retired/half"))
        );
        assert!(!format!("{e} {e:?}").contains(&half[9..30]));
        // All zeros.
        d.write(
            "retired/half",
            "k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            0o600,
        );
        assert!(matches!(
            KeyRing::from_dir(&d.0).unwrap_err(),
            LoadKeyError::InvalidInFile { .. }
        ));
    }

    #[test]
    fn too_many_retired_files_is_an_error_not_an_unbounded_read() {
        let d = Dir::new("many");
        d.key(CURRENT_FILE, &Key::generate());
        for i in 0..=MAX_RETIRED_FILES {
            d.write(&format!("retired/{i}"), "x", 0o600);
        }
        let e = KeyRing::from_dir(&d.0).unwrap_err();
        assert!(e.to_string().contains("MAX_RETIRED_FILES"), "{e}");
    }

    #[test]
    fn reload_follows_stage_promote_drop_and_keeps_serving_on_a_bad_file() {
        let d = Dir::new("reload");
        let (old, new) = (Key::generate(), Key::generate());
        d.key(CURRENT_FILE, &old);
        let s = Sessions::from_key_dir(&d.0).unwrap().build();
        let old_cookie = format!("__Host-session={}", s.start("u").unwrap().token());
        let opens = |cookie: &str| s.open([cookie.as_bytes()], s.now()).is_ok();
        assert!(!s.reload_keys().unwrap(), "nothing changed");
        // Stage.
        d.key("retired/next", &new);
        assert!(s.reload_keys().unwrap());
        assert!(opens(&old_cookie));
        // A half-written `current`: refused, old ring kept.
        d.write(CURRENT_FILE, &secret(&new)[..20], 0o600);
        assert!(s.reload_keys().is_err());
        assert!(opens(&old_cookie));
        // A world-readable `current`: the same.
        d.write(CURRENT_FILE, &secret(&new), 0o644);
        assert!(matches!(
            s.reload_keys(),
            Err(LoadKeyError::FileMode { .. })
        ));
        assert_eq!(s.metrics().key_reload_failures, 2);
        // Promote.
        d.key(CURRENT_FILE, &new);
        fs::remove_file(d.0.join("retired/next")).unwrap();
        d.key("retired/prev", &old);
        assert!(s.reload_keys().unwrap());
        let new_cookie = format!("__Host-session={}", s.start("u").unwrap().token());
        assert!(opens(&old_cookie) && opens(&new_cookie));
        // Drop.
        fs::remove_file(d.0.join("retired/prev")).unwrap();
        assert!(s.reload_keys().unwrap());
        assert!(!opens(&old_cookie));
        assert!(opens(&new_cookie));
        assert_eq!(s.metrics().key_reloads, 3);
    }

    #[test]
    fn the_watcher_picks_up_a_change_and_stops_when_dropped() {
        let d = Dir::new("watch");
        let (old, new) = (Key::generate(), Key::generate());
        d.key(CURRENT_FILE, &old);
        let s = Sessions::from_key_dir(&d.0).unwrap().build();
        let w = s.watch_keys(core::time::Duration::from_millis(10)).unwrap();
        d.key("retired/next", &new);
        let token = KeyRing::new(new).seal("u", core::time::Duration::from_secs(60));
        let cookie = format!("__Host-session={}", token.unwrap());
        let deadline = std::time::Instant::now() + core::time::Duration::from_secs(20);
        while s.open([cookie.as_bytes()], s.now()).is_err() {
            assert!(std::time::Instant::now() < deadline, "not reloaded");
            std::thread::sleep(core::time::Duration::from_millis(10));
        }
        drop(w);
        let n = s.metrics().key_reloads;
        fs::remove_file(d.0.join("retired/next")).unwrap();
        std::thread::sleep(core::time::Duration::from_millis(100));
        assert_eq!(s.metrics().key_reloads, n, "watcher still running");
    }
}
