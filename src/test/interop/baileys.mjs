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
