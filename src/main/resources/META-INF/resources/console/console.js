// Switchboard operator console: a static page over the public REST API, called with the token
// the operator pastes (kept in this tab's sessionStorage only). No framework, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const ATTENTION = new Set(['FAILED', 'LOGGED_OUT', 'REPLACED', 'CLIENT_OUTDATED']);
const LINKING = new Set(['AWAITING_QR', 'PAIRED_RESTARTING', 'CONNECTING']);
const TOKEN_KEY = 'switchboard.console.token';
let token = sessionStorage.getItem(TOKEN_KEY);
let organizations = [];
const statuses = new Map();
let current = null;
let stream = null;
let listTimer = null;
let sandboxAvailable = false;

function notice(text, isError = false) {
  const box = $('notice');
  box.textContent = text || '';
  box.className = isError ? 'error' : '';
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const error = new Error((data && (data.detail || data.title)) || `${method} ${path} answered ${res.status}`);
    error.status = res.status;
    throw error;
  }
  return { status: res.status, data };
}

function attention(status) {
  if (!status) return false;
  return ATTENTION.has(status.state) || (status.state === 'RECONNECTING' && status.reconnectAttempts >= 3)
    || (status.state === 'DISCONNECTED' && status.lastDisconnect != null && status.lastDisconnect.code != null);
}

function matches(filter, status) {
  if (!filter) return true;
  if (!status) return false;
  if (filter === 'linking') return LINKING.has(status.state);
  if (filter === 'attention') return attention(status);
  return status.state === filter;
}

function show(section) {
  for (const id of ['sign-in', 'organizations', 'organization']) $(id).hidden = id !== section;
  $('sign-out').hidden = section === 'sign-in';
}

// ---- sign-in ---------------------------------------------------------------------------------
$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await signIn($('token').value.trim());
});

$('dev-token').addEventListener('click', async () => {
  const res = await fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (!res.ok) {
    notice('This build mints no dev tokens (dev and test builds only): paste a token.', true);
    return;
  }
  const minted = await res.json();
  $('token').value = minted.token;
  await signIn(minted.token);
});

$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  stopLive();
  location.hash = '';
  show('sign-in');
});

async function signIn(candidate) {
  token = candidate;
  try {
    await api('GET', '/api/v1/organizations?page=0&size=1');
  } catch (error) {
    token = null;
    notice(`Sign-in failed: ${error.message}`, true);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  notice('');
  sandboxAvailable = await api('GET', '/sandbox/v1/trust-root').then(() => true, () => false);
  route();
}

// ---- organizations list ----------------------------------------------------------------------
$('filter').addEventListener('change', renderList);

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('new-name').value.trim();
  try {
    const created = await api('POST', '/api/v1/organizations', { name });
    $('new-name').value = '';
    notice(`Organization "${name}" created.`);
    location.hash = `#/org/${created.data.id}`;
  } catch (error) {
    notice(`Creating the organization failed: ${error.message}`, true);
  }
});

async function loadList() {
  try {
    const page = await api('GET', '/api/v1/organizations?page=0&size=200');
    organizations = page.data.items;
    await Promise.all(organizations.map(async (org) => {
      try {
        statuses.set(org.id, (await api('GET', `/api/v1/organizations/${org.id}/whatsapp/status`)).data);
      } catch {
        statuses.delete(org.id);
      }
    }));
    renderList();
  } catch (error) {
    notice(`Loading organizations failed: ${error.message}`, true);
  }
}

function renderList() {
  const counts = new Map();
  for (const org of organizations) {
    const state = statuses.get(org.id)?.state || 'UNKNOWN';
    counts.set(state, (counts.get(state) || 0) + 1);
  }
  const stuck = organizations.filter((org) => attention(statuses.get(org.id))).length;
  $('counts').replaceChildren(...[...counts.entries()].sort().map(([state, n]) => item(`${state.toLowerCase()}: ${n}`)),
    item(`needs attention: ${stuck}`));
  const filter = $('filter').value;
  const rows = organizations.filter((org) => matches(filter, statuses.get(org.id))).map((org) => {
    const status = statuses.get(org.id);
    const row = document.createElement('tr');
    if (attention(status)) row.className = 'attention';
    const link = document.createElement('a');
    link.href = `#/org/${org.id}`;
    link.textContent = org.name;
    row.append(cell(link), cell(stateLabel(status)), cell(status?.phoneNumber || '—'),
      cell(status?.updatedAt ? new Date(status.updatedAt).toLocaleString() : '—'));
    return row;
  });
  $('org-table').tBodies[0].replaceChildren(...rows);
  $('empty').hidden = rows.length > 0;
}

