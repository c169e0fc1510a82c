//! Edits applied to valid tokens sealed under a fixed key: a token that
//! still opens must be byte-identical to the one sealed, with the same
//! payload and footer.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{format, Key};
use sealed_session_fuzz::{check_open, VECTOR_KEY};

#[derive(Arbitrary, Debug)]
enum Edit {
    Set { at: u16, byte: u8 },
    Xor { at: u16, mask: u8 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16 },
    Truncate { len: u16 },
    Append { bytes: Vec<u8> },
    Swap { a: u16, b: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    which: u8,
    edits: Vec<Edit>,
}

struct Sealed {
    token: String,
    payload: Vec<u8>,
    footer: Vec<u8>,
}

/// Tokens covering the stack and heap paths (body up to and past 512
/// bytes, footer up to and past 192 bytes), with and without a footer.
fn sealed() -> &'static [Sealed] {
    static SEALED: OnceLock<Vec<Sealed>> = OnceLock::new();
    SEALED.get_or_init(|| {
        let key = Key::from_bytes(VECTOR_KEY);
        let cases: [(Vec<u8>, Vec<u8>); 6] = [
            (
                br#"{"sub":"12234","exp":"2030-01-01T00:00:00Z","iat":"2018-01-01T00:00:00Z"}"#
                    .to_vec(),
                vec![],
            ),
            (
                br#"{"sub":"u","exp":"2030-01-01T00:00:00Z"}"#.to_vec(),
                br#"{"kid":"k2.lid.AAAA"}"#.to_vec(),
            ),
            (vec![], vec![]),
            (vec![0xA5; 472], vec![b'f'; 192]),
            (vec![0x5A; 473], vec![b'g'; 193]),
            (vec![0; 1500], vec![1; 600]),
        ];
        cases
            .into_iter()
            .enumerate()
            .map(|(i, (payload, footer))| Sealed {
                token: format::__seal_with_nonce_seed(&key, &[i as u8; 24], &payload, &footer),
                payload,
                footer,
            })
            .collect()
    })
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |i: u16, len: usize| usize::from(i) % len.max(1);
    match *edit {
        Edit::Set { at: i, byte } if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] = byte;
        }
        Edit::Xor { at: i, mask } if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] ^= mask;
        }
        Edit::Insert { at: i, byte } => {
            let i = at(i, bytes.len() + 1);
            bytes.insert(i, byte);
        }
        Edit::Remove { at: i } if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes.remove(i);
        }
        Edit::Truncate { len } => bytes.truncate(usize::from(len)),
        Edit::Append { bytes: ref more } => bytes.extend_from_slice(more),
        Edit::Swap { a, b } if !bytes.is_empty() => {
            let (a, b) = (at(a, bytes.len()), at(b, bytes.len()));
            bytes.swap(a, b);
        }
        _ => {}
    }
}

fuzz_target!(|input: Input| {
    let all = sealed();
    let original = &all[usize::from(input.which) % all.len()];
    let mut bytes = original.token.clone().into_bytes();
    for edit in input.edits.iter().take(16) {
        apply(&mut bytes, edit);
    }
    let Ok(token) = String::from_utf8(bytes) else {
        return;
    };
    let key = Key::from_bytes(VECTOR_KEY);
    if let Ok(opened) = format::open(&key, &token) {
        assert_eq!(token, original.token, "an edited token opened");
        assert_eq!(
            (opened.payload, opened.footer),
            (original.payload.clone(), original.footer.clone())
        );
    }
    check_open(&token);
});
