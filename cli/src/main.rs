//! `sealed-session`: create keys, show key ids, seal, open and inspect
//! sealed-session tokens from the command line.
//!
//! Run `sealed-session --help` (and `sealed-session <command> --help`) for
//! the commands, examples and exit statuses.

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sealed_session::format::{UntrustedToken, DEFAULT_MAX_TOKEN_LEN};
use sealed_session::{Claims, Error, Key, KeyId, KeyRing, Policy, Timestamp};

/// The environment variable a key is read from by default.
const KEY_ENV: &str = "SEALED_SESSION_KEY";
/// The most read from stdin for a token.
const MAX_STDIN: u64 = 64 * 1024;

/// Exit statuses (documented in `--help`).
mod status {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const MALFORMED: u8 = 3;
    pub const UNAUTHENTICATED: u8 = 4;
    pub const EXPIRED: u8 = 5;
    pub const UNKNOWN_KEY: u8 = 6;
    pub const NOT_YET_VALID: u8 = 7;
    pub const REJECTED: u8 = 8;
}

const MAIN_HELP: &str = "\
Keys are PASERK strings (k2.local.…), read from --key-file PATH (mode 0600 or
0400 on unix) or from the environment variable SEALED_SESSION_KEY (another
name with --key-env). Keys are never taken as arguments (they would show in
`ps` and shell history), and no command but keygen ever prints one.

Exit statuses:
  0  success (open: the token is valid)
  1  error: the key could not be loaded, a file could not be read or written
  2  usage error: bad arguments or durations
  3  malformed token: too large, not v2.local, bad base64, bad footer
  4  unauthenticated: wrong key, tampered or forged token
  5  expired
  6  unknown key: the token's footer names a key id that was not given
  7  not yet valid (nbf in the future)
  8  rejected claims: wrong audience, invalid or missing claims

Examples:
  sealed-session keygen --out session.key
  sealed-session id --key-file session.key
  sealed-session seal --key-file session.key --user 12234 --ttl 1h
  sealed-session open --key-file session.key v2.local.…
  sealed-session inspect v2.local.…";

const KEYGEN_HELP: &str = "\
Examples:
  sealed-session keygen --out /etc/myapp/session.key   # created with mode 0600
  (umask 077; sealed-session keygen > session.key)     # a plain `>` makes a 0644 file,
                                                       # which --key-file refuses";

