// End-to-end judge: the real Baileys client against a running Switchboard sandbox.
//   node e2e.mjs <6|7> <sandbox ws url> <service base url> <admin token> <work dir> [transcript PHONE]
// Scenario: QR → scan through the admin API → 515 → restart → open → keepalives → close;
// login again from the saved credentials without a QR → sock.logout() unlinks the device;
// pair a second time → a sandbox disconnect 401 makes Baileys report logged out; link by
// phone-number code (requestPairingCode): a wrong code typed on the phone fails, the right one links.
// Prints one JSON line per step; exit code 0 only if every step happened as expected.
import path from 'node:path';
import fs from 'node:fs';
import { loadBaileys, adminClient, trustSandbox } from './baileys.mjs';

const [release, wsUrl, baseUrl, token, workDir] = process.argv.slice(2);
const { baileys, makeWASocket, logger } = await loadBaileys(release);
const { useMultiFileAuthState, DisconnectReason } = baileys;
const admin = adminClient(baseUrl, token);

const step = (name, data = {}) => console.log(JSON.stringify({ step: name, ...data }));
const fail = (message) => { console.log(JSON.stringify({ step: 'failed', message })); process.exit(1); };
let scenarioTimer = setTimeout(() => fail('scenario timed out'), 150_000).unref();

if (await trustSandbox(release, baileys, admin)) step('trust-root-set');

// What this process sent, by id: Baileys asks getMessage for it when a device sends a retry receipt.
const sentMessages = new Map();

// Sends a text and keeps it for getMessage at once (Baileys 7 buffers its own upsert events).
async function sendText(sock, jid, text) {
  const sent = await sock.sendMessage(jid, { text });
  sentMessages.set(sent.key.id, sent.message);
  return sent;
}

// One socket's life: resolves with the reason it closed.
function runSocket(auth, saveCreds, { phone, onOpen, expectQr, onQr }) {
  return new Promise((resolve) => {
    const sock = makeWASocket({
      waWebSocketUrl: wsUrl, auth, logger, keepAliveIntervalMs: 1500, connectTimeoutMs: 10_000,
      defaultQueryTimeoutMs: 10_000, markOnlineOnConnect: false, syncFullHistory: false,
      getMessage: async (key) => sentMessages.get(key.id),
    });
    sock.ev.on('creds.update', saveCreds);
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) if (m.key.fromMe && m.message) sentMessages.set(m.key.id, m.message);
    });
    sock.ev.on('connection.update', async (update) => {
      if (update.qr) {
        if (!expectQr) fail('unexpected QR on a login with saved credentials');
        step('qr', { form: update.qr.startsWith('https://') ? 'link' : 'bare' });
        if (onQr) {
          onQr(sock);
          return;
        }
        const scan = await admin('POST', '/sandbox/v1/scan', { qr: update.qr, phone });
        if (scan.status !== 200) fail(`scan answered ${scan.status}: ${JSON.stringify(scan.body)}`);
        step('scanned', scan.body);
      }
      if (update.connection === 'open') {
        step('open', { me: auth.creds.me?.id });
        onOpen(sock);
      }
      if (update.connection === 'close') {
        const code = update.lastDisconnect?.error?.output?.statusCode;
        resolve({ code, message: update.lastDisconnect?.error?.message });
      }
    });
  });
}

async function connectUntilOpen(dir, phone, expectQr, onOpen, onQr) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { state, saveCreds } = await useMultiFileAuthState(dir);
    const closed = await runSocket(state, saveCreds, { phone, expectQr: expectQr && attempt === 0, onOpen, onQr });
    if (closed.code === DisconnectReason.restartRequired) {
      step('restart-required', { code: closed.code });
      continue;
    }
    return { closed, state };
  }
  fail('too many restarts');
}

// Transcript mode (node e2e.mjs 7 … transcript PHONE): pair by QR, stay open 4 s, close; the
// sandbox records every stanza sent, for StanzaTranscriptTest to set beside ours.
if (process.argv[7] === 'transcript') {
  const dir = path.join(workDir, 'auth-t');
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, process.argv[8], true, (sock) => setTimeout(() => sock.end(undefined), 4000));
  step('passed');
  process.exit(0);
}

