// Signal judge: one libsignal-node party behind JSON lines on stdin/stdout, so Java tests can
// run sessions against the real library in each build WhatsApp clients use.
//   node signal.mjs baileys6    libsignal-node 2.0.1 (curve25519-js), as Baileys 6 installs it
//   node signal.mjs baileys7    libsignal 6.0.0, as Baileys 7 installs it
//   node signal.mjs libsignal2  libsignal 2.0.1, the strict emscripten build
// Request {"id", "op", ...}; answer {"id", "ok": true, ...} or {"id", "ok": false, "error"}.
// Keys travel as base64 of the bare 32 bytes (as on WhatsApp's nodes).
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = process.argv[2];
if (!['baileys6', 'baileys7', 'libsignal2'].includes(build)) {
  console.error('usage: node signal.mjs baileys6|baileys7|libsignal2');
  process.exit(2);
}
// libsignal logs ("Closing session", errors per session) with console.log: keep stdout for answers.
console.log = console.info = console.warn = console.error;
const require = createRequire(path.join(here, build, 'node_modules', 'x.js'));
const signal = require('libsignal');

const b64 = (buf) => Buffer.from(buf).toString('base64');
const typed = (s) => Buffer.concat([Buffer.from([5]), Buffer.from(s, 'base64')]);
const bare = (key) => b64(key.length === 33 ? key.subarray(1) : key);

const identity = signal.keyhelper.generateIdentityKeyPair();
const registrationId = signal.keyhelper.generateRegistrationId();
const signed = signal.keyhelper.generateSignedPreKey(identity, 1);
const preKeys = new Map();
let nextPreKey = 1;
const sessions = new Map();
const peer = new signal.ProtocolAddress('java', 1);

const store = {
  isTrustedIdentity: async () => true,
  getOurIdentity: async () => identity,
  getOurRegistrationId: async () => registrationId,
  loadSession: async (id) => sessions.get(id),
  storeSession: async (id, record) => { sessions.set(id, record); },
  loadPreKey: async (id) => preKeys.get(Number(id)),
  removePreKey: async (id) => { preKeys.delete(Number(id)); },
  loadSignedPreKey: async (id) => (Number(id) === 1 ? signed.keyPair : undefined),
};

const ops = {
  // A bundle of this party, with a fresh one-time pre-key unless {oneTime: false}.
  bundle: (req) => {
    const answer = {
      registrationId, identityKey: bare(identity.pubKey), signedPreKeyId: 1,
      signedPreKey: bare(signed.keyPair.pubKey), signature: b64(signed.signature),
    };
    if (req.oneTime !== false) {
      const key = signal.keyhelper.generatePreKey(nextPreKey++);
      preKeys.set(key.keyId, key.keyPair);
      answer.preKeyId = key.keyId;
      answer.preKey = bare(key.keyPair.pubKey);
    }
    return answer;
  },
  initiate: async (req) => {
    const b = req.bundle;
    const device = {
      registrationId: b.registrationId, identityKey: typed(b.identityKey),
      signedPreKey: { keyId: b.signedPreKeyId, publicKey: typed(b.signedPreKey), signature: Buffer.from(b.signature, 'base64') },
    };
    if (b.preKeyId != null) device.preKey = { keyId: b.preKeyId, publicKey: typed(b.preKey) };
    await new signal.SessionBuilder(store, peer).initOutgoing(device);
    return {};
  },
  encrypt: async (req) => {
    const out = await new signal.SessionCipher(store, peer).encrypt(Buffer.from(req.text, 'utf8'));
    return { type: out.type === 3 ? 'pkmsg' : 'msg', body: b64(out.body) };
  },
  decrypt: async (req) => {
    const cipher = new signal.SessionCipher(store, peer);
    const body = Buffer.from(req.body, 'base64');
    const plain = req.type === 'pkmsg' ? await cipher.decryptPreKeyWhisperMessage(body) : await cipher.decryptWhisperMessage(body);
    return { text: Buffer.from(plain).toString('utf8') };
  },
  preKeysLeft: () => ({ count: preKeys.size }),
  // Sender keys (groups), with the group cipher of the Baileys release (libsignal2 has none).
  // This party is {user: 'judge', device: 1}; others are named by {user, device}.
  groupCreate: async (req) => {
    const g = await groupModule();
    const skdm = await new g.GroupSessionBuilder(senderKeys).create(new g.SenderKeyName(req.group, self));
    return { skdm: b64(skdm.serialize()) };
  },
  groupProcess: async (req) => {
    const g = await groupModule();
    const skdm = new g.SenderKeyDistributionMessage(null, null, null, null, Buffer.from(req.skdm, 'base64'));
    await new g.GroupSessionBuilder(senderKeys).process(senderName(g, req), skdm);
    return {};
  },
  groupEncrypt: async (req) => {
    const g = await groupModule();
    const body = await new g.GroupCipher(senderKeys, new g.SenderKeyName(req.group, self)).encrypt(Buffer.from(req.text, 'utf8'));
    return { body: b64(body) };
  },
  groupDecrypt: async (req) => {
    const g = await groupModule();
    const plain = await new g.GroupCipher(senderKeys, senderName(g, req)).decrypt(Buffer.from(req.body, 'base64'));
    return { text: Buffer.from(plain).toString('utf8') };
  },
};

const self = new signal.ProtocolAddress('judge', 1);
let group;
async function groupModule() {
  if (build === 'baileys6') group ??= require('baileys/WASignalGroup');
  else if (build === 'baileys7') group ??= await import(path.join(here, build, 'node_modules', 'baileys', 'lib', 'Signal', 'Group', 'index.js'));
  else throw new Error(`${build} has no group cipher`);
  return group;
}
const senderName = (g, req) => new g.SenderKeyName(req.group, new signal.ProtocolAddress(req.user, req.device));
// Records kept as objects: Baileys' own stores serialize them, which changes nothing here.
const senderRecords = new Map();
const senderKeys = {
  loadSenderKey: async (name) => senderRecords.get(name.toString()) ?? new (await groupModule()).SenderKeyRecord(),
  storeSenderKey: async (name, record) => { senderRecords.set(name.toString(), record); },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    const answer = await op(req);
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...answer }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req?.id, ok: false, error: `${e?.name}: ${e?.message}` }) + '\n');
  }
}
