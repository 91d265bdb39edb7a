// Browser test of the operator console, in a real Chromium driven by Playwright.
//   node console.mjs <service base url> <screenshot path>
// Signs in with the dev token, creates an organization, links it through the sandbox phone, sees it
// connected, disconnects it (confirming), reads the timeline; a member token sees only its own
// organization; the page fits a 360 px wide screen and every form field has a label.
// Prints one JSON line per step; exit code 0 only if every step passed.
import { chromium } from 'playwright-core';

const [baseUrl, screenshot] = process.argv.slice(2);
const step = (name, data = {}) => console.log(JSON.stringify({ step: name, ...data }));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
setTimeout(() => { step('failed', { message: 'timed out' }); process.exit(1); }, 120_000).unref();

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function expectText(locator, pattern, timeout = 20_000) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
}

async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id || el.name));
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${baseUrl}/console`);
  if (!page.url().endsWith('/console/')) throw new Error(`/console went to ${page.url()}`);
  const missing = await unlabelled(page);
  if (missing.length) throw new Error(`fields without a label: ${missing.join(', ')}`);
  step('opened');

  await page.getByRole('button', { name: 'Get a dev token (admin)' }).click();
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();
  step('signed-in');
  // Another organization, so that the admin's list holds more than the member may see.
  const admin = await (await fetch(`${baseUrl}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: '{}' })).json();
  const other = await fetch(`${baseUrl}/api/v1/organizations`, { method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ name: `Other ${Date.now()}` }) });
  if (other.status !== 201) throw new Error(`creating another organization answered ${other.status}`);

  const name = `Console ${Date.now()}`;
  await page.getByLabel('New organization').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name }).waitFor();
  const orgId = page.url().split('/org/')[1];
  step('created', { orgId });

  await page.getByRole('button', { name: 'Link (QR)' }).click();
  await page.getByRole('img', { name: /QR code/ }).waitFor({ timeout: 20_000 });
  step('qr-shown');
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
    step('screenshot', { path: screenshot });
  }
  await page.getByRole('button', { name: 'Scan with the sandbox phone' }).click();
  await expectText(page.locator('#state'), 'CONNECTED');
  await expectText(page.locator('#timeline li'), /connected \(logged_in\)/);
  step('connected');

  // Files in the conversation: a customer's picture arrives with a download button; the operator sends a file back.
  const ours = (await (await fetch(`${baseUrl}/api/v1/organizations/${orgId}/whatsapp/status`, {
    headers: { authorization: `Bearer ${admin.token}` } })).json()).phoneNumber;
  const customer = `1556${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const wrote = await fetch(`${baseUrl}/sandbox/v1/accounts/${customer}/messages`, { method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ to: ours, media: { type: 'image', mimetype: 'image/png', caption: 'my receipt', data: png } }) });
  if (wrote.status !== 202) throw new Error(`the customer's picture answered ${wrote.status}`);
  const downloadButton = page.getByRole('button', { name: `Download the image from +${customer}` });
  for (let attempt = 0; attempt < 20 && !(await downloadButton.count()); attempt++) {
    await page.reload();
    await page.waitForTimeout(500);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
  const saved = await download.path();
  const bytes = (await import('node:fs')).readFileSync(saved);
  if (bytes.toString('base64') !== png) throw new Error('the downloaded picture is not the one the customer sent');
  step('media-downloaded', { size: bytes.length });
  await page.getByLabel('To', { exact: true }).fill(`+${customer}`);
  await page.getByLabel("Text, or a file's caption").fill('your invoice');
  await page.getByLabel('File (optional)').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% an invoice\n') });
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expectText(page.locator('#messages li'), /→ \d+: \[document\] invoice\.pdf/);
  step('media-sent');

  // A conversation: the customer writes and types; the operator sees "typing…", replies to that message, reacts
  // to it, and deletes the reply for everyone.
  const asAdmin = { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` };
  const asked = await fetch(`${baseUrl}/sandbox/v1/accounts/${customer}/messages`, { method: 'POST', headers: asAdmin,
    body: JSON.stringify({ to: ours, text: 'is it shipped?' }) });
  if (asked.status !== 202) throw new Error(`the customer's text answered ${asked.status}`);
  await expectText(page.locator('#messages li'), /is it shipped\?/);
  const typed = await fetch(`${baseUrl}/sandbox/v1/accounts/${customer}/typing`, { method: 'POST', headers: asAdmin,
    body: JSON.stringify({ to: ours, state: 'composing' }) });
  if (typed.status !== 204) throw new Error(`typing answered ${typed.status}`);
  await expectText(page.locator('#typing'), `+${customer} is typing`);
  step('typing-shown');
  await page.getByRole('button', { name: `Reply to the message from +${customer}` }).first().click();
  await page.getByText('Replying to “is it shipped?”').waitFor();
  await page.getByLabel("Text, or a file's caption").fill('yes, today');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expectText(page.locator('#messages li'), /→ \d+: ↩ yes, today/);
  const out = (await (await fetch(`${baseUrl}/api/v1/organizations/${orgId}/whatsapp/messages?direction=out&limit=1`,
    { headers: asAdmin })).json()).items[0];
  const question = (await (await fetch(`${baseUrl}/api/v1/organizations/${orgId}/whatsapp/messages?direction=in&limit=1`,
    { headers: asAdmin })).json()).items[0];
  if (out.reply?.messageId !== question.id) throw new Error(`the reply quotes ${out.reply?.messageId}, not ${question.id}`);
  step('replied');
  await page.getByRole('button', { name: `React 👍 to the message from +${customer}` }).first().click();
  await expectText(page.locator('#messages li'), /reacted 👍/);
  step('reacted');
  await page.getByRole('button', { name: `Delete for everyone the message to +${customer}: yes, today` })
    .waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: `Delete for everyone the message to +${customer}: yes, today` }).click();
  await expectText(page.locator('#messages li'), /deleted a message for everyone/);
  // The customer's phone checks the revoke (from the original sender, within the window) with its own code.
  // The reaction and the revoke carry no text: both must have arrived, and the phone found nothing wrong with either.
  let changes = [];
  for (let attempt = 0; attempt < 40 && changes.length < 2; attempt++) {
    const onPhone = await (await fetch(`${baseUrl}/sandbox/v1/accounts/${customer}/messages`, { headers: asAdmin })).json();
    changes = onPhone.received.filter((r) => r.text == null && r.media == null && r.from.startsWith(ours));
    if (changes.length < 2) await page.waitForTimeout(250);
  }
  if (changes.length < 2 || changes.some((c) => c.problem)) {
    throw new Error(`the customer's phone did not accept the reaction and the revoke: ${JSON.stringify(changes)}`);
  }
  step('deleted');

  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
  await expectText(page.locator('#state'), 'DISCONNECTED');
  await expectText(page.locator('#timeline li'), /disconnected/);
  const timeline = await page.locator('#timeline li').allTextContents();
  step('disconnected', { timeline: timeline.length });

  // Linking by a code typed on the phone instead of a QR.
  await page.getByLabel('Link by phone number instead').fill('+15557654321');
  let code = null;
  for (let attempt = 0; attempt < 10 && !code; attempt++) {
    await page.getByRole('button', { name: 'Get a pairing code' }).click();
    await page.waitForTimeout(1000);
    const shown = await page.locator('#pairing-code').textContent();
    code = shown.match(/[A-Z0-9]{4}-[A-Z0-9]{4}/)?.[0] ?? null;
  }
  if (!code) throw new Error('no pairing code shown');
  step('pairing-code', { code });

  // The list: counts at the top and the organization in it.
  await page.getByRole('link', { name: '← All organizations' }).click();
  await page.getByRole('link', { name }).waitFor();
  const counts = await page.locator('#counts li').allTextContents();
  if (!counts.some((c) => c.startsWith('needs attention'))) throw new Error(`no counts: ${counts}`);
  const adminRows = await page.locator('#org-table tbody tr').count();
  if (adminRows < 2) throw new Error(`the admin sees ${adminRows} organizations`);
  step('listed', { counts, rows: adminRows });

  // A member of this one organization sees only it.
  const minted = await (await fetch(`${baseUrl}/dev/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ admin: false, orgs: [orgId], subject: 'console-member' }),
  })).json();
  const memberContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const member = await memberContext.newPage();
  member.on('pageerror', (error) => errors.push(error.message));
  await member.goto(`${baseUrl}/console/`);
  await member.getByLabel('Bearer token').fill(minted.token);
  await member.getByRole('button', { name: 'Sign in' }).click();
  await member.getByRole('link', { name }).waitFor();
  await member.waitForTimeout(500);
  const rows = await member.locator('#org-table tbody tr').count();
  if (rows !== 1) throw new Error(`the member sees ${rows} organizations`);
  const overflow = await member.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than a 360 px screen`);
  step('member-sees-own-only', { rows });

  // Keyboard: Tab reaches the organization link and Enter opens it.
  await member.keyboard.press('Tab');
  for (let i = 0; i < 12; i++) {
    const focused = await member.evaluate(() => document.activeElement?.textContent || '');
    if (focused === name) break;
    await member.keyboard.press('Tab');
  }
  await member.keyboard.press('Enter');
  await member.getByRole('heading', { name }).waitFor();
  await member.waitForTimeout(500);
  const detailOverflow = await member.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (detailOverflow > 0) throw new Error(`the organization page is ${detailOverflow} px wider than a 360 px screen`);
  step('keyboard');

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  step('passed');
  await browser.close();
  process.exit(0);
} catch (error) {
  step('failed', { message: error.message });
  await browser.close();
  process.exit(1);
}
