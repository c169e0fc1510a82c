//! The session API: seal a user id, open a token, renew it, end it.
//!
//! Two layers:
//! - the two-line path on [`Key`]: [`Key::seal`] / [`Key::open`];
//! - a [`Policy`] for everything else: idle and absolute lifetimes and
//!   renewal, leeway, audience, size budget, revocation check, typed custom
//!   claims and `nbf`. It works with any [`KeySource`] (a [`Key`] or a key
//!   ring) and takes the clock as an input.

mod convenience;
mod new;
mod open;
mod policy;
mod renew;

pub use new::NewSession;
#[cfg(any(test, feature = "__internal-test"))]
pub use new::{__policy_seal_with_nonce_seed, __seal_claims_with_nonce_seed};
pub use policy::{Policy, Revocation};
