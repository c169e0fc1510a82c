//! Thin wrappers over the peer crates, each used the way its documentation
//! shows, sealing `{"sub":"12234","exp":<now + 1 h>}` and opening it back to
//! the user id with its expiry checked.

use serde::{Deserialize, Serialize};

use crate::{unix_now, Contender, KEY, LIFETIME, USER_ID};

/// Numeric-date claims for the crates that carry JSON without claim rules of
/// their own (branca, the cookie jar) and for the JWT.
#[derive(Serialize)]
struct NumClaimsOut<'a> {
    sub: &'a str,
    exp: u64,
}

#[derive(Deserialize)]
struct NumClaimsIn {
    sub: String,
    exp: u64,
}

fn num_claims_json() -> String {
    serde_json::to_string(&NumClaimsOut {
        sub: USER_ID,
        exp: unix_now() + LIFETIME.as_secs(),
    })
    .expect("serializable")
}

fn check_num_claims(json: &[u8]) -> String {
    let c: NumClaimsIn = serde_json::from_slice(json).expect("claims");
    assert!(c.exp > unix_now(), "expired");
    c.sub
}

// ---------------------------------------------------------------- pasetors

/// pasetors `v2.local` (orion's XChaCha20-Poly1305) with pasetors' `Claims`
/// (adds `iat` and `nbf`) and `ClaimsValidationRules`.
pub struct PasetorsV2 {
    key: pasetors::keys::SymmetricKey<pasetors::version2::V2>,
    rules: pasetors::claims::ClaimsValidationRules,
}

impl PasetorsV2 {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        Self {
            key: pasetors::keys::SymmetricKey::from(&KEY).expect("32 bytes"),
            rules: pasetors::claims::ClaimsValidationRules::new(),
        }
    }
}

impl Default for PasetorsV2 {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for PasetorsV2 {
    fn name(&self) -> &'static str {
        "pasetors v2.local"
    }
    fn seal(&mut self) -> String {
        let mut claims = pasetors::claims::Claims::new_expires_in(&LIFETIME).expect("claims");
        claims.subject(USER_ID).expect("sub");
        let json = claims.to_string().expect("json");
        pasetors::version2::LocalToken::encrypt(&self.key, json.as_bytes(), None).expect("seal")
    }
    fn open(&mut self, token: &str) -> String {
        use pasetors::token::UntrustedToken;
        let untrusted = UntrustedToken::<pasetors::Local, pasetors::version2::V2>::try_from(token)
            .expect("parse");
        let trusted =
            pasetors::version2::LocalToken::decrypt(&self.key, &untrusted, None).expect("open");
        let claims = pasetors::claims::Claims::from_string(trusted.payload()).expect("claims json");
        self.rules.validate_claims(&claims).expect("valid claims");
        claims
            .get_claim("sub")
            .and_then(|v| v.as_str())
            .expect("sub")
            .to_owned()
    }
}

/// pasetors `v4.local` (XChaCha20 + keyed BLAKE2b) through its high-level
/// `local::encrypt` / `local::decrypt`.
pub struct PasetorsV4 {
    key: pasetors::keys::SymmetricKey<pasetors::version4::V4>,
    rules: pasetors::claims::ClaimsValidationRules,
}

impl PasetorsV4 {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        Self {
            key: pasetors::keys::SymmetricKey::from(&KEY).expect("32 bytes"),
            rules: pasetors::claims::ClaimsValidationRules::new(),
        }
    }
}

impl Default for PasetorsV4 {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for PasetorsV4 {
    fn name(&self) -> &'static str {
        "pasetors v4.local"
    }
    fn seal(&mut self) -> String {
        let mut claims = pasetors::claims::Claims::new_expires_in(&LIFETIME).expect("claims");
        claims.subject(USER_ID).expect("sub");
        pasetors::local::encrypt(&self.key, &claims, None, None).expect("seal")
    }
    fn open(&mut self, token: &str) -> String {
        use pasetors::token::UntrustedToken;
        let untrusted = UntrustedToken::<pasetors::Local, pasetors::version4::V4>::try_from(token)
            .expect("parse");
        let trusted =
            pasetors::local::decrypt(&self.key, &untrusted, &self.rules, None, None).expect("open");
        trusted
            .payload_claims()
            .and_then(|c| c.get_claim("sub"))
            .and_then(|v| v.as_str())
            .expect("sub")
            .to_owned()
    }
}

// ------------------------------------------------------------ rusty_paseto

/// rusty_paseto `v2.local` through its batteries-included builder and parser
/// (the builder adds `iat`, `nbf` and a one-hour `exp` by default).
pub struct RustyPasetoV2 {
    key: rusty_paseto::prelude::PasetoSymmetricKey<
        rusty_paseto::prelude::V2,
        rusty_paseto::prelude::Local,
    >,
}

impl RustyPasetoV2 {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        use rusty_paseto::prelude::*;
        Self {
            key: PasetoSymmetricKey::<V2, Local>::from(Key::<32>::from(KEY)),
        }
    }
}

impl Default for RustyPasetoV2 {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for RustyPasetoV2 {
    fn name(&self) -> &'static str {
        "rusty_paseto v2.local"
    }
    fn seal(&mut self) -> String {
        use rusty_paseto::prelude::*;
        PasetoBuilder::<V2, Local>::default()
            .set_claim(SubjectClaim::from(USER_ID))
            .build(&self.key)
            .expect("seal")
    }
    fn open(&mut self, token: &str) -> String {
        use rusty_paseto::prelude::*;
        let json = PasetoParser::<V2, Local>::default()
            .parse(token, &self.key)
            .expect("open");
        json["sub"].as_str().expect("sub").to_owned()
    }
}

