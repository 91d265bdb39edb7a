// What the Baileys scenarios share: loading one installed release, and the sandbox's admin API.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

// The release installed in baileys<6|7>/node_modules: { baileys, makeWASocket, require, logger }.
export async function loadBaileys(release) {
  const root = path.join(here, `baileys${release}`, 'node_modules');
  const require = createRequire(path.join(root, 'x.js'));
  const baileys = release === '6' ? require('baileys') : await import(path.join(root, 'baileys/lib/index.js'));
  const makeWASocket = baileys.default?.default || baileys.default || baileys.makeWASocket;
  const logger = require('pino')({ level: process.env.BAILEYS_LOG || 'silent' });
  return { baileys, makeWASocket, require, logger };
}

// A caller of the sandbox's admin API: admin(method, url, body) → { status, body }.
export function adminClient(baseUrl, token) {
  return async (method, url, body) => {
    const res = await fetch(baseUrl + url, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

// Baileys 7 checks the server's certificate chain against WhatsApp's root: point it at the sandbox's.
export async function trustSandbox(release, baileys, admin) {
  if (release !== '7') return false;
  const trust = await admin('GET', '/sandbox/v1/trust-root');
  baileys.WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(trust.body.publicKey, 'base64');
  return true;
}

// Credentials and Signal keys in memory, as a gateway built on Baileys keeps them between restarts of a socket.
export function memoryAuth(baileys) {
  const store = new Map();
  return {
    creds: baileys.initAuthCreds(),
    keys: {
      get: async (type, ids) => {
        const found = {};
        for (const id of ids) {
          const value = store.get(`${type}/${id}`);
          if (value !== undefined) found[id] = value;
        }
        return found;
      },
      set: async (data) => {
        for (const type of Object.keys(data)) {
          for (const [id, value] of Object.entries(data[type])) {
            if (value) store.set(`${type}/${id}`, value); else store.delete(`${type}/${id}`);
          }
        }
      },
    },
  };
}

// Opens account.sock ({ phone, auth }); resolves once it is open (after the 515 restart when linking: the
// sandbox's phone `account.phone` scans the QR). `onSocket(sock)`, if given, sees every socket made.
export function openSocket({ baileys, makeWASocket, logger, admin, wsUrl }, account, linking, onSocket) {
  return new Promise((resolve, reject) => {
    const start = () => {
      const sock = makeWASocket({
        waWebSocketUrl: wsUrl, auth: account.auth, logger, connectTimeoutMs: 60_000, defaultQueryTimeoutMs: 60_000,
        markOnlineOnConnect: false, syncFullHistory: false, printQRInTerminal: false,
      });
      account.sock = sock;
      if (onSocket) onSocket(sock);
      let done = false;
      sock.ev.on('connection.update', async (update) => {
        if (update.qr) {
          if (!linking) { reject(new Error(`${account.phone}: QR asked on a login with credentials`)); return; }
          const scan = await admin('POST', '/sandbox/v1/scan', { qr: update.qr, phone: account.phone });
          if (scan.status !== 200) reject(new Error(`scan answered ${scan.status}: ${JSON.stringify(scan.body)}`));
        }
        if (update.connection === 'open' && !done) {
          done = true;
          resolve();
        }
        if (update.connection === 'close' && !done) {
          const code = update.lastDisconnect?.error?.output?.statusCode;
          if (code === baileys.DisconnectReason.restartRequired) start();
          else { done = true; reject(new Error(`${account.phone}: closed with ${code} before opening`)); }
        }
      });
    };
    start();
  });
}
