//! Live key reload from a key directory: [`Sessions::reload_keys`],
//! [`Sessions::watch_keys`] and its [`KeyWatcher`].

use core::time::Duration;
use std::sync::mpsc;

use super::Sessions;
use crate::{KeyRing, LoadKeyError};

impl Sessions {
    /// Read the key directory again ([`SessionsBuilder::from_key_dir`](crate::web::SessionsBuilder::from_key_dir)) and
    /// serve with its keys from now on. Returns whether the key ids
    /// changed; `Ok(false)` without a key directory.
    ///
    /// On any error (a missing, half-written, world-readable or invalid
    /// file) nothing changes: the node keeps serving with the keys it has,
    /// the error names the file, and with the `tracing` feature a warning
    /// says why. Call it from a `SIGHUP` handler, or let
    /// [`Sessions::watch_keys`] call it.
    ///
    /// # Errors
    /// As [`KeyRing::from_dir`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(!s.reload_keys()?); // no key directory: nothing to read
    /// # Ok::<(), sealed_session::LoadKeyError>(())
    /// ```
    pub fn reload_keys(&self) -> Result<bool, LoadKeyError> {
        let Some(dir) = &self.inner.key_dir else {
            return Ok(false);
        };
        let ring = match KeyRing::from_dir(dir) {
            Ok(ring) => ring,
            Err(e) => {
                self.inner.metrics.key_reload_failed();
                #[cfg(feature = "tracing")]
                tracing::warn!(
                    target: "sealed_session",
                    error = %e,
                    "key reload failed; still serving with the previous keys"
                );
                return Err(e);
            }
        };
        let old = self.keys();
        if same_key_ids(&old, &ring) {
            return Ok(false);
        }
        #[cfg(feature = "tracing")]
        tracing::info!(
            target: "sealed_session",
            current = ring.current_id().as_str(),
            keys = ring.len(),
            "key ring reloaded"
        );
        self.replace_keys(ring);
        self.inner.metrics.key_reloaded();
        Ok(true)
    }

    /// Reload the key directory every `interval` on a background thread
    /// (see [`Sessions::reload_keys`]: a failed reload keeps the old keys)
    /// until the returned [`KeyWatcher`] is dropped. Reading a few small
    /// files each interval is cheap; one second is a sound choice.
    ///
    /// # Errors
    /// The operating system's error if the thread cannot be started.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// use std::time::Duration;
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let watcher = s.watch_keys(Duration::from_secs(1))?;
    /// drop(watcher); // stops the thread
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn watch_keys(&self, interval: Duration) -> std::io::Result<KeyWatcher> {
        let (stop, stopped) = mpsc::channel::<()>();
        let sessions = self.clone();
        let thread = std::thread::Builder::new()
            .name("sealed-session-keys".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    let _ = sessions.reload_keys();
                }
            })?;
        Ok(KeyWatcher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// Whether two rings hold the same keys in the same roles.
fn same_key_ids(a: &KeyRing, b: &KeyRing) -> bool {
    let ids = |r: &KeyRing| {
        let mut v: alloc::vec::Vec<_> = r.retired_ids().collect();
        v.sort();
        v
    };
    a.current_id() == b.current_id() && ids(a) == ids(b)
}

/// Stops the thread of [`Sessions::watch_keys`] when dropped.
///
/// # Example
/// See [`Sessions::watch_keys`].
#[derive(Debug)]
pub struct KeyWatcher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for KeyWatcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
