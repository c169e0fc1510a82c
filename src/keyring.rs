//! Key rotation: one current key seals, retired keys only open, and every
//! token names the key that sealed it.

use alloc::vec::Vec;
use core::fmt;

use alloc::borrow::Cow;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::error::{Error, Malformed};
use crate::key::Key;
use crate::paserk::{KeyId, LID_LEN};

const FOOTER_OPEN: &[u8] = b"{\"kid\":\"";
const FOOTER_CLOSE: &[u8] = b"\"}";
/// Length of the footer this crate writes: `{"kid":"k2.lid.<44>"}`.
const FOOTER_LEN: usize = FOOTER_OPEN.len() + LID_LEN + FOOTER_CLOSE.len();
/// Length of that footer's base64url text in a token.
const FOOTER_B64_LEN: usize = crate::format::encoded_len(FOOTER_LEN);

/// A set of keys for rotating without logging anyone out: exactly one
/// **current** key seals, any number of **retired** keys only open.
///
/// Every token sealed through a ring carries the authenticated footer
/// `{"kid":"k2.lid.…"}`, the PASERK id of the key that sealed it (see
/// [`Key::id`]). Opening reads that footer, picks the one key with that id
/// and decrypts with it alone: a ring never tries several keys on a token.
///
/// Opening rules, in order, all before any cryptography:
/// - no footer (a token from another PASETO implementation, or sealed with a
///   bare [`Key`]): opened with the **current** key only;
/// - a footer longer than [`KeyRing::MAX_FOOTER_LEN`], not strict JSON, with
///   any field other than `kid` (unknown fields are refused rather than
///   ignored: a footer is authenticated data that someone meant to say
///   something with), a duplicate `kid`, or a `kid` that is not a `k2.lid.`
///   id: [`Error::Malformed`]`(`[`Malformed::Footer`]`)`;
/// - a `kid` that is not the id of a key in the ring: [`Error::UnknownKey`];
/// - otherwise the AEAD decides, with the named key:
///   [`Error::Unauthenticated`] for a wrong, swapped or forged footer.
///
/// The footer is read as untrusted data only to pick the key; it is then
/// authenticated with the rest of the token.
///
/// The cost of opening does not depend on the number of keys: the ids are
/// computed when keys are added, the footer bytes when the current key is
/// set, and routing is a comparison of 51-byte ids.
///
/// # Example
/// ```
/// use sealed_session::{Error, Key, KeyRing};
/// use std::time::Duration;
///
/// let old = Key::generate();
/// let new = Key::generate();
/// let token_of_old = old.seal("7", Duration::from_secs(3600))?; // no footer
/// let before = KeyRing::new(old.clone());
/// let old_ring_token = before.seal("7", Duration::from_secs(3600))?;
///
/// // After rotation: the new key seals, the old one still opens.
/// let ring = KeyRing::new(new.clone()).with_retired(old.clone());
/// assert_eq!(ring.open(&old_ring_token)?.user_id(), "7");
/// let token = ring.seal("8", Duration::from_secs(3600))?;
/// assert_eq!(ring.open(&token)?.user_id(), "8");
/// // A token without a footer opens with the current key only.
/// assert_eq!(ring.open(&token_of_old), Err(Error::Unauthenticated));
///
/// // Once the old key is dropped, its tokens name an unknown key.
/// let after = KeyRing::new(new);
/// assert_eq!(after.open(&old_ring_token), Err(Error::UnknownKey));
/// # Ok::<(), sealed_session::Error>(())
/// ```
///
/// A ring is a [`KeySource`]: a [`Policy`](crate::Policy) seals and opens through it.
/// ```
/// use sealed_session::{Key, KeyRing, Policy, Timestamp};
/// use std::time::Duration;
/// let ring = KeyRing::new(Key::generate()).with_retired(Key::generate());
/// let policy = Policy::new(Duration::from_secs(1800), Duration::from_secs(86_400))
///     .with_audience("app.example");
/// let now = Timestamp::now();
/// let token = policy.seal(&ring, "12234", now)?;
/// assert_eq!(policy.open(&ring, &token, now)?.user_id(), "12234");
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    current: Entry,
    retired: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    id: KeyId,
    key: Key,
    /// `{"kid":"<id>"}`, the footer of the tokens this key seals.
    footer: [u8; FOOTER_LEN],
    /// The footer's base64url text, exactly as it appears in those tokens.
    footer_b64: [u8; FOOTER_B64_LEN],
}