function stateLabel(status) {
  const span = document.createElement('span');
  span.className = `state ${status?.state || ''}`;
  span.textContent = status ? status.state.toLowerCase().replace(/_/g, ' ') : 'unknown';
  if (attention(status)) span.textContent += ' ⚠';
  return span;
}

function item(text) {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

/** A file in words: its kind, name or caption, size. */
function describeMedia(media) {
  const size = media.size >= 1024 * 1024 ? `${(media.size / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(media.size / 1024)} KB`;
  return `[${media.type}] ${media.fileName || media.caption || media.mimetype} (${size})`;
}

/** What a received message says in words: its text, file, location, cards, poll — or that it was deleted. */
function describeReceived(m) {
  if (m.deletedAt) return '(deleted for everyone)';
  if (m.media) return describeMedia(m.media);
  if (m.location) return `[location] ${m.location.name || ''} ${m.location.latitude}, ${m.location.longitude}`.trim();
  if (m.contacts) return `[contact] ${m.contacts.map((c) => c.displayName || 'card').join(', ')}`;
  if (m.poll) return `[poll] ${m.poll.question}: ${m.poll.options.join(' / ')}`;
  if (m.kind === 'unsupported') return '[a kind of message not shown yet]';
  return m.text;
}

function smallButton(text, label, onClick) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.addEventListener('click', onClick);
  return button;
}

/** A message we sent: what it is, its status; a text or file can be deleted for everyone. */
function sentItem(m) {
  const what = m.kind === 'reaction' ? `reacted ${m.text || '(removed)'}` : m.kind === 'edit' ? `edited to “${m.text}”`
    : m.kind === 'revoke' ? 'deleted a message for everyone' : m.media ? describeMedia(m.media) : m.text;
  const li = item(`→ ${m.to?.phone ?? ''}: ${m.reply ? '↩ ' : ''}${what} (${m.status})`);
  if (['sent', 'delivered', 'read'].includes(m.status) && !['reaction', 'edit', 'revoke'].includes(m.kind)) {
    li.append(' ', smallButton('Delete', `Delete for everyone the message to +${m.to?.phone ?? ''}: ${m.text ?? m.kind}`, async () => {
      try {
        await api('DELETE', `${base()}/messages/${m.id}`);
        notice('Deleted for everyone.');
        refreshDetail();
      } catch (error) {
        notice(error.message, true);
      }
    }));
  }
  return li;
}

/** Replying to {@code m}: the send form addresses its sender and quotes it. */
let replyTo = null;
function startReply(m) {
  replyTo = m.id;
  $('send-to').value = `+${m.from?.phone ?? ''}`;
  $('replying-text').textContent = `Replying to “${describeReceived(m)}”`;
  $('replying').hidden = false;
  $('send-text').focus();
}
function cancelReply() {
  replyTo = null;
  $('replying').hidden = true;
}

