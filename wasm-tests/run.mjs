// Runs the core's vector runners inside Node.js's WebAssembly engine.
//
//   node wasm-tests/run.mjs target/wasm32-unknown-unknown/wasm/sealed_session_wasm_tests.wasm
//
// The published vectors are read from test-vectors/published/ (verbatim
// copies, provenance in its README), the project's own from test-vectors/.
// A missing file fails the run: this script never skips.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wasmPath = process.argv[2];
assert.ok(wasmPath, 'usage: node wasm-tests/run.mjs MODULE.wasm');

const published = join(repo, 'test-vectors', 'published');

const module = await WebAssembly.compile(readFileSync(wasmPath));
// A self-contained module: no imports, so no JavaScript glue and no host
// random source behind it.
assert.deepEqual(WebAssembly.Module.imports(module), [], 'the module imports nothing');
const instance = await WebAssembly.instantiate(module, {});
const wasm = instance.exports;

function run(exportName, file) {
  const bytes = readFileSync(file);
  const ptr = wasm.wt_input(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  const failed = wasm[exportName](bytes.length);
  const out = new Uint8Array(wasm.memory.buffer, wasm.wt_output_ptr(), wasm.wt_output_len());
  const report = JSON.parse(new TextDecoder().decode(out));
  assert.deepEqual(report.failures, [], `${exportName}: failures`);
  assert.equal(failed, 0, exportName);
  console.log(`${exportName}: ${JSON.stringify(report.counts)}`);
  return report.counts;
}

const own = join(repo, 'test-vectors', 'claims-profile.json');

// PASETO v2: 2-E-1 … 2-E-9 sealed again from key + nonce and opened,
// 2-F-1 … 2-F-3 refused, 2-S-1 … 2-S-3 (v2.public) refused before crypto.
assert.deepEqual(run('wt_paseto_v2', join(published, 'paseto', 'v2.json')), {
  rejected: 3, public_refused: 3, reproduced: 9, opened: 9,
});

// Wycheproof XChaCha20-Poly1305: the AEAD itself.
const wy = run('wt_wycheproof', join(published, 'wycheproof', 'xchacha20_poly1305_test.json'));
assert.deepEqual(wy, { valid: 246, invalid: 60, other_nonce_sizes: 9 });

// The project's claims profile: 5 seal cases, 28 must-fail cases.
assert.deepEqual(run('wt_claims_profile', own), { sealed: 5, opened: 5, must_fail: 28 });

// Key ids, PASERK strings and kid footers of 5 keys; 13 tokens opened by a
// ring (current k1, retired k2 and k3).
assert.deepEqual(run('wt_keyring', join(repo, 'test-vectors', 'keyring.json')), {
  keys: 5, ok: 4, unauthenticated: 3, unknown_key: 1, malformed_footer: 5,
});

// Every bit flip and truncation of profile-1's token, and an oversize token.
const token = JSON.parse(readFileSync(own, 'utf8')).seal[0].token;
assert.deepEqual(run('wt_mutations', own), {
  flips_refused: token.length * 8,
  truncations_refused: token.length,
  oversize_refused: 1,
});
console.log('wasm vectors: all passed');