// Send mode (node e2e.mjs 6|7 … send PHONE TO TEXT…): pair an account, send each text to TO, wait for
// the delivery receipts, close.
if (process.argv[7] === 'send') {
  const [phone, to, ...texts] = process.argv.slice(8);
  const dir = path.join(workDir, `send-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const delivered = new Set();
    sock.ev.on('messages.update', (updates) => {
      for (const u of updates) if (u.update?.status >= 3) delivered.add(u.key.id);
    });
    const ids = [];
    for (const text of texts) {
      const sent = await sendText(sock, `${to}@s.whatsapp.net`, text);
      ids.push(sent.key.id);
    }
    step('sent', { count: ids.length });
    const until = Date.now() + 15_000;
    while (ids.some((id) => !delivered.has(id)) && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('receipts', { delivered: ids.filter((id) => delivered.has(id)).length });
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Group-member mode (node e2e.mjs 6|7 … group-member PHONE): pair an account, print ready, then act on the JSON
// commands read from stdin, one per line, and print what the account sees in its groups:
//   {"op":"create","subject":S,"participants":[phones]}   → created {id, addressingMode}
//   {"op":"send","group":G,"text":T} / {"op":"image","group":G,"path":P,"caption":C} → sent {id}
//   {"op":"participants","group":G,"action":"add|remove|promote|demote","phones":[…]} → participants {result}
//   {"op":"metadata","group":G}  → metadata {subject, participants}
//   {"op":"read","group":G}      → marks every message received in G as read → read {count}
//   {"op":"end"}                 → closes and exits 0
// Seen: received {group, id, participant, text, caption}, undecryptable {group, id, participant}, joined {id, subject},
// participants-update {group, action, participants}, group-update {group, …}, status {id, status}.
if (process.argv[7] === 'group-member') {
  const phone = process.argv[8];
  clearTimeout(scenarioTimer);
  scenarioTimer = setTimeout(() => fail('scenario timed out'), 600_000).unref();
  const dir = path.join(workDir, `group-member-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const jidOf = (p) => `${p}@s.whatsapp.net`;
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const received = new Map();
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) {
        if (m.key.fromMe || !m.key.remoteJid?.endsWith('@g.us')) continue;
        if (!m.message) {
          // Stub 2 (CIPHERTEXT) is a message that did not decrypt; others (20: group created, 27/28: added/removed…)
          // are the group notifications Baileys turns into chat entries.
          if (m.messageStubType === 2) step('undecryptable', { group: m.key.remoteJid, id: m.key.id, participant: m.key.participant });
          continue;
        }
        if (m.message.senderKeyDistributionMessage && Object.keys(m.message).length === 1) continue;
        if (m.message.protocolMessage) continue;
        const text = m.message.conversation || m.message.extendedTextMessage?.text;
        const caption = m.message.imageMessage?.caption;
        if (text === undefined && caption === undefined) continue;
        if (!received.has(m.key.remoteJid)) received.set(m.key.remoteJid, []);
        received.get(m.key.remoteJid).push(m.key);
        const context = m.message.extendedTextMessage?.contextInfo ?? m.message.imageMessage?.contextInfo;
        step('received', { group: m.key.remoteJid, id: m.key.id, participant: m.key.participant,
          participantAlt: m.key.participantAlt ?? m.key.participantPn ?? m.key.participantLid, text, caption,
          quotedId: context?.stanzaId, quotedParticipant: context?.participant, mentions: context?.mentionedJid ?? [] });
      }
    });
    sock.ev.on('messages.update', (updates) => {
      for (const u of updates) {
        if (u.key.remoteJid?.endsWith('@g.us') && u.key.fromMe && u.update?.status) step('status', { id: u.key.id, status: u.update.status });
      }
    });
    sock.ev.on('message-receipt.update', (updates) => {
      for (const u of updates) {
        if (u.key.remoteJid?.endsWith('@g.us')) step('receipt', { id: u.key.id, user: u.receipt?.userJid, read: !!u.receipt?.readTimestamp });
      }
    });
    sock.ev.on('messages.reaction', (reactions) => {
      for (const r of reactions) {
        if (r.key.remoteJid?.endsWith('@g.us')) step('reaction', { group: r.key.remoteJid, id: r.key.id, emoji: r.reaction?.text });
      }
    });
    sock.ev.on('groups.upsert', (groups) => {
      for (const g of groups) step('joined', { id: g.id, subject: g.subject });
    });
    sock.ev.on('groups.update', (updates) => {
      for (const u of updates) step('group-update', { group: u.id, subject: u.subject, desc: u.desc, announce: u.announce });
    });
    sock.ev.on('group-participants.update', ({ id, participants, action, author }) => {
      step('participants-update', { group: id, action, author, participants: participants.map((p) => (typeof p === 'string' ? p : p.id)) });
    });
    step('ready');
    const lines = (await import('node:readline')).createInterface({ input: process.stdin, crlfDelay: Infinity });
    const flusher = setInterval(() => sock.ev.flush?.(true), 100);
    for await (const line of lines) {
      if (!line.trim()) continue;
      const command = JSON.parse(line);
      try {
        if (command.op === 'create') {
          const group = await sock.groupCreate(command.subject, command.participants.map(jidOf));
          step('created', { id: group.id, addressingMode: group.addressingMode });
        } else if (command.op === 'send') {
          const sent = await sendText(sock, command.group, command.text);
          step('sent', { id: sent.key.id, text: command.text });
        } else if (command.op === 'image') {
          const sent = await sock.sendMessage(command.group, { image: fs.readFileSync(command.path), caption: command.caption });
          sentMessages.set(sent.key.id, sent.message);
          step('sent', { id: sent.key.id, caption: command.caption });
        } else if (command.op === 'participants') {
          const result = await sock.groupParticipantsUpdate(command.group, command.phones.map(jidOf), command.action);
          step('participants', { result: result.map((r) => ({ jid: r.jid, status: r.status })) });
        } else if (command.op === 'metadata') {
          const meta = await sock.groupMetadata(command.group);
          step('metadata', { subject: meta.subject, addressingMode: meta.addressingMode,
            participants: meta.participants.map((p) => ({ id: p.id, admin: p.admin })) });
        } else if (command.op === 'read') {
          const keys = received.get(command.group) ?? [];
          await sock.readMessages(keys);
          step('read', { count: keys.length });
        } else if (command.op === 'end') {
          clearInterval(flusher);
          sock.end(undefined);
          step('passed');
          process.exit(0);
        } else {
          step('unknown-command', { op: command.op });
        }
      } catch (e) {
        step('command-failed', { op: command.op, message: String(e?.message || e), status: e?.output?.statusCode });
      }
    }
  });
}

