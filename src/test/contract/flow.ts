// The README's flow through a client generated from the OpenAPI document alone (openapi-typescript
// types, openapi-fetch calls): create an organization, start linking, the sandbox phone scans the
// QR, connected, send a text, read it back. Type-checked with strict TypeScript before it runs:
// an operation, field or type the document no longer has breaks the build, not a customer.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

const baseUrl = process.env.BASE_URL;
const token = process.env.TOKEN;
if (!baseUrl || !token) {
  throw new Error("BASE_URL and TOKEN are required");
}
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, seconds: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) {
      return value;
    }
    await sleep(250);
  }
  throw new Error(`${what}: not within ${seconds} s`);
}

function step(name: string, detail: unknown): void {
  console.log(`client flow: ${name} ${JSON.stringify(detail)}`);
}

const created = await api.POST("/api/v1/organizations", { body: { name: "Generated client" } });
if (created.response.status !== 201 || !created.data) {
  throw new Error(`create organization answered ${created.response.status}`);
}
const organization: components["schemas"]["OrganizationView"] = created.data;
const id = organization.id!;
step("created", { id, location: created.response.headers.get("Location") });

const path = { params: { path: { id } } };
const init = await api.POST("/api/v1/organizations/{id}/whatsapp/init-baileys", path);
if (init.error) {
  throw new Error(`init-baileys: ${init.error.reason}`);
}
let qr: string | undefined = init.data && "qr" in init.data ? init.data.qr : undefined;
qr ??= await until("a QR code", 20, async () => {
  const shown = await api.GET("/api/v1/organizations/{id}/whatsapp/qrcode", path);
  return shown.response.status === 200 && shown.data && "qr" in shown.data ? shown.data.qr : undefined;
});
step("qr", { length: qr!.length });

const phone = `1553${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
const scanned = await api.POST("/sandbox/v1/scan", { body: { qr: qr!, phone } });
if (!scanned.data) {
  throw new Error(`the sandbox phone could not scan: ${scanned.error?.reason}`);
}
step("scanned", { deviceJid: scanned.data.deviceJid });

const status = await until("connected", 20, async () => {
  const current = await api.GET("/api/v1/organizations/{id}/whatsapp/status", path);
  return current.data?.isConnected ? current.data : undefined;
});
step("connected", { state: status.state, phoneNumber: status.phoneNumber });

// Someone on WhatsApp writes first (the sandbox creates the account), then we answer.
const friend = `1554${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
await api.POST("/sandbox/v1/accounts/{phone}/messages", { params: { path: { phone: friend } },
  body: { to: phone, text: "hello, is this the help desk?" } });
const sent = await api.POST("/api/v1/organizations/{id}/whatsapp/messages", {
  params: { path: { id }, header: { "Idempotency-Key": `client-flow-${id}` } },
  body: { to: friend, text: "Yes, how can we help?" },
});
if (sent.response.status !== 202 || !sent.data) {
  throw new Error(`send answered ${sent.response.status}: ${sent.error?.reason}`);
}
const messageId = sent.data.id!;
step("queued", { id: messageId, status: sent.data.status });

const delivered = await until("the text delivered", 20, async () => {
  const read = await api.GET("/api/v1/organizations/{id}/whatsapp/messages/{messageId}",
    { params: { path: { id, messageId } } });
  return read.data && (read.data.status === "delivered" || read.data.status === "read") ? read.data : undefined;
});
step("delivered", { status: delivered.status, history: delivered.history?.map((change) => change.status) });

const inbox = await api.GET("/api/v1/organizations/{id}/whatsapp/messages", { params: { path: { id }, query: { direction: "in" } } });
const items = inbox.data?.items ?? [];
if (!items.some((item) => "from" in item && item.text === "hello, is this the help desk?")) {
  throw new Error("the received text is not listed");
}
step("received", { count: items.length });
console.log("client flow: passed");