impl Entry {
    fn new(key: Key) -> Entry {
        let id = key.id();
        let footer = footer_for(&id);
        let mut text = Vec::with_capacity(FOOTER_B64_LEN);
        crate::format::encode_into(&mut text, &footer);
        let mut footer_b64 = [0u8; FOOTER_B64_LEN];
        footer_b64.copy_from_slice(&text);
        Entry {
            id,
            key,
            footer,
            footer_b64,
        }
    }

    /// The footer's text as a `&str` (base64url is ASCII).
    fn footer_text(&self) -> &str {
        core::str::from_utf8(&self.footer_b64).unwrap_or_default()
    }
}

fn footer_for(id: &KeyId) -> [u8; FOOTER_LEN] {
    let mut out = [0u8; FOOTER_LEN];
    let (open, rest) = out.split_at_mut(FOOTER_OPEN.len());
    let (lid, close) = rest.split_at_mut(LID_LEN);
    open.copy_from_slice(FOOTER_OPEN);
    lid.copy_from_slice(id.as_bytes());
    close.copy_from_slice(FOOTER_CLOSE);
    out
}

impl KeyRing {
    /// The largest footer a ring reads, in bytes (decoded). Larger footers
    /// are refused unread as [`Malformed::Footer`]. The footer a ring writes
    /// is 61 bytes; the rest is room for insignificant JSON whitespace and
    /// escapes from other writers.
    pub const MAX_FOOTER_LEN: usize = 256;

    /// A ring whose only key is `current`.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// let ring = sealed_session::KeyRing::new(key.clone());
    /// assert_eq!(ring.current_id(), key.id());
    /// assert_eq!(ring.len(), 1);
    /// ```
    pub fn new(current: Key) -> KeyRing {
        let current = Entry::new(current);
        KeyRing {
            current,
            retired: Vec::new(),
        }
    }

    /// The ring with `key` added as a retired key (see
    /// [`KeyRing::add_retired`]).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let (a, b, c) = (Key::generate(), Key::generate(), Key::generate());
    /// let ring = KeyRing::new(a).with_retired(b).with_retired(c);
    /// assert_eq!(ring.len(), 3);
    /// ```
    #[must_use]
    pub fn with_retired(mut self, key: Key) -> KeyRing {
        self.add_retired(key);
        self
    }

    /// Add `key` as a retired key: it opens tokens that name it, and never
    /// seals. Returns `false`, changing nothing, if the ring already holds
    /// this key (as current or retired).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let (a, b) = (Key::generate(), Key::generate());
    /// let mut ring = KeyRing::new(a.clone());
    /// assert!(ring.add_retired(b));
    /// assert!(!ring.add_retired(a));
    /// assert_eq!(ring.len(), 2);
    /// ```
    pub fn add_retired(&mut self, key: Key) -> bool {
        let entry = Entry::new(key);
        if self.contains(&entry.id) {
            return false;
        }
        self.retired.push(entry);
        true
    }