const ID_HELP: &str = "\
The id is public: it names the key without revealing it, and is what tokens
sealed through a key ring carry in their footer ({\"kid\":\"k2.lid.…\"}).

Examples:
  sealed-session id --key-file /etc/myapp/session.key
  sealed-session id --key-env MYAPP_SESSION_KEY";

const SEAL_HELP: &str = "\
The token carries sub, exp, iat, a random session id (jti) and, with --aud,
aud; its footer names the key's id. Durations: 30s, 15m, 1h, 7d; --ttl is at
most 400d, the longest a browser keeps a cookie.

Examples:
  sealed-session seal --key-file session.key --user 12234 --ttl 1h
  sealed-session seal --key-file session.key --user 12234 --ttl 15m --aud admin.example";

const OPEN_HELP: &str = "\
Prints the authenticated claims as one line of JSON. Give every key the token
may have been sealed with (--key-file repeated; the first one opens tokens
without a footer). The exit status says why a token was refused (see
`sealed-session --help`). A token is a credential: prefer `-` (stdin) to an
argument, which shows in `ps` and shell history.

Examples:
  sealed-session open --key-file session.key v2.local.…
  sealed-session open --key-file new.key --key-file old.key - < cookie.txt
  sealed-session open --key-file session.key --aud admin.example --at 2030-01-01T00:00:00Z -";

const INSPECT_HELP: &str = "\
Uses no key, so nothing it prints is authenticated: anyone can write any
header, length or footer. Control characters are escaped.

Examples:
  sealed-session inspect v2.local.…
  sealed-session inspect - < cookie.txt";

/// Keys, key ids and tokens for sealed-session.
#[derive(Parser, Debug)]
#[command(name = "sealed-session", version, after_help = MAIN_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a new random key (k2.local.…), or write it to a new file.
    #[command(after_help = KEYGEN_HELP)]
    Keygen {
        /// Write the key to this file, created with mode 0600; an existing
        /// file is never overwritten.
        #[arg(long, short, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Print the public id (k2.lid.…) of a key.
    #[command(after_help = ID_HELP)]
    Id {
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Seal a session token for a user id.
    #[command(after_help = SEAL_HELP)]
    Seal {
        /// The user id to seal (the `sub` claim).
        #[arg(long, value_name = "ID")]
        user: String,
        /// How long the token is valid: 30s, 15m, 1h, 7d; at most 400d.
        #[arg(long, value_name = "DURATION", value_parser = parse_ttl)]
        ttl: Duration,
        /// Bind the token to this audience (the `aud` claim).
        #[arg(long, value_name = "AUDIENCE")]
        aud: Option<String>,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Verify a token and print its claims as JSON.
    #[command(after_help = OPEN_HELP)]
    Open {
        /// The token, or `-` to read it from stdin.
        #[arg(value_name = "TOKEN")]
        token: String,
        /// Require this audience (tokens sealed with --aud need it).
        #[arg(long, value_name = "AUDIENCE")]
        aud: Option<String>,
        /// Check the times as of this RFC 3339 instant instead of now.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
        /// Accept a token this long after its expiry or before its nbf.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        leeway: Option<Duration>,
        #[command(flatten)]
        keys: KeysArgs,
    },
    /// Show a token's header, length and footer key id, without a key.
    #[command(after_help = INSPECT_HELP)]
    Inspect {
        /// The token, or `-` to read it from stdin.
        #[arg(value_name = "TOKEN")]
        token: String,
    },
}

#[derive(Args, Debug)]
struct KeyArgs {
    /// Read the key from this file (a k2.local. PASERK).
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Read the key from this environment variable (when no --key-file).
    #[arg(long, value_name = "NAME", default_value = KEY_ENV)]
    key_env: String,
}

#[derive(Args, Debug)]
struct KeysArgs {
    /// Read a key from this file; repeat for several keys (the first is
    /// the current key).
    #[arg(long = "key-file", value_name = "PATH")]
    key_files: Vec<PathBuf>,
    /// Read the key from this environment variable (when no --key-file).
    #[arg(long, value_name = "NAME", default_value = KEY_ENV)]
    key_env: String,
}

/// A failed command: what to print on stderr and the exit status.
struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    fn new(status: u8, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version go to stdout with status 0; usage
            // errors to stderr with status 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                status::USAGE
            } else {
                status::OK
            });
        }
    };
    let mut stdout = io::stdout().lock();
    match run(cli.command, &mut stdout).and_then(|()| {
        stdout
            .flush()
            .map_err(|e| Failure::new(status::ERROR, format!("cannot write to stdout: {e}")))
    }) {
        Ok(()) => ExitCode::from(status::OK),
        Err(f) => {
            let _ = writeln!(io::stderr(), "sealed-session: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}

fn run(command: Command, out: &mut impl Write) -> Result<(), Failure> {
    let write_err =
        |e: io::Error| Failure::new(status::ERROR, format!("cannot write to stdout: {e}"));
    match command {
        Command::Keygen { out: path } => keygen(path.as_deref(), out),
        Command::Id { key } => {
            let key = load_key(key.key_file.as_deref(), &key.key_env)?;
            writeln!(out, "{}", key.id()).map_err(write_err)
        }
        Command::Seal {
            user,
            ttl,
            aud,
            key,
        } => {
            let ring = KeyRing::new(load_key(key.key_file.as_deref(), &key.key_env)?);
            let mut policy = Policy::new(ttl, ttl);
            if let Some(aud) = aud {
                policy = policy.with_audience(aud);
            }
            let token = policy
                .seal(&ring, &user, Timestamp::now())
                .map_err(|e| match e {
                    Error::InvalidArgument(_) => {
                        Failure::new(status::USAGE, format!("cannot seal: {e}"))
                    }
                    _ => Failure::new(status::ERROR, format!("cannot seal: {e}")),
                })?;
            writeln!(out, "{token}").map_err(write_err)
        }
        Command::Open {
            token,
            aud,
            at,
            leeway,
            keys,
        } => {
            let token = read_token(&token)?;
            let ring = load_ring(&keys)?;
            let mut policy = Policy::new(Duration::MAX, Duration::MAX);
            if let Some(aud) = &aud {
                policy = policy.with_audience(aud.clone());
            }
            if let Some(leeway) = leeway {
                policy = policy.with_leeway(leeway);
            }
            let now = at.unwrap_or_else(Timestamp::now);
            let claims = policy
                .open_custom::<serde_json::Map<String, serde_json::Value>>(&ring, &token, now)
                .map_err(open_failure)?;
            writeln!(out, "{}", claims_json(&claims, aud.as_deref())).map_err(write_err)
        }
        Command::Inspect { token } => inspect(&read_token(&token)?, out),
    }
}

/// The exit status and message for a token that did not open.
fn open_failure(e: Error) -> Failure {
    let status = match e {
        Error::TokenTooLarge | Error::Malformed(_) => status::MALFORMED,
        Error::Unauthenticated => status::UNAUTHENTICATED,
        Error::Expired => status::EXPIRED,
        Error::UnknownKey => status::UNKNOWN_KEY,
        Error::NotYetValid => status::NOT_YET_VALID,
        _ => status::REJECTED,
    };
    let hint = match e {
        Error::WrongAudience => " (give the token's audience with --aud, or none if it has none)",
        Error::UnknownKey => {
            " (pass the key it was sealed with as --key-file; `inspect` shows its id)"
        }
        _ => "",
    };
    Failure::new(status, format!("token refused: {e}{hint}"))
}

fn keygen(path: Option<&Path>, out: &mut impl Write) -> Result<(), Failure> {
    let key = Key::try_generate().map_err(|e| Failure::new(status::ERROR, e.to_string()))?;
    let paserk = key.to_paserk();
    let Some(path) = path else {
        return writeln!(out, "{}", paserk.expose_secret())
            .map_err(|e| Failure::new(status::ERROR, format!("cannot write to stdout: {e}")));
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        let why = if e.kind() == io::ErrorKind::AlreadyExists {
            "it already exists, and keygen never overwrites a key file".to_string()
        } else {
            e.to_string()
        };
        Failure::new(
            status::ERROR,
            format!("cannot create key file {}: {why}", path.display()),
        )
    })?;
    file.write_all(paserk.expose_secret().as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| {
            Failure::new(
                status::ERROR,
                format!("cannot write key file {}: {e}", path.display()),
            )
        })?;
    let _ = writeln!(
        io::stderr(),
        "wrote a new key to {} (id {})",
        path.display(),
        key.id()
    );
    Ok(())
}

fn load_key(file: Option<&Path>, env: &str) -> Result<Key, Failure> {
    let loaded = match file {
        Some(path) => Key::from_file(path),
        None => Key::from_env(env),
    };
    loaded.map_err(|e| {
        let hint = if file.is_none() {
            " (or pass --key-file PATH)"
        } else {
            ""
        };
        Failure::new(status::ERROR, format!("{e}{hint}"))
    })
}

fn load_ring(keys: &KeysArgs) -> Result<KeyRing, Failure> {
    let mut files = keys.key_files.iter();
    let Some(first) = files.next() else {
        return Ok(KeyRing::new(load_key(None, &keys.key_env)?));
    };
    let mut ring = KeyRing::new(load_key(Some(first), &keys.key_env)?);
    for path in files {
        ring.add_retired(load_key(Some(path), &keys.key_env)?);
    }
    Ok(ring)
}

/// The token argument, or stdin for `-`, without surrounding whitespace.
fn read_token(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.trim().to_string());
    }
    let mut buf = Vec::new();
    io::stdin()
        .lock()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| {
            Failure::new(
                status::ERROR,
                format!("cannot read the token from stdin: {e}"),
            )
        })?;
    if buf.len() as u64 > MAX_STDIN {
        return Err(Failure::new(
            status::MALFORMED,
            format!("stdin holds more than {MAX_STDIN} bytes: not a token"),
        ));
    }
    let text = String::from_utf8(buf)
        .map_err(|_| Failure::new(status::MALFORMED, "stdin is not UTF-8 text: not a token"))?;
    Ok(text.trim().to_string())
}

