// Baileys' side of SendingBenchmark: N real Baileys sockets in this one Node process, linked to a running
// sandbox, each sending texts the way a gateway built on Baileys sends them.
//   node send-fleet.mjs <6|7> <sandbox ws url> <sandbox base url> <admin token> <N> <first phone> <rounds>
//        <in flight> <senders:texts each:chats each:first recipient>...
// Links N accounts (QR scanned through the sandbox's admin API, 515 restart, open); then for each shape a
// warm-up round (0) and <rounds> rounds: sender s sends its texts to its chats in turn (recipient
// first + s*100 + chat), a chat's texts one after another (sendMessage awaited), different chats at once,
// at most <in flight> sendMessage calls open in all. A round ends when every text's delivery receipt came
// back. Prints one JSON line per phase; exit code 0 only if every text was delivered every time.
import { loadBaileys, adminClient, trustSandbox, memoryAuth, openSocket } from './baileys.mjs';

const [release, wsUrl, baseUrl, token, countText, firstPhoneText, roundsText, inFlightText, ...shapeTexts] =
  process.argv.slice(2);
const N = Number(countText);
const firstPhone = BigInt(firstPhoneText);
const rounds = Number(roundsText);
const inFlight = Number(inFlightText);
const shapes = shapeTexts.map((text) => {
  const [senders, texts, chats, firstRecipient] = text.split(':');
  return { senders: Number(senders), texts: Number(texts), chats: Number(chats), firstRecipient: BigInt(firstRecipient) };
});
const { baileys, makeWASocket, logger } = await loadBaileys(release);
const admin = adminClient(baseUrl, token);
const out = (phase, data = {}) => console.log(JSON.stringify({ phase, ...data }));
const fail = (message) => { out('failed', { message }); process.exit(1); };
await trustSandbox(release, baileys, admin);

// Receipts by message id: a receipt may come before sendMessage's promise is seen.
const delivered = new Set();
const waiting = new Map();
const DELIVERED = new Set([3, 4, 5, 'DELIVERY_ACK', 'READ', 'PLAYED']);
function receipt(key, status) {
  if (!key?.fromMe || !DELIVERED.has(status)) return;
  delivered.add(key.id);
  const done = waiting.get(key.id);
  if (done) { waiting.delete(key.id); done(); }
}
// A receipt is a messages.update; when Baileys' buffer held the message's own upsert too, it merges the two
// and the status comes inside the upsert.
function watch(sock) {
  sock.ev.on('messages.update', (updates) => { for (const { key, update } of updates) receipt(key, update.status); });
  sock.ev.on('messages.upsert', ({ messages }) => { for (const message of messages) receipt(message.key, message.status); });
}
const deliveredPromise = (id) => (delivered.has(id) ? Promise.resolve() : new Promise((resolve) => waiting.set(id, resolve)));

const accounts = [];
for (let i = 0; i < N; i++) accounts.push({ phone: String(firstPhone + BigInt(i)), auth: memoryAuth(baileys), sock: null });
const started = process.hrtime.bigint();
let next = 0;
const linker = async () => {
  while (next < accounts.length) {
    const account = accounts[next++];
    await openSocket({ baileys, makeWASocket, logger, admin, wsUrl }, account, true, watch);
  }
};
await Promise.all(Array.from({ length: Math.min(16, N) }, linker)).catch((e) => fail(e.message));
out('linked', { count: N, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
// Baileys holds events in a buffer after a login until its initial sync (which the sandbox does not send);
// flushing it often lets the receipts out as they come, as the interop scenarios do (e2e.mjs).
setInterval(() => { for (const account of accounts) account.sock?.ev.flush?.(true); }, 50);
const recipientOf = (shape, s, c) => String(shape.firstRecipient + BigInt(s * 100 + c));
// Each recipient's phone writes to its sender first: the sandbox knows only numbers that have used it.
for (const shape of shapes) {
  for (let s = 0; s < shape.senders; s++) {
    for (let c = 0; c < shape.chats; c++) {
      const hello = await admin('POST', `/sandbox/v1/accounts/${recipientOf(shape, s, c)}/messages`,
        { to: accounts[s].phone, text: 'hello' });
      if (hello.status !== 202) fail(`the sandbox answered ${hello.status} to a phone's text: ${JSON.stringify(hello.body)}`);
    }
  }
}

// A counting semaphore for sendMessage calls open at once.
let open = 0;
const queue = [];
const acquire = () => (open < inFlight ? (open++, Promise.resolve()) : new Promise((resolve) => queue.push(resolve)));
const releaseSlot = () => { const nextUp = queue.shift(); if (nextUp) nextUp(); else open--; };

async function round(shape, index, r) {
  const cpuAtStart = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const receipts = [];
  const chats = [];
  for (let s = 0; s < shape.senders; s++) {
    const sock = accounts[s].sock;
    for (let c = 0; c < shape.chats; c++) {
      const count = Math.floor(shape.texts / shape.chats) + (c < shape.texts % shape.chats ? 1 : 0);
      const jid = `${recipientOf(shape, s, c)}@s.whatsapp.net`;
      chats.push((async () => {
        for (let i = 0; i < count; i++) {
          await acquire();
          try {
            const sent = await sock.sendMessage(jid, { text: `round ${r} text ${i}` });
            receipts.push(deliveredPromise(sent.key.id));
          } finally {
            releaseSlot();
          }
        }
      })());
    }
  }
  await Promise.all(chats);
  const written = Number(process.hrtime.bigint() - t0) / 1e9;
  const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('receipts missing after 300 s')), 300_000));
  await Promise.race([Promise.all(receipts), deadline]);
  const deliveredSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpuAtStart);
  const texts = shape.senders * shape.texts;
  out('round', { shape: index, round: r, texts, writtenSeconds: written, deliveredSeconds,
    cpuMillisPerText: (cpu.user + cpu.system) / 1000 / texts });
}

try {
  for (let index = 0; index < shapes.length; index++) {
    for (let r = 0; r <= rounds; r++) await round(shapes[index], index, r);
  }
} catch (e) {
  fail(e.message);
}
for (const account of accounts) account.sock.end(undefined);
out('done');
process.exit(0);