    /// Make the key with id `id` the current key; the previous current key
    /// becomes retired (it keeps opening its tokens). Promoting the current
    /// key changes nothing.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if the ring holds no key with this id.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let (old, new) = (Key::generate(), Key::generate());
    /// let mut ring = KeyRing::new(old.clone()).with_retired(new.clone());
    /// ring.promote(&new.id())?;
    /// assert_eq!(ring.current_id(), new.id());
    /// assert_eq!(ring.retired_ids().collect::<Vec<_>>(), [old.id()]);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn promote(&mut self, id: &KeyId) -> Result<(), Error> {
        if self.current.id == *id {
            return Ok(());
        }
        let at = self
            .retired
            .iter()
            .position(|e| e.id == *id)
            .ok_or(Error::UnknownKey)?;
        let promoted = self.retired.swap_remove(at);
        let demoted = core::mem::replace(&mut self.current, promoted);
        self.retired.push(demoted);
        Ok(())
    }

    /// Drop the retired key with id `id`: tokens that name it will get
    /// [`Error::UnknownKey`]. Returns the key, or `None` if no retired key
    /// has this id (the current key cannot be removed: promote another
    /// first).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let (new, old) = (Key::generate(), Key::generate());
    /// let mut ring = KeyRing::new(new.clone()).with_retired(old.clone());
    /// assert!(ring.remove_retired(&old.id()).is_some());
    /// assert!(ring.remove_retired(&new.id()).is_none());
    /// assert_eq!(ring.len(), 1);
    /// ```
    pub fn remove_retired(&mut self, id: &KeyId) -> Option<Key> {
        let at = self.retired.iter().position(|e| e.id == *id)?;
        Some(self.retired.remove(at).key)
    }

    /// The id of the key that seals.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// assert_eq!(sealed_session::KeyRing::new(key.clone()).current_id(), key.id());
    /// ```
    pub fn current_id(&self) -> KeyId {
        self.current.id
    }

    /// The ids of the retired keys, in no particular order.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let old = Key::generate();
    /// let ring = KeyRing::new(Key::generate()).with_retired(old.clone());
    /// assert!(ring.retired_ids().eq([old.id()]));
    /// ```
    pub fn retired_ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.retired.iter().map(|e| e.id)
    }

    /// Whether the ring holds a key (current or retired) with id `id`.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// let ring = sealed_session::KeyRing::new(key.clone());
    /// assert!(ring.contains(&key.id()));
    /// assert!(!ring.contains(&sealed_session::Key::generate().id()));
    /// ```
    pub fn contains(&self, id: &KeyId) -> bool {
        self.find(id.as_bytes()).is_some()
    }

    /// The number of keys, current included (so at least 1).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::KeyRing::new(sealed_session::Key::generate()).len(), 1);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a ring is never empty
    pub fn len(&self) -> usize {
        1 + self.retired.len()
    }

    /// The footer every token sealed through this ring carries,
    /// `{"kid":"k2.lid.…"}` (public, authenticated, not encrypted).
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// let ring = sealed_session::KeyRing::new(key.clone());
    /// assert_eq!(ring.footer(), format!("{{\"kid\":\"{}\"}}", key.id()).as_bytes());
    /// ```
    pub fn footer(&self) -> &[u8] {
        &self.current.footer
    }

    /// The key with id bytes `untrusted_id`, if any. Ids are public, so a
    /// plain comparison is fine.
    fn find(&self, untrusted_id: &[u8]) -> Option<&Entry> {
        let untrusted_id: &[u8; LID_LEN] = untrusted_id.try_into().ok()?;
        core::iter::once(&self.current)
            .chain(&self.retired)
            .find(|e| e.id.as_bytes() == untrusted_id)
    }
}