// ------------------------------------------------------------------ branca

/// branca (XChaCha20-Poly1305 via orion, base62) carrying the JSON claims.
pub struct Branca {
    branca: branca::Branca,
}

impl Branca {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        Self {
            branca: branca::Branca::new(&KEY).expect("32 bytes"),
        }
    }
}

impl Default for Branca {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for Branca {
    fn name(&self) -> &'static str {
        "branca"
    }
    fn seal(&mut self) -> String {
        self.branca
            .encode(num_claims_json().as_bytes())
            .expect("seal")
    }
    fn open(&mut self, token: &str) -> String {
        // ttl 0: no branca-level TTL; the `exp` claim is checked instead.
        let json = self.branca.decode(token, 0).expect("open");
        check_num_claims(&json)
    }
}

// ------------------------------------------------------------ jsonwebtoken

mod hs256 {
    //! A minimal jsonwebtoken `CryptoProvider` with HS256 only, over RustCrypto
    //! `hmac` + `sha2` (what its `rust_crypto` feature uses for HMAC), so the
    //! bench does not build RSA, ECDSA, EdDSA or aws-lc.
    use hmac::{Hmac, Mac};
    use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
    use jsonwebtoken::errors::{ErrorKind, Result};
    use jsonwebtoken::signature::{self, Signer, Verifier};
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
    use sha2::Sha256;

    struct Hs256(Hmac<Sha256>);

    impl Signer<Vec<u8>> for Hs256 {
        fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
            let mut mac = self.0.clone();
            mac.update(msg);
            Ok(mac.finalize().into_bytes().to_vec())
        }
    }

    impl Verifier<Vec<u8>> for Hs256 {
        fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
            let mut mac = self.0.clone();
            mac.update(msg);
            mac.verify_slice(sig).map_err(|_| signature::Error::new())
        }
    }

    impl JwtSigner for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    impl JwtVerifier for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    fn hs256(alg: &Algorithm, key: &[u8]) -> Result<Hs256> {
        if *alg != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Ok(Hs256(
            Hmac::new_from_slice(key).map_err(|_| ErrorKind::InvalidKeyFormat)?,
        ))
    }

    static PROVIDER: CryptoProvider = CryptoProvider {
        signer_factory: |alg: &Algorithm, key: &EncodingKey| {
            Ok(Box::new(hs256(alg, key.as_bytes())?) as Box<dyn JwtSigner>)
        },
        verifier_factory: |alg: &Algorithm, key: &DecodingKey| {
            Ok(Box::new(hs256(alg, key.try_get_as_bytes()?)?) as Box<dyn JwtVerifier>)
        },
        key_utils: KeyUtils::new_unimplemented(),
    };

    /// Install the HS256 provider (idempotent).
    pub fn install() {
        let _ = PROVIDER.install_default();
    }
}

/// jsonwebtoken HS256: signed, **not encrypted** (the claims are readable).
pub struct JwtHs256 {
    enc: jsonwebtoken::EncodingKey,
    dec: jsonwebtoken::DecodingKey,
    header: jsonwebtoken::Header,
    validation: jsonwebtoken::Validation,
}

impl JwtHs256 {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        hs256::install();
        Self {
            enc: jsonwebtoken::EncodingKey::from_secret(&KEY),
            dec: jsonwebtoken::DecodingKey::from_secret(&KEY),
            header: jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            validation: jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
        }
    }
}

impl Default for JwtHs256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for JwtHs256 {
    fn name(&self) -> &'static str {
        "jsonwebtoken HS256"
    }
    fn seal(&mut self) -> String {
        let claims = NumClaimsOut {
            sub: USER_ID,
            exp: unix_now() + LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.enc).expect("seal")
    }
    fn open(&mut self, token: &str) -> String {
        jsonwebtoken::decode::<NumClaimsIn>(token, &self.dec, &self.validation)
            .expect("open")
            .claims
            .sub
    }
}

// ------------------------------------------------------------------ cookie

/// The `cookie` crate's private jar (AES-256-GCM, base64) carrying the JSON
/// claims as the cookie value. The token is the cookie value.
pub struct CookiePrivate {
    key: cookie::Key,
}

impl CookiePrivate {
    /// A contender over [`KEY`] (repeated to the 64 bytes `cookie::Key` takes).
    pub fn new() -> Self {
        let mut master = [0u8; 64];
        master[..32].copy_from_slice(&KEY);
        master[32..].copy_from_slice(&KEY);
        Self {
            key: cookie::Key::from(&master),
        }
    }
}

impl Default for CookiePrivate {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for CookiePrivate {
    fn name(&self) -> &'static str {
        "cookie private jar"
    }
    fn seal(&mut self) -> String {
        let mut jar = cookie::CookieJar::new();
        jar.private_mut(&self.key)
            .add(cookie::Cookie::new("session", num_claims_json()));
        jar.get("session").expect("added").value().to_owned()
    }
    fn open(&mut self, token: &str) -> String {
        let jar = cookie::CookieJar::new();
        let cookie = jar
            .private(&self.key)
            .decrypt(cookie::Cookie::new("session", token.to_owned()))
            .expect("open");
        check_num_claims(cookie.value().as_bytes())
    }
}