/// The claims as one JSON object: the registered claims in their order,
/// then the custom claims.
fn claims_json(
    claims: &Claims<serde_json::Map<String, serde_json::Value>>,
    aud: Option<&str>,
) -> String {
    use serde_json::Value;
    let time = |t: Timestamp| Value::String(t.to_string());
    let mut fields: Vec<(String, Value)> = vec![
        ("sub".into(), Value::String(claims.user_id().into())),
        ("exp".into(), time(claims.expires_at())),
    ];
    let optional = [
        ("iat", claims.issued_at().map(time)),
        ("nbf", claims.not_before().map(time)),
        // `session_started_at` falls back to `iat`: show `sst` only when
        // the token says something else.
        (
            "sst",
            claims
                .session_started_at()
                .filter(|s| Some(*s) != claims.issued_at())
                .map(time),
        ),
        (
            "jti",
            claims.session_id().map(|id| Value::String(id.to_string())),
        ),
        // Open succeeded, so the token's `aud` is exactly the one required.
        ("aud", aud.map(|a| Value::String(a.into()))),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(k, v)| Some((k.into(), v?))),
    );
    fields.extend(claims.custom().iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{}", Value::String(k.clone()), v);
    }
    out.push('}');
    out
}

/// Print what can be read from a token without a key.
fn inspect(token: &str, out: &mut impl Write) -> Result<(), Failure> {
    let write_err =
        |e: io::Error| Failure::new(status::ERROR, format!("cannot write to stdout: {e}"));
    let mut lines = String::new();
    let result = inspect_lines(token, &mut lines);
    out.write_all(lines.as_bytes()).map_err(write_err)?;
    // `Error`'s message already says "malformed token: …" where it applies.
    result.map_err(|e| Failure::new(status::MALFORMED, e.to_string()))
}