impl fmt::Debug for KeyRing {
    /// Key ids only; never key bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current.id)
            .field(
                "retired",
                &self.retired.iter().map(|e| e.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Where the key for a seal or an open comes from: a single [`Key`], or a
/// key ring that routes by the footer's key id.
///
/// This trait is sealed: it is implemented by this crate's key types only.
pub trait KeySource: private::Sealed {
    /// The key that seals, the footer to seal with it (empty for none) and,
    /// if precomputed, the footer's base64url text.
    #[doc(hidden)]
    fn sealing_key(&self) -> (&Key, &[u8], Option<&str>);

    /// The one key that may open a token whose **unauthenticated** footer is
    /// `untrusted_footer`. Never tries more than one key.
    #[doc(hidden)]
    fn opening_key(&self, untrusted_footer: &[u8]) -> Result<&Key, Error>;

    /// A shortcut before decoding: if `untrusted_footer_b64` is exactly the
    /// text of a footer this source writes, the one key for it and that
    /// footer's bytes (what strict decoding of the text would give).
    #[doc(hidden)]
    fn opening_key_by_footer_text(&self, _untrusted_footer_b64: &str) -> Option<(&Key, &[u8])> {
        None
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for crate::key::Key {}
    impl Sealed for crate::keyring::KeyRing {}
}

impl KeySource for Key {
    fn sealing_key(&self) -> (&Key, &[u8], Option<&str>) {
        (self, b"", None)
    }

    /// A single key opens any token, with or without a footer: the footer is
    /// authenticated by the AEAD either way.
    fn opening_key(&self, _untrusted_footer: &[u8]) -> Result<&Key, Error> {
        Ok(self)
    }
}

impl KeySource for KeyRing {
    fn sealing_key(&self) -> (&Key, &[u8], Option<&str>) {
        let c = &self.current;
        (&c.key, &c.footer, Some(c.footer_text()))
    }

    /// The one entry whose footer text is exactly `untrusted_footer_b64`.
    /// Those bytes are the canonical encoding of the entry's footer, so a
    /// strict decoding would give exactly its footer and route to exactly
    /// this key: the open path skips decoding and parsing them.
    fn opening_key_by_footer_text(&self, untrusted_footer_b64: &str) -> Option<(&Key, &[u8])> {
        let text = untrusted_footer_b64.as_bytes();
        core::iter::once(&self.current)
            .chain(&self.retired)
            .find(|e| e.footer_b64 == text)
            .map(|e| (&e.key, &e.footer[..]))
    }

    fn opening_key(&self, untrusted_footer: &[u8]) -> Result<&Key, Error> {
        if untrusted_footer.is_empty() {
            return Ok(&self.current.key);
        }
        // A footer this ring writes never gets here: the open path matched
        // its text first (`opening_key_by_footer_text`; strict base64 has
        // one text per footer). What is left is checked in full.
        let kid = untrusted_kid(untrusted_footer)?;
        self.find(kid.as_bytes())
            .map(|e| &e.key)
            .ok_or(Error::UnknownKey)
    }
}

/// The id bytes of a footer in the canonical form `{"kid":"<51 bytes>"}`.
fn canonical_lid(untrusted_footer: &[u8]) -> Option<&[u8]> {
    untrusted_footer
        .strip_prefix(FOOTER_OPEN)?
        .strip_suffix(FOOTER_CLOSE)
        .filter(|lid| lid.len() == LID_LEN)
}

/// The key id named by an **unauthenticated** footer, checked: the
/// canonical form without parsing, anything else through strict JSON.
/// The key id a token's footer names, if the token and its footer parse:
/// **unauthenticated**, for logging a refusal (a key id is public).
#[cfg(feature = "tracing")]
pub(crate) fn untrusted_key_id(token: &str) -> Option<KeyId> {
    let untrusted = crate::format::UntrustedToken::parse(token).ok()?;
    untrusted_kid(&untrusted.untrusted_footer().ok()?).ok()
}

fn untrusted_kid(untrusted_footer: &[u8]) -> Result<KeyId, Error> {
    const BAD: Error = Error::Malformed(Malformed::Footer);
    if untrusted_footer.len() > KeyRing::MAX_FOOTER_LEN {
        return Err(BAD);
    }
    match canonical_lid(untrusted_footer) {
        // A k2.lid contains no `"` or `\`, so these bytes are exactly the
        // JSON string's value if they are an id at all.
        Some(lid) => KeyId::parse_bytes(lid).ok_or(BAD),
        None => untrusted_kid_json(untrusted_footer),
    }
}

/// The general case: strict JSON, an object whose only member is `kid`
/// (an array, a duplicate `kid` or any other member is refused).
#[cold]
fn untrusted_kid_json(untrusted_footer: &[u8]) -> Result<KeyId, Error> {
    struct KidVisitor;
    impl<'de> Visitor<'de> for KidVisitor {
        type Value = Option<KeyId>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object with one member, `kid`")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<KeyId>, A::Error> {
            let mut kid = None;
            while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                if name != "kid" || kid.is_some() {
                    return Err(de::Error::custom("not a key-id footer"));
                }
                let value = map.next_value::<Cow<'de, str>>()?;
                kid = Some(KeyId::parse_bytes(value.as_bytes()));
            }
            Ok(kid.flatten())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(untrusted_footer);
    let kid = de.deserialize_map(KidVisitor).ok().flatten();
    match (kid, de.end()) {
        (Some(kid), Ok(())) => Ok(kid),
        _ => Err(Error::Malformed(Malformed::Footer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring3() -> (KeyRing, [Key; 3]) {
        let keys = [1u8, 2, 3].map(|b| Key::from_bytes([b; 32]));
        let ring = KeyRing::new(keys[0].clone())
            .with_retired(keys[1].clone())
            .with_retired(keys[2].clone());
        (ring, keys)
    }

    fn footer_of(id: &KeyId) -> alloc::vec::Vec<u8> {
        alloc::format!("{{\"kid\":\"{id}\"}}").into_bytes()
    }

    #[test]
    fn footer_is_precomputed_and_follows_promotion() {
        let (mut ring, keys) = ring3();
        assert_eq!(ring.footer(), footer_of(&keys[0].id()).as_slice());
        assert_eq!(ring.footer().len(), FOOTER_LEN);
        ring.promote(&keys[2].id()).unwrap();
        assert_eq!(ring.footer(), footer_of(&keys[2].id()).as_slice());
        assert_eq!(ring.current_id(), keys[2].id());
        assert_eq!(ring.len(), 3);
        assert_eq!(
            ring.promote(&Key::from_bytes([9; 32]).id()),
            Err(Error::UnknownKey)
        );
    }

    #[test]
    fn footer_text_routes_like_decoding_the_footer() {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let (mut ring, keys) = ring3();
        for round in 0..2 {
            // The sealing side's text is the footer's base64url encoding.
            let (_, footer, text) = ring.sealing_key();
            assert_eq!(
                text,
                Some(Base64UrlUnpadded::encode_string(footer).as_str())
            );
            for k in &keys {
                let text = Base64UrlUnpadded::encode_string(&footer_of(&k.id()));
                assert_eq!(text.len(), FOOTER_B64_LEN);
                let (key, footer) = ring.opening_key_by_footer_text(&text).unwrap();
                assert!(key == k, "round {round}");
                assert!(ring.opening_key(footer).unwrap() == k);
                assert_eq!(Base64UrlUnpadded::decode_vec(&text).unwrap(), footer);
            }
            ring.promote(&keys[1].id()).unwrap();
        }
        // Anything but the exact text of a held key takes the decoding path.
        let canonical = Base64UrlUnpadded::encode_string(&footer_of(&keys[0].id()));
        let stranger = Base64UrlUnpadded::encode_string(&footer_of(&Key::from_bytes([4; 32]).id()));
        let spaced = Base64UrlUnpadded::encode_string(
            alloc::format!("{{ \"kid\":\"{}\"}}", keys[0].id()).as_bytes(),
        );
        for other in [
            "",
            &canonical[1..],
            &canonical[..canonical.len() - 1],
            &alloc::format!("{canonical}A"),
            &canonical.to_lowercase(),
            &stranger,
            &spaced,
        ] {
            assert!(ring.opening_key_by_footer_text(other).is_none(), "{other}");
        }
        assert!(keys[0].opening_key_by_footer_text(&canonical).is_none());
    }

    #[test]
    fn routes_to_exactly_the_named_key() {
        let (ring, keys) = ring3();
        for k in &keys {
            let got = ring.opening_key(&footer_of(&k.id())).unwrap();
            assert!(got == k);
        }
        assert!(ring.opening_key(b"").unwrap() == &keys[0]);
        let stranger = Key::from_bytes([4; 32]).id();
        assert_eq!(
            ring.opening_key(&footer_of(&stranger)).unwrap_err(),
            Error::UnknownKey
        );
    }

    #[test]
    fn footer_json_rules() {
        let (ring, keys) = ring3();
        let id = keys[1].id();
        let ok = [
            alloc::format!("{{ \"kid\" : \"{id}\" }}"),
            alloc::format!("\n{{\"kid\":\"{id}\"}}\t"),
            // JSON escapes are decoded before the id is compared.
            alloc::format!("{{\"kid\":\"\\u006b{}\"}}", &id.as_str()[1..]),
            alloc::format!("{{\"\\u006bid\":\"{id}\"}}"),
        ];
        for f in &ok {
            assert!(ring.opening_key(f.as_bytes()).unwrap() == &keys[1], "{f}");
        }
        let bad = [
            alloc::string::String::from("kid"),
            alloc::string::String::from("{}"),
            alloc::string::String::from("null"),
            alloc::string::String::from("{\"kid\":null}"),
            alloc::string::String::from("{\"kid\":\"k2.lid.short\"}"),
            alloc::format!("{{\"kid\":\"{}\"}}", id.as_str().replace("k2.", "k4.")),
            alloc::format!("{{\"kid\":\"{id}\",\"wpk\":\"x\"}}"),
            alloc::format!("{{\"kid\":\"{id}\",\"kid\":\"{id}\"}}"),
            alloc::format!("{{\"kid\":\"{id}\"}}x"),
            alloc::format!("[\"{id}\"]"),
            alloc::format!("{{\"kid\":\"{id}\"{}}}", " ".repeat(200)),
            alloc::format!("{{\"kid\":\"{id} \"}}"),
            alloc::format!("{{\"KID\":\"{id}\"}}"),
        ];
        for f in &bad {
            assert_eq!(
                ring.opening_key(f.as_bytes()).map(|_| ()),
                Err(Error::Malformed(Malformed::Footer)),
                "{f}"
            );
        }
    }

    #[test]
    fn duplicates_are_not_added_and_current_cannot_be_removed() {
        let (mut ring, keys) = ring3();
        assert!(!ring.add_retired(keys[0].clone()));
        assert!(!ring.add_retired(keys[2].clone()));
        assert_eq!(ring.len(), 3);
        assert!(ring.remove_retired(&keys[0].id()).is_none());
        assert!(ring.remove_retired(&keys[1].id()).unwrap() == keys[1]);
        assert!(!ring.contains(&keys[1].id()));
        assert_eq!(ring.len(), 2);
    }

    #[test]
    fn debug_shows_ids_not_keys() {
        let (ring, keys) = ring3();
        let s = alloc::format!("{ring:?}");
        assert!(s.contains(keys[2].id().as_str()), "{s}");
        assert!(!s.contains(keys[0].to_paserk().expose_secret()));
    }
}