// Reader mode (node e2e.mjs 6|7 … reader PHONE PEER COUNT): pair an account, print ready, send one text
// "from Baileys" to PEER, then mark every text that arrives as read (sock.readMessages) until COUNT
// arrived, printed with their ids; wait 2 s for the read receipts to go out, close.
if (process.argv[7] === 'reader') {
  const [phone, peer, count] = [process.argv[8], process.argv[9], Number(process.argv[10])];
  const dir = path.join(workDir, `reader-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const texts = [];
    sock.ev.on('messages.upsert', async ({ messages }) => {
      for (const m of messages) {
        const text = m.message?.conversation || m.message?.extendedTextMessage?.text;
        if (text && !m.key.fromMe) {
          texts.push({ text, id: m.key.id });
          await sock.readMessages([m.key]);
        }
      }
    });
    step('ready');
    await sendText(sock, `${peer}@s.whatsapp.net`, 'from Baileys');
    const until = Date.now() + 60_000;
    while (texts.length < count && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('read', { texts });
    await new Promise((r) => setTimeout(r, 2000));
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Media-sender mode (node e2e.mjs 6|7 … send-media PHONE TO IMAGE PDF): pair an account, send the PNG at IMAGE
// with a caption and the PDF at PDF with its file name to TO (Baileys encrypts and uploads them to the
// sandbox's media host itself), wait for the delivery receipts, close.
if (process.argv[7] === 'send-media') {
  const [phone, to, imagePath, pdfPath] = process.argv.slice(8);
  const dir = path.join(workDir, `send-media-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const delivered = new Set();
    sock.ev.on('messages.update', (updates) => {
      for (const u of updates) if (u.update?.status >= 3) delivered.add(u.key.id);
    });
    const jid = `${to}@s.whatsapp.net`;
    const image = await sock.sendMessage(jid, { image: fs.readFileSync(imagePath), caption: 'photo from Baileys',
      mimetype: 'image/png' });
    sentMessages.set(image.key.id, image.message);
    const pdf = await sock.sendMessage(jid, { document: fs.readFileSync(pdfPath), fileName: 'statement.pdf',
      mimetype: 'application/pdf' });
    sentMessages.set(pdf.key.id, pdf.message);
    const ids = [image.key.id, pdf.key.id];
    step('sent-media', { image: image.key.id, document: pdf.key.id });
    const until = Date.now() + 20_000;
    while (ids.some((id) => !delivered.has(id)) && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('receipts', { delivered: ids.filter((id) => delivered.has(id)).length });
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Reader mode for our conversation features (node e2e.mjs 6|7 … conversation-reader PHONE OURS): pair an account, print
// ready, write "can you help?" to OURS, then watch what OURS does as Baileys applies it: a reply quoting that text
// (and mentioning this account), a reaction to it, an edit of a text, a revoke of a text, the read receipt for it,
// and OURS typing; meanwhile this account types to OURS. Prints "seen" with each.
if (process.argv[7] === 'conversation-reader') {
  const [phone, ours] = process.argv.slice(8);
  const dir = path.join(workDir, `conversation-reader-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const seen = { texts: [], reactions: [], edits: [], revokes: [], reads: [], presences: [] };
    sock.ev.on('presence.update', ({ id, presences }) => {
      for (const [who, p] of Object.entries(presences ?? {})) seen.presences.push({ id, who, state: p.lastKnownPresence });
    });
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) {
        if (m.key.fromMe || !m.message) continue;
        const ext = m.message.extendedTextMessage;
        const text = m.message.conversation || ext?.text;
        if (text) {
          seen.texts.push({ id: m.key.id, text, quotedId: ext?.contextInfo?.stanzaId, quotedText:
            ext?.contextInfo?.quotedMessage?.conversation, mentions: ext?.contextInfo?.mentionedJid ?? [] });
        }
        // Baileys 6 hands reactions over as messages too; they are counted from the reaction events below.
      }
    });
    sock.ev.on('messages.reaction', (reactions) => {
      for (const r of reactions) seen.reactions.push({ id: r.key.id, emoji: r.reaction?.text });
    });
    sock.ev.on('messages.update', (updates) => {
      for (const u of updates) {
        const edited = u.update?.message?.editedMessage?.message;
        const protocol = edited?.protocolMessage;
        const text = protocol?.editedMessage?.conversation ?? edited?.conversation ?? edited?.extendedTextMessage?.text;
        if (text) seen.edits.push({ id: u.key.id, text });
        if (u.update?.messageStubType === 1 || (u.update && 'message' in u.update && u.update.message === null)) {
          seen.revokes.push({ id: u.key.id });
        }
        if (u.key.fromMe && u.update?.status >= 4) seen.reads.push({ id: u.key.id });
      }
    });
    step('ready');
    const question = await sock.sendMessage(`${ours}@s.whatsapp.net`, { text: 'can you help?' });
    sentMessages.set(question.key.id, question.message);
    step('asked', { id: question.key.id });
    // Typing to OURS every second (OURS subscribes to this account's presence meanwhile: offline, since Baileys
    // announces "available" only with a push name, which a paired test account does not have).
    const until = Date.now() + 60_000;
    let typed = 0;
    while ((seen.texts.length < 3 || seen.reactions.length < 1 || seen.edits.length < 1 || seen.revokes.length < 1
        || seen.reads.length < 1 || !seen.presences.some((p) => p.state === 'composing')) && Date.now() < until) {
      sock.ev.flush?.(true);
      if (Date.now() - typed > 1000) {
        typed = Date.now();
        await sock.sendPresenceUpdate('composing', `${ours}@s.whatsapp.net`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    step('seen', seen);
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Chat-features mode (node e2e.mjs 6|7 … chat-features PHONE OURS): pair an account, print ready, wait for a text from
// OURS, then answer it as a person does: a text, a reply quoting ours that mentions OURS, a reaction to ours, a
// reaction to its own text, an edit of its own text, a location, a contact card, a text then deleted for everyone.
// Prints the ids ("conversed"), then waits until every message is acknowledged by the server.
if (process.argv[7] === 'chat-features') {
  const [phone, ours] = process.argv.slice(8);
  const dir = path.join(workDir, `chat-features-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    let theirs = null;
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) {
        if (!m.key.fromMe && m.message && (m.message.conversation || m.message.extendedTextMessage)) theirs = theirs ?? m;
      }
    });
    step('ready');
    const until = Date.now() + 30_000;
    while (!theirs && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!theirs) fail('no text from us arrived');
    const jid = `${ours}@s.whatsapp.net`;
    // Ids are copied as sent: Baileys 6 reuses a revoked message's key object for the revoke (and changes its id).
    const send = async (content, options) => {
      const sent = await sock.sendMessage(jid, content, options);
      sentMessages.set(sent.key.id, sent.message);
      await new Promise((r) => setTimeout(r, 150));
      return { ...sent, id: sent.key.id, key: { ...sent.key } };
    };
    const plain = await send({ text: 'first version' });
    const reply = await send({ text: `thanks @${ours}`, mentions: [jid] }, { quoted: theirs });
    await send({ react: { text: '👍', key: theirs.key } });
    await send({ react: { text: '🎉', key: plain.key } });
    const edit = await send({ text: 'second version', edit: plain.key });
    const location = await send({ location: { degreesLatitude: -23.5505, degreesLongitude: -46.6333, name: 'Sé',
      address: 'Praça da Sé, São Paulo' } });
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ana Lima\nTEL;type=CELL;waid=5511987654321:+55 11 98765-4321\nEND:VCARD';
    const contact = await send({ contacts: { displayName: 'Ana Lima', contacts: [{ vcard }] } });
    const doomed = await send({ text: 'sent to the wrong person' });
    const revoke = await send({ delete: doomed.key });
    // Baileys' own number check through the sandbox: our number is on WhatsApp, a made-up one is not.
    const onWhatsApp = await sock.onWhatsApp(`+${ours}`, '+19995550123');
    step('conversed', { onWhatsApp, ours: theirs.key.id, plain: plain.id, reply: reply.id, edit: edit.id,
      location: location.id, contact: contact.id, doomed: doomed.id, revoke: revoke.id });
    await new Promise((r) => setTimeout(r, 1500));
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Media-reader mode (node e2e.mjs 6|7 … media-reader PHONE COUNT [refetch]): pair an account, print ready, then
// download every media message that arrives with Baileys' own downloadMediaMessage until COUNT did,
// printing each one's kind, mimetype, caption, file name, size and SHA-256 of the bytes Baileys got.
// With refetch: then the sandbox's media host forgets those files, and each is downloaded again through
// Baileys' updateMediaMessage (the media retry to its phone) — printed as step "refetched".
if (process.argv[7] === 'media-reader') {
  const [phone, count, refetch] = [process.argv[8], Number(process.argv[9]), process.argv[10] === 'refetch'];
  const { createHash } = await import('node:crypto');
  const dir = path.join(workDir, `media-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const files = [];
    const received = [];
    const kinds = { imageMessage: 'image', documentMessage: 'document', audioMessage: 'audio', videoMessage: 'video',
      stickerMessage: 'sticker' };
    sock.ev.on('messages.upsert', async ({ messages }) => {
      for (const m of messages) {
        if (m.key.fromMe || !m.message) continue;
        const type = Object.keys(m.message).find((k) => kinds[k]);
        if (!type) continue;
        received.push(m);
        const content = m.message[type];
        try {
          const bytes = await baileys.downloadMediaMessage(m, 'buffer', {}, { logger, reuploadRequest: sock.updateMediaMessage });
          files.push({ id: m.key.id, kind: type === 'audioMessage' && content.ptt ? 'voice' : kinds[type],
            mimetype: content.mimetype, caption: content.caption, fileName: content.fileName, size: bytes.length,
            quotedId: content.contextInfo?.stanzaId, mentions: content.contextInfo?.mentionedJid ?? [],
            sha256: createHash('sha256').update(bytes).digest('base64') });
        } catch (error) {
          files.push({ id: m.key.id, kind: kinds[type], error: String(error?.message || error) });
        }
      }
    });
    step('ready');
    const until = Date.now() + 60_000;
    while (files.length < count && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('media', { files });
    if (refetch) {
      const again = [];
      // Baileys 7 builds the moved file's URL on the media host it learned from media_conn (mmg.whatsapp.net
      // until it asked): a reader that never uploaded asks once, so the URL names the sandbox's host.
      await sock.refreshMediaConn(true);
      for (const m of received) {
        const type = Object.keys(m.message).find((k) => kinds[k]);
        const directPath = m.message[type].directPath;
        const expired = await admin('POST', '/sandbox/v1/media/expire', { directPath });
        if (expired.status !== 200 || expired.body.expired !== 1) fail(`expire ${directPath} answered ${JSON.stringify(expired)}`);
        try {
          // Baileys 7.0.0-rc14's downloadMediaMessage never calls reuploadRequest (it reads error.status, a Boom
          // carries output.statusCode), so the retry is asked for here as an application would.
          const download = () => baileys.downloadMediaMessage(m, 'buffer', {}, { logger, reuploadRequest: sock.updateMediaMessage });
          const bytes = await download().catch(async (error) => {
            if (![404, 410].includes(error?.output?.statusCode)) throw error;
            await sock.updateMediaMessage(m);
            return download();
          });
          again.push({ id: m.key.id, moved: m.message[type].directPath !== directPath, size: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('base64') });
        } catch (error) {
          again.push({ id: m.key.id, error: String(error?.message || error) });
        }
      }
      step('refetched', { files: again });
    }
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Receive mode (node e2e.mjs 6|7 … receive PHONE COUNT): pair an account, stay open until COUNT texts
// arrived (printed with their sender), close.
if (process.argv[7] === 'receive') {
  const [phone, count] = [process.argv[8], Number(process.argv[9])];
  const dir = path.join(workDir, `receive-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await connectUntilOpen(dir, phone, true, async (sock) => {
    const texts = [];
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) {
        const text = m.message?.conversation || m.message?.extendedTextMessage?.text;
        if (text && !m.key.fromMe) texts.push({ text, from: m.key.remoteJid });
      }
    });
    step('open-receiving');
    const until = Date.now() + 60_000;
    while (texts.length < count && Date.now() < until) {
      sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('received', { texts });
    sock.end(undefined);
  });
  step('passed');
  process.exit(0);
}

// Conversation mode (node e2e.mjs 6|7 … converse PHONE PEER COUNT): pair, then per round print
// ready-N, send COUNT texts "bN-i" to PEER while waiting for COUNT texts "sN-i" from it, print
// got-N, close; round 1 logs in again from the saved auth state (no QR) and does it again with 5.
if (process.argv[7] === 'converse') {
  const [phone, peer, count] = [process.argv[8], process.argv[9], Number(process.argv[10])];
  const dir = path.join(workDir, `converse-${phone}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const received = [];
  const ids = {};
  for (const [round, n] of [[0, count], [1, 5]]) {
    await connectUntilOpen(dir, phone, round === 0, async (sock) => {
      sock.ev.on('messages.upsert', ({ messages }) => {
        for (const m of messages) {
          const text = m.message?.conversation || m.message?.extendedTextMessage?.text;
          if (text && !m.key.fromMe) {
            received.push(text);
            ids[text] = [...new Set([...(ids[text] || []), m.key.id])];
          }
        }
      });
      step(`ready-${round}`);
      for (let i = 0; i < n; i++) {
        await sendText(sock, `${peer}@s.whatsapp.net`, `b${round}-${i}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const expected = [...Array(n).keys()].map((i) => `s${round}-${i}`);
      const until = Date.now() + 60_000;
      while (expected.some((t) => !received.includes(t)) && Date.now() < until) {
        sock.ev.flush?.(true);
        await new Promise((r) => setTimeout(r, 50));
      }
      const missing = expected.filter((t) => !received.includes(t));
      if (missing.length) fail(`round ${round}: never received ${missing.join(',')}`);
      // A text shown twice under one message id is one message Baileys processed twice (Baileys 7 decrypts a
      // message again after it asked for it to be sent again; apps key messages by id). Under two ids it
      // would be a second send: that is what must never happen.
      const duplicates = Object.keys(ids).filter((t) => ids[t].length > 1);
      if (duplicates.length) fail(`sent twice under different ids: ${duplicates.join(',')}`);
      step(`got-${round}`, { received: expected.length });
      await new Promise((r) => setTimeout(r, 500));
      sock.end(undefined);
    });
  }
  step('passed');
  process.exit(0);
}