/** A received message: its text or file (a thumbnail and a download button), its reactions, reply and react buttons. */
function receivedItem(m) {
  const reactions = (m.reactions ?? []).map((r) => r.emoji).join('');
  const li = item(`← ${m.from?.phone ?? ''}: ${m.reply ? '↩ ' : ''}${describeReceived(m)}${m.editedAt ? ' (edited)' : ''}`
    + `${reactions ? ` ${reactions}` : ''}`);
  if (!m.deletedAt) {
    const who = `the message from +${m.from?.phone ?? ''}`;
    li.append(' ', smallButton('Reply', `Reply to ${who}`, () => startReply(m)),
      ' ', smallButton('👍', `React 👍 to ${who}`, async () => {
        try {
          await api('POST', `${base()}/messages/${m.id}/reactions`, { emoji: '👍' });
          notice('Reaction sent.');
          refreshDetail();
        } catch (error) {
          notice(error.message, true);
        }
      }));
  }
  if (!m.media || m.deletedAt) return li;
  if (m.media.thumbnail) {
    const img = document.createElement('img');
    img.className = 'thumbnail';
    img.src = `data:image/jpeg;base64,${m.media.thumbnail}`;
    img.alt = `Preview of the ${m.media.type} from +${m.from?.phone ?? ''}`;
    li.prepend(img);
  }
  const download = document.createElement('button');
  download.type = 'button';
  download.className = 'secondary';
  download.textContent = 'Download';
  download.setAttribute('aria-label', `Download the ${m.media.type} from +${m.from?.phone ?? ''}`);
  download.addEventListener('click', async () => {
    try {
      const res = await fetch(m.media.downloadUrl, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) {
        const problem = await res.json().catch(() => null);
        throw new Error(problem?.detail || `the download answered ${res.status}`);
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = m.media.fileName || `${m.media.type}-${m.id}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      notice(`Downloaded the ${m.media.type}.`);
    } catch (error) {
      notice(error.message, true);
    }
  });
  li.append(' ', download);
  return li;
}

function cell(content) {
  const td = document.createElement('td');
  if (typeof content === 'string') td.textContent = content; else td.append(content);
  return td;
}

// ---- one organization ------------------------------------------------------------------------
const base = () => `/api/v1/organizations/${current}/whatsapp`;

$('init').addEventListener('click', () => command('POST', 'init-baileys', 'Linking started: scan the QR code.'));
$('reconnect').addEventListener('click', () => command('POST', 'reconnect', 'Reconnecting.'));
$('disconnect').addEventListener('click', () => $('confirm').showModal());
$('confirm').addEventListener('close', () => {
  if ($('confirm').returnValue === 'confirm') command('DELETE', 'disconnect', 'Disconnected: the number can be linked again.');
});
/** Sends a text, or a file (multipart, its type guessed from its mimetype) with the text as its caption. */
$('send-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const to = $('send-to').value.trim();
  const text = $('send-text').value;
  const file = $('send-file').files[0];
  try {
    if (file) {
      const form = new FormData();
      const type = file.type.startsWith('image/') ? 'image' : file.type.startsWith('video/') ? 'video'
        : file.type.startsWith('audio/') ? 'audio' : 'document';
      form.append('to', to);
      form.append('type', type);
      if (text && type !== 'audio') form.append('caption', text);
      if (type === 'document') form.append('fileName', file.name);
      form.append('file', file, file.name);
      const res = await fetch(`${base()}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      const answer = await res.json().catch(() => null);
      if (!res.ok) throw new Error(answer?.detail || `sending answered ${res.status}`);
    } else {
      if (!text) throw new Error('Write a text or choose a file.');
      await api('POST', `${base()}/messages`, replyTo ? { to, text, replyTo } : { to, text });
      cancelReply();
    }
    notice(file ? `The ${file.name} is queued for +${to.replace('+', '')}.` : `The text is queued for +${to.replace('+', '')}.`);
    $('send-text').value = '';
    $('send-file').value = '';
    refreshDetail();
  } catch (error) {
    notice(error.message, true);
  }
});

$('reply-cancel').addEventListener('click', cancelReply);

$('sandbox-scan').addEventListener('click', async () => {
  try {
    const qr = await api('GET', `${base()}/qrcode`);
    const phone = `1555${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
    await api('POST', '/sandbox/v1/scan', { qr: qr.data.qr, phone });
    notice(`The sandbox phone +${phone} scanned the QR code.`);
  } catch (error) {
    notice(`Scanning failed: ${error.message}`, true);
  }
  refreshDetail();
});

$('code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const answer = await api('POST', `${base()}/pairing-code`, { phoneNumber: $('code-phone').value.trim() });
    notice(answer.status === 200 ? `Type ${answer.data.code} on the phone: WhatsApp → Linked devices → Link with phone number.`
      : 'The connection is coming up: ask again in a few seconds.');
  } catch (error) {
    notice(`Pairing code failed: ${error.message}`, true);
  }
  refreshDetail();
});

async function command(method, path, done) {
  try {
    await api(method, `${base()}/${path}`);
    notice(done);
  } catch (error) {
    notice(`${path} failed: ${error.message}`, true);
  }
  refreshDetail();
}

async function loadDetail(id) {
  current = id;
  try {
    const org = await api('GET', `/api/v1/organizations/${id}`);
    $('org-title').textContent = org.data.name;
  } catch (error) {
    notice(`Loading the organization failed: ${error.message}`, true);
    return;
  }
  await refreshDetail();
  startStream(id);
}

let refreshing = null;
function refreshDetail() {
  // One refresh at a time; a burst of events coalesces into the next one.
  if (refreshing) { refreshing.again = true; return refreshing.promise; }
  refreshing = { again: false };
  refreshing.promise = (async () => {
    do {
      refreshing.again = false;
      await renderDetail();
    } while (refreshing.again);
    refreshing = null;
  })();
  return refreshing.promise;
}

async function renderDetail() {
  const id = current;
  if (!id) return;
  let status;
  try {
    status = (await api('GET', `${base()}/status`)).data;
  } catch (error) {
    notice(`Loading the status failed: ${error.message}`, true);
    return;
  }
  const fields = [['State', status.state], ['Connection', status.connectionStatus], ['Phone', status.phoneNumber || '—'],
    ['Device', status.jid || '—'], ['Can reconnect', status.canReconnect ? 'yes' : 'no'],
    ['Last disconnect', status.lastDisconnect ? `${status.lastDisconnect.reason || ''} (code ${status.lastDisconnect.code ?? '—'})` : '—'],
    ['Reconnect attempts', String(status.reconnectAttempts ?? 0)], ['Updated', status.updatedAt || '—']];
  $('status').replaceChildren(...fields.flatMap(([name, value]) => {
    const dt = document.createElement('dt'); dt.textContent = name;
    const dd = document.createElement('dd'); dd.textContent = value;
    if (name === 'State') { dd.className = `state ${status.state}`; dd.id = 'state'; }
    return [dt, dd];
  }));
  $('disconnect').disabled = status.state === 'DISCONNECTED' && !status.jid;
  $('init').disabled = status.state === 'CONNECTED';
  const linking = status.state === 'AWAITING_QR';
  $('pairing-code').textContent = status.pairingCode ? `Pairing code ${status.pairingCode.code} for +${status.pairingCode.phoneNumber}` : '';
  $('sandbox-scan').hidden = !(sandboxAvailable && linking);
  if (linking) {
    try {
      const qr = await api('GET', `${base()}/qrcode`);
      if (qr.status === 200 && qr.data.qrCode) {
        $('qr').src = qr.data.qrCode;
        $('qr-caption').textContent = `Expires ${new Date(qr.data.expiresAt).toLocaleTimeString()}`
          + (status.pairingCode ? ` · pairing code ${status.pairingCode.code}` : '');
        $('qr-box').hidden = false;
      }
    } catch {
      $('qr-box').hidden = true;
    }
  } else {
    $('qr-box').hidden = true;
  }
  const [timeline, sent, received, deliveries] = await Promise.all([
    api('GET', `${base()}/transitions?limit=30`).then((r) => r.data.items, () => []),
    api('GET', `${base()}/messages?direction=out&limit=5`).then((r) => r.data.items, () => []),
    api('GET', `${base()}/messages?direction=in&limit=5`).then((r) => r.data.items, () => []),
    api('GET', `/api/v1/organizations/${id}/webhooks/deliveries?limit=10`).then((r) => r.data.items ?? r.data, () => []),
  ]);
  if (id !== current) return;
  $('timeline').replaceChildren(...timeline.map((t) => item(`${new Date(t.at).toLocaleString()} — ${t.to.toLowerCase()}`
    + ` (${t.event.toLowerCase()})${t.reason ? `: ${t.reason}` : ''}${t.code != null ? ` [code ${t.code}]` : ''}`)));
  const messages = [...sent.map((m) => sentItem(m)), ...received.map((m) => receivedItem(m))];
  $('messages').replaceChildren(...(messages.length ? messages : [item('No messages yet.')]));
  $('deliveries').replaceChildren(...(deliveries.length ? deliveries.map((d) => item(`${d.eventType}: ${d.status}`
    + ` after ${d.attempts} attempt(s)`)) : [item('No webhook deliveries.')]));
}

// The organization's event stream (Server-Sent Events read with fetch, which can send the token).
function startStream(id) {
  stopStream();
  const controller = new AbortController();
  stream = controller;
  (async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`/api/v1/organizations/${id}/whatsapp/events`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal,
        });
        if (!res.ok) throw new Error(`events answered ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            if (lines.some((line) => /^event:\s*presence\.updated$/.test(line))) {
              showPresence(lines.find((line) => line.startsWith('data:')));
            } else if (lines.some((line) => line.startsWith('event:'))) {
              refreshDetail();
            }
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
}

/** "+phone is typing…" from a presence.updated event, cleared when they pause or after 10 s. */
let typingTimer = null;
function showPresence(dataLine) {
  let data;
  try {
    data = JSON.parse(dataLine.slice('data:'.length)).data;
  } catch {
    return;
  }
  if (data.state === 'composing' || data.state === 'recording') {
    $('typing').textContent = `+${data.phone} is ${data.state === 'recording' ? 'recording a voice note' : 'typing'}…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { $('typing').textContent = ''; }, 10_000);
  } else if (data.state === 'paused') {
    $('typing').textContent = '';
  }
}

function stopStream() {
  if (stream) stream.abort();
  stream = null;
}

function stopLive() {
  stopStream();
  clearInterval(listTimer);
  listTimer = null;
}

// ---- routing -----------------------------------------------------------------------------
function route() {
  if (!token) { show('sign-in'); return; }
  stopLive();
  const match = location.hash.match(/^#\/org\/([0-9a-f-]{36})$/);
  if (match) {
    show('organization');
    loadDetail(match[1]);
    return;
  }
  current = null;
  show('organizations');
  loadList();
  // States change on any replica; the list asks again every 3 s while it is shown.
  listTimer = setInterval(loadList, 3000);
}

$('back').addEventListener('click', (event) => { event.preventDefault(); location.hash = '#/'; });
window.addEventListener('hashchange', route);
if (token) signIn(token); else show('sign-in');