fn inspect_lines(token: &str, lines: &mut String) -> Result<(), Error> {
    let _ = writeln!(
        lines,
        "untrusted: nothing below is authenticated (no key was used)"
    );
    let header = match token.split_inclusive('.').take(2).collect::<String>() {
        h if h.len() <= 16 && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => {
            escape(&h)
        }
        _ => "(unrecognised)".to_string(),
    };
    let _ = writeln!(lines, "untrusted header:  {header}");
    let _ = writeln!(
        lines,
        "untrusted length:  {} bytes (limit {DEFAULT_MAX_TOKEN_LEN})",
        token.len()
    );
    let untrusted = UntrustedToken::parse(token)?;
    let body_b64 = token
        .strip_prefix(sealed_session::format::HEADER)
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_default();
    let body_len = body_b64.len() / 4 * 3 + (body_b64.len() % 4).saturating_sub(1);
    match body_len.checked_sub(sealed_session::format::NONCE_LEN + sealed_session::format::TAG_LEN)
    {
        Some(n) => {
            let _ = writeln!(lines, "untrusted payload: {n} bytes (encrypted)");
        }
        None => return Err(Error::Malformed(sealed_session::Malformed::TooShort)),
    }
    let footer = untrusted.untrusted_footer()?;
    if footer.is_empty() {
        let _ = writeln!(lines, "untrusted footer:  none");
        let _ = writeln!(
            lines,
            "untrusted kid:     none (a key ring opens it with its current key)"
        );
        return Ok(());
    }
    let shown = match std::str::from_utf8(&footer) {
        Ok(s) => escape(s),
        Err(_) => format!("{} bytes, not UTF-8", footer.len()),
    };
    let _ = writeln!(lines, "untrusted footer:  {shown}");
    let kid = serde_json::from_slice::<serde_json::Value>(&footer)
        .ok()
        .and_then(|v| v.get("kid").and_then(|k| k.as_str()).map(KeyId::parse));
    let kid = match kid {
        Some(Ok(id)) => id.to_string(),
        Some(Err(_)) => "present, but not a k2.lid. key id".to_string(),
        None => "none".to_string(),
    };
    let _ = writeln!(lines, "untrusted kid:     {kid}");
    Ok(())
}

/// Attacker-chosen text made safe for a terminal: control characters (and
/// backslashes) escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `30s`, `15m`, `1h`, `7d`: a positive whole number and one unit.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let err =
        || format!("`{s}` is not a duration: write a number and a unit, e.g. 30s, 15m, 1h, 7d");
    let unit_at = s.len().checked_sub(1).ok_or_else(err)?;
    let (number, unit) = s.split_at_checked(unit_at).ok_or_else(err)?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(err()),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let n: u64 = number.parse().map_err(|_| err())?;
    if n == 0 {
        return Err(format!("`{s}`: a duration must be longer than zero"));
    }
    n.checked_mul(scale)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{s}` is too long"))
}

/// The longest `--ttl`: 400 days, the most current browsers keep a cookie
/// (they cap `Max-Age` and `Expires` there), so a longer token outlives any
/// cookie that could carry it.
const MAX_TTL: Duration = Duration::from_secs(400 * 86_400);

/// A [`parse_duration`] of at most [`MAX_TTL`].
fn parse_ttl(s: &str) -> Result<Duration, String> {
    let ttl = parse_duration(s)?;
    if ttl > MAX_TTL {
        return Err(format!(
            "`{s}` is longer than 400d: browsers keep a cookie at most 400 days"
        ));
    }
    Ok(ttl)
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s)
        .map_err(|_| format!("`{s}` is not an RFC 3339 time such as 2030-01-01T00:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        for bad in [
            "",
            "s",
            "1",
            "0s",
            "1x",
            "-1h",
            "+1h",
            "1.5h",
            "1 h",
            "1H",
            "ä",
            "99999999999999999999d",
            "213503982334602d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape("a\u{1b}[31mb\\"), "a\\u{1b}[31mb\\\\");
        assert_eq!(escape("{\"kid\":\"x\"}"), "{\"kid\":\"x\"}");
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
