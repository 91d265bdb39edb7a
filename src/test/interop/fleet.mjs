// Fleet side of the side-by-side benchmark: N real Baileys sockets in this one Node process,
// linked to a running sandbox, then measured exactly as SideBySideBenchmark measures the service.
//   node --expose-gc fleet.mjs <6|7> <sandbox ws url> <sandbox base url> <admin token> <N> <first phone>
//        <repeats> <idle seconds> <concurrency>
// Links N accounts (QR scanned through the sandbox's admin API, 515 restart, open), then per repeat:
// ends every socket, logs all N in again from the credentials kept in memory (at most <concurrency>
// logins not yet open), waits 5 s, and measures heap and RSS after a full GC and the CPU used while
// idle. Prints one JSON line per phase; exit code 0 only if every socket opened every time.
import { loadBaileys, adminClient, trustSandbox, memoryAuth, openSocket } from './baileys.mjs';

const [release, wsUrl, baseUrl, token, countText, firstPhoneText, repeatsText, idleText, concurrencyText] =
  process.argv.slice(2);
const N = Number(countText);
const firstPhone = BigInt(firstPhoneText);
const repeats = Number(repeatsText);
const idleSeconds = Number(idleText);
const concurrency = Number(concurrencyText);
const { baileys, makeWASocket, logger } = await loadBaileys(release);
const admin = adminClient(baseUrl, token);

const out = (phase, data = {}) => console.log(JSON.stringify({ phase, ...data }));
const fail = (message) => { out('failed', { message }); process.exit(1); };
if (typeof global.gc !== 'function') fail('run node with --expose-gc');
await trustSandbox(release, baileys, admin);

const accounts = [];
for (let i = 0; i < N; i++) accounts.push({ phone: String(firstPhone + BigInt(i)), auth: memoryAuth(baileys), sock: null });
const open = (account, linking) => openSocket({ baileys, makeWASocket, logger, admin, wsUrl }, account, linking);

// Opens every account with at most `concurrency` not yet open; the time from the first socket to the last open.
async function openAll(linking) {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < accounts.length) {
      const account = accounts[next++];
      await open(account, linking);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, accounts.length) }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function memory() {
  for (let i = 0; i < 3; i++) global.gc();
  const usage = process.memoryUsage();
  // external (Buffers, which include arrayBuffers) is Baileys' byte arrays: the JVM counts those in its heap.
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

const baseline = memory();
out('baseline', baseline);
const linkSeconds = await openAll(true).catch((e) => fail(e.message));
out('linked', { count: N, seconds: linkSeconds });
for (let r = 0; r < repeats; r++) {
  for (const account of accounts) account.sock.end(undefined);
  await sleep(2000);
  const cpuAtStart = process.cpuUsage();
  const seconds = await openAll(false).catch((e) => fail(e.message));
  const loginCpu = process.cpuUsage(cpuAtStart);
  await sleep(5000);
  const used = memory();
  const cpuBefore = process.cpuUsage();
  await sleep(idleSeconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  out('repeat', {
    count: N, reloginSeconds: seconds, heap: used.heap, rss: used.rss,
    cpuMillisPerLogin: (loginCpu.user + loginCpu.system) / 1000 / N,
    idleCpuMillisPerMinute: (cpu.user + cpu.system) / 1000 / idleSeconds * 60,
  });
}
for (const account of accounts) account.sock.end(undefined);
out('done');
process.exit(0);
