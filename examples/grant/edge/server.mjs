// The edge: a small HTTP server on 127.0.0.1 standing in for a CDN node.
// It checks grants with the grant-edge WebAssembly module (the no_std core)
// and never calls the auth server: it has no address for it.
//
//   GRANT_KEYS="k2.local.…" node server.mjs grant_edge.wasm [port]
//
// GRANT_KEYS: the grant keys as k2.local PASERK strings, one per line, the
// current one first. Prints "listening PORT" once it accepts connections.
//
// POST /get-content with `Authorization: Bearer <grant>`: 200 and the
// object the grant names; 401 for a missing or refused grant; 404 for an
// object the edge does not hold.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const STATUS_OK = 0;
const MAX_GRANT_LEN = 1024;
const MAX_BODY = 4096;

// What this edge serves.
const CONTENT = new Map([
  ['/videos/intro.mp4', 'intro video bytes'],
  ['/docs/handbook.pdf', 'handbook bytes'],
]);

const [wasmPath, port = '0'] = process.argv.slice(2);
if (!wasmPath || !process.env.GRANT_KEYS) {
  console.error('usage: GRANT_KEYS=k2.local.… node server.mjs grant_edge.wasm [port]');
  process.exit(2);
}
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const edge = instance.exports;

function input(bytes) {
  const ptr = edge.edge_input(bytes.length);
  new Uint8Array(edge.memory.buffer, ptr, bytes.length).set(bytes);
  return bytes.length;
}

function output() {
  const out = new Uint8Array(edge.memory.buffer, edge.edge_output_ptr(), edge.edge_output_len());
  return new TextDecoder().decode(out);
}

const keyBytes = Buffer.from(process.env.GRANT_KEYS, 'utf8');
const keyStatus = edge.edge_set_keys(input(keyBytes));
keyBytes.fill(0);
delete process.env.GRANT_KEYS;
if (keyStatus !== STATUS_OK) {
  console.error('GRANT_KEYS: not k2.local PASERK keys');
  process.exit(2);
}

// The grant's claims, or null if it is refused.
function openGrant(grant) {
  if (grant.length > MAX_GRANT_LEN) return null;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const status = edge.edge_open(input(grant), now);
  if (status !== STATUS_OK) {
    console.error(`grant refused: ${output()}`);
    return null;
  }
  return JSON.parse(output());
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
  res.end(body);
}

function handle(req, res) {
  if (req.method !== 'POST' || req.url !== '/get-content') return reply(res, 404, 'not found\n');
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer ([!-~]+)$/.exec(auth);
  if (!m) return reply(res, 401, 'no grant\n');
  const claims = openGrant(Buffer.from(m[1], 'latin1'));
  if (!claims) return reply(res, 401, 'grant refused\n');
  const content = CONTENT.get(claims.path);
  if (content === undefined) return reply(res, 404, 'no such object\n');
  console.error(`served ${claims.path} to ${claims.user}`);
  return reply(res, 200, content);
}

const server = createServer((req, res) => {
  // The body is not used; it is counted and dropped, and an oversize one
  // is answered once it has been read (answering earlier would reset a
  // client that is still sending).
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
  });
  req.on('end', () => {
    try {
      if (size > MAX_BODY) reply(res, 413, 'too large\n');
      else handle(req, res);
    } catch (e) {
      console.error(`error: ${e}`);
      if (!res.headersSent) reply(res, 500, 'error\n');
    }
  });
  req.on('error', () => {});
});
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
