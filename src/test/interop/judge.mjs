// Interop judge: wraps one release of the real Baileys package behind a JSON-lines protocol on
// stdin/stdout, so Java tests can ask it to encode, decode and check what our code produces.
//   node judge.mjs 6    Baileys 6.17.16 (token dictionary 2)
//   node judge.mjs 7    Baileys 7.0.0-rc14 (token dictionary 3)
// Request:  {"id": n, "op": "...", ...}     Answer: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const release = process.argv[2];
if (release !== '6' && release !== '7') {
  console.error('usage: node judge.mjs 6|7');
  process.exit(2);
}
const root = path.join(here, `baileys${release}`, 'node_modules');
const require = createRequire(path.join(root, 'x.js'));

let binary, constants, proto, curve;
if (release === '6') {
  binary = require('baileys/lib/WABinary');
  constants = require('baileys/lib/WABinary/constants');
  proto = require('baileys/WAProto').proto;
} else {
  binary = await import(path.join(root, 'baileys/lib/WABinary/index.js'));
  constants = await import(path.join(root, 'baileys/lib/WABinary/constants.js'));
  proto = (await import(path.join(root, 'baileys/WAProto/index.js'))).proto;
}
curve = require('libsignal/src/curve');

const b64 = (buf) => Buffer.from(buf).toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64');

// Node <-> JSON: attributes as ordered pairs; content as {children}, {bytes} or {text}.
function fromJson(n) {
  const attrs = {};
  for (const [k, v] of n.attrs) attrs[k] = v;
  let content;
  if (n.content == null) content = undefined;
  else if (n.content.children) content = n.content.children.map(fromJson);
  else if (n.content.bytes != null) content = unb64(n.content.bytes);
  else content = n.content.text;
  return { tag: n.tag, attrs, content };
}

function toJson(n) {
  let content = null;
  if (Array.isArray(n.content)) content = { children: n.content.map(toJson) };
  else if (n.content instanceof Uint8Array) content = { bytes: b64(n.content) };
  else if (typeof n.content === 'string') content = { text: n.content };
  return { tag: n.tag, attrs: Object.entries(n.attrs || {}), content };
}

const ops = {
  tokens: () => ({ version: release === '6' ? 2 : 3, single: constants.SINGLE_BYTE_TOKENS, double: constants.DOUBLE_BYTE_TOKENS }),
  encode: (req) => ({ frames: req.nodes.map((n) => b64(binary.encodeBinaryNode(fromJson(n)))) }),
  decode: async (req) => {
    const nodes = [];
    for (const f of req.frames) nodes.push(toJson(await binary.decodeBinaryNode(unb64(f))));
    return { nodes };
  },
  // Decodes protobuf bytes with Baileys' own schema; answers the message as JSON (bytes in base64).
  proto: (req) => {
    const type = req.type.split('.').reduce((t, name) => t[name], proto);
    const message = type.decode(unb64(req.bytes));
    return { message: type.toObject(message, { bytes: String, longs: String, enums: Number, defaults: false }) };
  },
  sign: (req) => ({ signature: b64(curve.calculateSignature(unb64(req.privateKey), unb64(req.message))) }),
  verify: (req) => ({ valid: curve.verifySignature(unb64(req.publicKey), unb64(req.message), unb64(req.signature)) }),
  keyPair: () => {
    const pair = curve.generateKeyPair();
    return { publicKey: b64(pair.pubKey.subarray(pair.pubKey.length - 32)), privateKey: b64(pair.privKey) };
  },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
    const answer = await ops[req.op](req);
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...answer }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req && req.id, ok: false, error: String(e && e.message || e) }) + '\n');
  }
}