// Chat mode (node e2e.mjs 6|7 … chat PHONE_A PHONE_B): two Baileys accounts paired to the sandbox
// message each other through it (usync, pre-key bundles, relay, receipts), both ways.
if (process.argv[7] === 'chat') {
  const [phoneA, phoneB] = [process.argv[8], process.argv[9]];
  const sockets = {};
  const received = { [phoneA]: [], [phoneB]: [] };
  for (const phone of [phoneA, phoneB]) {
    const dir = path.join(workDir, `chat-${phone}`);
    fs.rmSync(dir, { recursive: true, force: true });
    connectUntilOpen(dir, phone, true, (sock) => {
      sockets[phone] = sock;
      sock.ev.on('messages.upsert', ({ messages }) => {
        for (const m of messages) {
          const text = m.message?.conversation || m.message?.extendedTextMessage?.text;
          if (text && !m.key.fromMe) received[phone].push(text);
        }
      });
    });
  }
  const waitFor = async (what, test, ms = 20_000) => {
    const until = Date.now() + ms;
    while (!test()) {
      if (Date.now() > until) fail(`timed out waiting for ${what}`);
      for (const sock of Object.values(sockets)) sock.ev.flush?.(true);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor('both accounts open', () => sockets[phoneA] && sockets[phoneB], 60_000);
  step('both-open');
  await sendText(sockets[phoneA], `${phoneB}@s.whatsapp.net`, 'hello from A');
  await waitFor('B to receive', () => received[phoneB].includes('hello from A'));
  step('b-received');
  await sendText(sockets[phoneB], `${phoneA}@s.whatsapp.net`, 'hello back from B');
  await waitFor('A to receive', () => received[phoneA].includes('hello back from B'));
  step('a-received');
  for (let i = 0; i < 10; i++) {
    await sendText(sockets[phoneA], `${phoneB}@s.whatsapp.net`, `a${i}`);
    await sendText(sockets[phoneB], `${phoneA}@s.whatsapp.net`, `b${i}`);
  }
  // Baileys 7 now and then reuses a message key when it sends while it receives (its own session
  // writes race); the receiver refuses it and sends a retry receipt, which the sandbox relays, and the
  // sender encrypts the text again: every text arrives.
  const need = 10;
  const got = (list, prefix) => [...Array(10).keys()].filter((i) => list.includes(`${prefix}${i}`)).length;
  await waitFor('ten each way', () => got(received[phoneB], 'a') >= need && got(received[phoneA], 'b') >= need);
  step('ten-each-way', { a: received[phoneA].length, b: received[phoneB].length });
  for (const sock of Object.values(sockets)) sock.end(undefined);
  step('passed');
  process.exit(0);
}

const devices = async () => (await admin('GET', '/sandbox/v1/devices')).body;
const phoneA = `1555${Math.floor(1000000 + Math.random() * 8999999)}`;
const dirA = path.join(workDir, 'auth-a');
fs.rmSync(dirA, { recursive: true, force: true });

// 1. Pair, stay open across keepalives, close.
let first = await connectUntilOpen(dirA, phoneA, true, (sock) => setTimeout(() => sock.end(undefined), 5000));
if (!first.state.creds.me?.id) fail('no credentials after pairing');
step('closed-by-client', { code: first.closed.code });
const linked = (await devices()).find((d) => d.phone === phoneA);
if (!linked) fail('sandbox does not list the device');
step('linked', linked);

// 2. Log in again from the saved credentials (no QR), then log out.
let loggedOut = false;
const second = await connectUntilOpen(dirA, phoneA, false, async (sock) => {
  await new Promise((r) => setTimeout(r, 3000));
  await sock.logout();
  loggedOut = true;
});
if (!loggedOut) fail(`second login did not open: ${JSON.stringify(second.closed)}`);
await new Promise((r) => setTimeout(r, 500));
if ((await devices()).some((d) => d.deviceJid === linked.deviceJid)) fail('logout did not unlink the device');
step('logged-out-unlinked');

// 3. Pair again; the sandbox logs the device out with 401.
const dirB = path.join(workDir, 'auth-b');
fs.rmSync(dirB, { recursive: true, force: true });
const third = await connectUntilOpen(dirB, phoneA, true, async () => {
  await new Promise((r) => setTimeout(r, 2500));
  const jid = (await devices()).find((d) => d.online && d.phone === phoneA)?.deviceJid;
  const res = await admin('POST', `/sandbox/v1/devices/${encodeURIComponent(jid)}/disconnect`, { code: 401 });
  step('sandbox-disconnect', { status: res.status, jid });
});
if (third.closed.code !== DisconnectReason.loggedOut) fail(`expected logged out (401), got ${JSON.stringify(third.closed)}`);
step('reported-logged-out', third.closed);

// 4. Link by phone-number code.
const dirC = path.join(workDir, 'auth-c');
fs.rmSync(dirC, { recursive: true, force: true });
const phoneC = `1555${Math.floor(1000000 + Math.random() * 8999999)}`;
let asked = false;
const fourth = await connectUntilOpen(dirC, phoneC, true, (sock) => setTimeout(() => sock.end(undefined), 1000), async (sock) => {
  if (asked) return;
  asked = true;
  const code = await sock.requestPairingCode(phoneC);
  step('pairing-code', { length: code.length });
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';
  const wrong = alphabet[(alphabet.indexOf(code[0]) + 1) % alphabet.length] + code.slice(1);
  // Baileys 6 does not wait for the server's answer to its request: a person takes seconds to type,
  // so give the sandbox a moment to have registered it.
  let refused = await admin('POST', '/sandbox/v1/pair-code', { phone: phoneC, code: wrong });
  for (let i = 0; i < 30 && refused.status === 404; i++) {
    await new Promise((r) => setTimeout(r, 100));
    refused = await admin('POST', '/sandbox/v1/pair-code', { phone: phoneC, code: wrong });
  }
  if (refused.status !== 409) fail(`a wrong code answered ${refused.status}: ${JSON.stringify(refused.body)}`);
  step('wrong-code-refused', { reason: refused.body.reason });
  const typed = await admin('POST', '/sandbox/v1/pair-code', { phone: phoneC, code });
  if (typed.status !== 200) fail(`the right code answered ${typed.status}: ${JSON.stringify(typed.body)}`);
  step('code-linked', typed.body);
});
if (!fourth.state.creds.me?.id?.startsWith(phoneC + ':')) fail(`code linking left me = ${fourth.state.creds.me?.id}`);
if (!(await devices()).some((d) => d.phone === phoneC)) fail('sandbox does not list the device linked by code');
step('linked-by-code', { me: fourth.state.creds.me.id });
step('passed');
process.exit(0);
