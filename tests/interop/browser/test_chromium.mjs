// squall in a real browser: Debian's headless Chromium (/usr/bin/chromium), driven by the npm
// package playwright-core (pinned in package-lock.json; it downloads no browser of its own).
//
//     node test_chromium.mjs ECHO_SERVER CLOSE_SERVER [ARTIFACT_DIR]
//
// ECHO_SERVER is examples/echo_server (the demo: a page at / whose socket echoes), CLOSE_SERVER
// tests/interop/close_server (echoes, and closes with 4000 "bye now" on the text "please close").
// Each test starts its own servers on 127.0.0.1 with --port 0, reads the first stdout line
// `listening on HOST:PORT`, and stops them by process id (SIGTERM, exit 0 checked). Every wait is
// bounded, and a global watchdog kills the servers and the browser and exits non-zero.
//
// The tests:
//  - the demo page: type + Send and "Send as binary" echo into #log; through the page's own
//    socket (window.squallSocket) all 256 byte values round-trip byte-exact and 1 MiB of text
//    (with multi-byte UTF-8) echoes intact; a screenshot of the page goes to ARTIFACT_DIR
//    (default: the working directory) and its path is printed;
//  - a server close with 4000 "bye now": the browser's CloseEvent code, reason and wasClean. The
//    page is served (by Playwright's request interception) from close_server's own origin, since
//    close_server keeps the default same-host origin policy; the Origin Chromium sent is checked;
//  - a page on a foreign origin (a tiny HTTP server of this script, another port) is refused by
//    echo_server's default origin policy with 403 (the page itself only sees close 1006: the 403
//    is read from the DevTools protocol and Playwright's socket error), and the same page connects
//    and echoes once echo_server runs with --allowed-origin for that origin.
// Prints the Chromium and playwright-core versions and `N passed, M failed`; exits non-zero on
// any failure.
//
// Needs: node >= 18, `npm ci --prefix tests/interop/browser` and Debian's chromium package
// (tools/test.sh does both). Chromium runs with --no-sandbox (CI runs as root).

import { Failure, check, within, servers, startServer, stopServer } from '../servers.mjs';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const WATCHDOG_MS = 150_000; // CTest's TIMEOUT is 180 s
const STEP_MS = 15_000; // one browser or socket step
const LAUNCH_MS = 60_000; // Chromium start on a loaded machine

// ---- setup ---------------------------------------------------------------------------------

let browser = null;

function die(msg) {
    process.stderr.write(`test_chromium: ${msg}\n`);
    for (const c of servers) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
    // The browser is a child of this process; playwright-core kills it on exit as well.
    const b = browser;
    browser = null;
    if (!b) process.exit(1);
    b.close().catch(() => {}).finally(() => process.exit(1));
    setTimeout(() => process.exit(1), 5000); // not unref'd: exit 1 even if close() hangs
}

if (process.argv.length < 4 || process.argv.length > 5) {
    die('usage: node test_chromium.mjs ECHO_SERVER CLOSE_SERVER [ARTIFACT_DIR]');
}
const [ECHO_BIN, CLOSE_BIN] = process.argv.slice(2, 4).map((p) => path.resolve(p));
const ARTIFACT_DIR = path.resolve(process.argv[4] || '.');
for (const p of [ECHO_BIN, CLOSE_BIN]) {
    try { fs.accessSync(p, fs.constants.X_OK); } catch { die(`not an executable: ${p}`); }
}
try { fs.accessSync(CHROMIUM, fs.constants.X_OK); } catch {
    die(`FAIL: ${CHROMIUM} not found: install Debian's chromium ` +
        '(apt-get install --no-install-recommends chromium; tools/test.sh does it)');
}

const pwPkg = path.join(HERE, 'node_modules', 'playwright-core', 'package.json');
if (!fs.existsSync(pwPkg)) {
    die(`FAIL: the npm package playwright-core is not installed (${path.join(HERE, 'node_modules')} ` +
        'is missing): run npm ci --prefix tests/interop/browser');
}
let chromium;
try {
    ({ chromium } = await import('playwright-core'));
} catch (e) {
    die(`FAIL: cannot import playwright-core (${e.message}): run npm ci --prefix tests/interop/browser`);
}
const pwVersion = JSON.parse(fs.readFileSync(pwPkg, 'utf8')).version;

const watchdog = setTimeout(() => die(`FAIL: watchdog: not finished after ${WATCHDOG_MS / 1000} s`), WATCHDOG_MS);

// ---- helpers -------------------------------------------------------------------------------

const q = (x) => JSON.stringify(x);

// A page of its own: a fresh browser context (no shared cache or cookies) with a DevTools
// session that records every WebSocket handshake (request headers, response status) and error,
// and Playwright's view of each socket (its URL and 'socketerror' texts).
async function newPage() {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    const sockets = new Map(); // requestId -> { url, origin, status, statusText, frameErrors }
    const pwErrors = []; // { url, error } from Playwright's 'socketerror'
    const cdp = await context.newCDPSession(page);
    const entry = (id) => {
        if (!sockets.has(id)) sockets.set(id, { url: null, origin: null, status: null, statusText: null, frameErrors: [] });
        return sockets.get(id);
    };
    const header = (headers, name) => {
        for (const [k, v] of Object.entries(headers || {})) if (k.toLowerCase() === name) return v;
        return null;
    };
    cdp.on('Network.webSocketCreated', (e) => { entry(e.requestId).url = e.url; });
    cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => {
        entry(e.requestId).origin = header(e.request.headers, 'origin');
    });
    cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
        const s = entry(e.requestId);
        s.status = e.response.status;
        s.statusText = e.response.statusText;
    });
    cdp.on('Network.webSocketFrameError', (e) => { entry(e.requestId).frameErrors.push(e.errorMessage); });
    await cdp.send('Network.enable');
    page.on('websocket', (ws) => {
        ws.on('socketerror', (error) => pwErrors.push({ url: ws.url(), error }));
    });
    return { context, page, sockets: () => [...sockets.values()], pwErrors };
}

// Run fn(ctx) with servers started from specs [{ bin, args }] and a fresh page; servers are always
// stopped (SIGTERM, exit 0 checked) and the context closed.
async function withServersAndPage(specs, fn) {
    const started = [];
    let ctx = null;
    let failure = null;
    try {
        for (const s of specs) started.push(await startServer(s.bin, s.args || []));
        ctx = await within(newPage(), STEP_MS, 'a new browser page');
        await fn({ ...ctx, servers: started });
    } catch (e) {
        failure = e;
    } finally {
        if (ctx) await within(ctx.context.close(), STEP_MS, 'the browser context to close').catch((e) => { failure = failure || e; });
        for (const srv of started) {
            try {
                await stopServer(srv);
            } catch (e) {
                failure = failure || e;
            }
        }
    }
    if (failure) throw failure;
}

// A plain HTTP server of our own on 127.0.0.1:0 serving one page at / (another origin).
function startPageServer(html) {
    return new Promise((resolve, reject) => {
        const srv = http.createServer((req, res) => {
            const ok = req.method === 'GET' && new URL(req.url, 'http://x').pathname === '/';
            res.writeHead(ok ? 200 : 404, { 'Content-Type': ok ? 'text/html; charset=utf-8' : 'text/plain' });
            res.end(ok ? html : 'Not found.\n');
        });
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve({ srv, port: srv.address().port }));
    });
}

// A probe page: connects to the `ws` query parameter on load, sends `hello` when open, and on its
// echo either closes with 1000 "done" (mode=echo) or sends "please close" (mode=server-close).
// window.result resolves with the close event and the event list. Its own code (not copied).
const PROBE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>squall probe</title></head>
<body><h1>squall probe</h1><pre id="events"></pre>
<script>
const params = new URLSearchParams(location.search);
const events = window.probeEvents = [];
const note = (s) => { events.push(s); document.getElementById('events').textContent = events.join('\\n'); };
window.result = new Promise((resolve) => {
  const ws = new WebSocket(params.get('ws'));
  window.probeSocket = ws;
  ws.onopen = () => { note('open'); ws.send('hello from ' + location.origin); };
  ws.onmessage = (e) => {
    note('message ' + JSON.stringify(e.data));
    if (params.get('mode') === 'server-close') { if (e.data !== 'please close') ws.send('please close'); }
    else ws.close(1000, 'done');
  };
  ws.onerror = () => note('error');
  ws.onclose = (e) => { note('close ' + e.code + ' ' + JSON.stringify(e.reason)); resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean, events }); };
});
</script></body></html>
`;

async function probeResult(page) {
    try {
        return await within(page.evaluate(() => window.result), STEP_MS, "the probe page's close event");
    } catch (e) {
        const seen = await within(page.evaluate(() => window.probeEvents), 5000, 'the probe events').catch((e2) => e2.message);
        throw new Failure(`${e.message}; the page saw ${q(seen)}`);
    }
}

// ---- tests ---------------------------------------------------------------------------------

async function testDemoPage() {
    await withServersAndPage([{ bin: ECHO_BIN, args: [] }], async ({ page, servers: [srv], sockets }) => {
        const url = `http://127.0.0.1:${srv.port}/`;
        const resp = await page.goto(url);
        check(resp && resp.status() === 200, `GET ${url}: expected 200, got ${resp && resp.status()}`);
        const status = page.locator('#status');
        const want = `connected to 127.0.0.1:${srv.port}`;
        try {
            await status.filter({ hasText: want }).waitFor();
        } catch {
            throw new Failure(`#status: expected ${q(want)}, saw ${q(await status.textContent())}`);
        }
        const hs = sockets();
        check(hs.length === 1 && hs[0].status === 101 && hs[0].origin === `http://127.0.0.1:${srv.port}`,
              `handshake: expected one socket, 101, Origin http://127.0.0.1:${srv.port}; saw ${q(hs)}`);

        // Typed text, then the same box sent as binary, through the page's own buttons.
        const text = 'Hello from Chromium, h\u00e9llo \u{1F600}';
        const incoming = page.locator('#log .in');
        await page.fill('#text', text);
        await page.click('#send');
        const wantText = `\u2190 ${text}`;
        try {
            await incoming.filter({ hasText: wantText }).waitFor();
        } catch {
            throw new Failure(`#log after Send: expected a line ${q(wantText)}, saw ${q(await page.locator('#log').innerText())}`);
        }
        const binText = 'bytes \u00e9\u00e8';
        await page.fill('#text', binText);
        await page.click('#send-binary');
        const wantBin = `\u2190 binary (${Buffer.byteLength(binText)} bytes): ${binText}`;
        try {
            await incoming.filter({ hasText: wantBin }).waitFor();
        } catch {
            throw new Failure(`#log after Send as binary: expected a line ${q(wantBin)}, saw ${q(await page.locator('#log').innerText())}`);
        }
        const lines = await incoming.allInnerTexts();
        check(lines.length === 2 && lines[0] === wantText && lines[1] === wantBin,
              `#log incoming lines: expected ${q([wantText, wantBin])}, saw ${q(lines)}`);
        const outgoing = await page.locator('#log .out').allInnerTexts();
        console.log(`    #log: ${q([...outgoing, ...lines])}`);

        // The screenshot: the demo after the exchange through its own controls.
        fs.mkdirSync(ARTIFACT_DIR, { recursive: true });
        const shot = path.join(ARTIFACT_DIR, 'chromium-echo-demo.png');
        await page.screenshot({ path: shot, fullPage: true });
        const size = fs.statSync(shot).size;
        check(size > 1000, `screenshot ${shot}: expected a PNG, got ${size} bytes`);
        console.log(`    screenshot: ${shot} (${size} bytes)`);

        // Through window.squallSocket: the next message after sending `payload` (page-side timeout).
        const roundTrip = (kind) => page.evaluate(async ({ kind, ms }) => {
            const ws = window.squallSocket;
            if (!ws || ws.readyState !== WebSocket.OPEN) return { error: `window.squallSocket is not open (readyState ${ws && ws.readyState})` };
            let payload;
            if (kind === 'bytes') {
                payload = new Uint8Array(256);
                for (let i = 0; i < 256; ++i) payload[i] = i;
                payload = payload.buffer;
            } else {
                // 1-, 2-, 3- and 4-byte UTF-8 sequences, numbered lines so a shift shows.
                const parts = [];
                let n = 0;
                for (let i = 0; n < (1 << 20); ++i) {
                    const line = `squall \u00e9\u20ac\u{1F600} ${i}\n`;
                    parts.push(line);
                    n += new TextEncoder().encode(line).length;
                }
                payload = parts.join('');
            }
            const got = await new Promise((resolve) => {
                const timer = setTimeout(() => resolve({ timeout: true }), ms);
                ws.addEventListener('message', (e) => { clearTimeout(timer); resolve({ data: e.data }); }, { once: true });
                ws.send(payload);
            });
            if (got.timeout) return { error: `no echo within ${ms / 1000} s` };
            if (kind === 'bytes') {
                if (!(got.data instanceof ArrayBuffer)) return { error: `expected an ArrayBuffer, got ${typeof got.data}` };
                return { bytes: Array.from(new Uint8Array(got.data)) };
            }
            if (typeof got.data !== 'string') return { error: `expected a string, got ${Object.prototype.toString.call(got.data)}` };
            let diff = -1;
            if (got.data !== payload) {
                diff = 0;
                while (diff < payload.length && got.data[diff] === payload[diff]) ++diff;
            }
            return { sentChars: payload.length, sentBytes: new TextEncoder().encode(payload).length,
                     gotChars: got.data.length, equal: got.data === payload, firstDiff: diff };
        }, { kind, ms: STEP_MS });

        const b = await within(roundTrip('bytes'), STEP_MS * 2, 'the 256-byte binary echo');
        check(!b.error, `binary ArrayBuffer of all 256 byte values: ${b.error}`);
        const bad = b.bytes.findIndex((v, i) => v !== i);
        check(b.bytes.length === 256 && bad === -1,
              `binary echo of bytes 0..255: expected 256 bytes equal to their index, got ${b.bytes.length} bytes, first difference at ${bad} (${b.bytes[bad]})`);
        console.log('    window.squallSocket: 256-byte ArrayBuffer (0x00..0xff) echoed byte-exact');

        const t = await within(roundTrip('text'), STEP_MS * 2, 'the 1 MiB text echo');
        check(!t.error, `1 MiB text: ${t.error}`);
        check(t.equal && t.gotChars === t.sentChars,
              `1 MiB text echo: expected ${t.sentChars} UTF-16 units equal to those sent, got ${t.gotChars}, first difference at ${t.firstDiff}`);
        console.log(`    window.squallSocket: text of ${t.sentBytes} UTF-8 bytes (${t.sentChars} UTF-16 units) echoed intact`);
        check(t.sentBytes >= (1 << 20), `the text sent was ${t.sentBytes} bytes, expected at least 1 MiB`);

        const state = await status.textContent();
        check(state === want, `#status after the exchange: expected ${q(want)}, saw ${q(state)}`);
    });
}

async function testServerClose() {
    await withServersAndPage([{ bin: CLOSE_BIN, args: [] }], async ({ page, servers: [srv], sockets }) => {
        // close_server keeps the default origin policy (Origin host:port == Host), so the page
        // must come from its origin: Playwright answers the navigation with the probe page (the
        // request never reaches close_server, which serves no HTTP), and Chromium then sends
        // Origin http://127.0.0.1:<close_server port>, as for a page that server had served.
        const origin = `http://127.0.0.1:${srv.port}`;
        await page.route(`${origin}/probe*`, (route) =>
            route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PROBE_PAGE }));
        await page.goto(`${origin}/probe?mode=server-close&ws=${encodeURIComponent(`ws://127.0.0.1:${srv.port}/`)}`);
        const r = await probeResult(page);
        const hs = sockets();
        console.log(`    page origin ${await page.evaluate(() => location.origin)}; handshake ${q(hs)}`);
        console.log(`    CloseEvent: code ${r.code}, reason ${q(r.reason)}, wasClean ${r.wasClean}; events ${q(r.events)}`);
        check(hs.length === 1 && hs[0].origin === origin && hs[0].status === 101,
              `handshake: expected one socket with Origin ${origin} answered 101; saw ${q(hs)}`);
        const wantEvents = ['open', `message ${q(`hello from ${origin}`)}`, 'close 4000 "bye now"'];
        check(r.code === 4000 && r.reason === 'bye now' && r.wasClean === true,
              `server closed with 4000 "bye now": expected CloseEvent {code: 4000, reason: "bye now", wasClean: true}, saw {code: ${r.code}, reason: ${q(r.reason)}, wasClean: ${r.wasClean}}`);
        check(q(r.events) === q(wantEvents), `events: expected ${q(wantEvents)}, saw ${q(r.events)}`);
    });
}

async function testForeignOrigin() {
    const pageSrv = await startPageServer(PROBE_PAGE);
    const foreign = `http://127.0.0.1:${pageSrv.port}`;
    try {
        // (a) echo_server's default policy (Origin must match Host): 403, the page sees 1006.
        await withServersAndPage([{ bin: ECHO_BIN, args: [] }], async ({ page, servers: [srv], sockets, pwErrors }) => {
            const wsUrl = `ws://127.0.0.1:${srv.port}/`;
            await page.goto(`${foreign}/?mode=echo&ws=${encodeURIComponent(wsUrl)}`);
            const r = await probeResult(page);
            const hs = sockets();
            console.log(`    default policy: page ${foreign} -> ${wsUrl}: CloseEvent ${r.code} ${q(r.reason)}, ` +
                        `events ${q(r.events)}; DevTools ${q(hs)}; Playwright socketerror ${q(pwErrors)}`);
            check(r.code === 1006 && !r.events.includes('open'),
                  `foreign origin under the default policy: expected no open and close 1006, saw ${q(r.events)}`);
            check(hs.length === 1 && hs[0].origin === foreign,
                  `handshake: expected one socket sending Origin ${foreign}; saw ${q(hs)}`);
            // The status reaches the DevTools protocol as the handshake response, and Chromium's
            // error text ("Unexpected response code: 403") as a frame error / Playwright's
            // socketerror; the page's own API never sees it.
            const texts = [...hs[0].frameErrors, ...pwErrors.map((e) => e.error)];
            check(hs[0].status === 403 || texts.some((s) => /\b403\b/.test(s)),
                  `expected the handshake refused with 403; DevTools status ${hs[0].status}, errors ${q(texts)}`);
            check(texts.some((s) => /\b403\b/.test(s)),
                  `expected an error text naming 403; saw ${q(texts)}`);
        });
        // (b) the same page once echo_server allows that origin: it connects and echoes.
        await withServersAndPage([{ bin: ECHO_BIN, args: ['--allowed-origin', foreign] }], async ({ page, servers: [srv], sockets }) => {
            const wsUrl = `ws://127.0.0.1:${srv.port}/`;
            await page.goto(`${foreign}/?mode=echo&ws=${encodeURIComponent(wsUrl)}`);
            const r = await probeResult(page);
            const hs = sockets();
            console.log(`    --allowed-origin ${foreign}: CloseEvent ${r.code} ${q(r.reason)}, events ${q(r.events)}; DevTools ${q(hs)}`);
            // The page closes with 1000 "done"; CloseEvent carries the server's answer: squall
            // echoes the code (1000) and sends no reason (DESIGN §1: close C, echo).
            const wantEvents = ['open', `message ${q(`hello from ${foreign}`)}`, 'close 1000 ""'];
            check(q(r.events) === q(wantEvents) && r.wasClean === true,
                  `allowed foreign origin: expected events ${q(wantEvents)} and a clean close, saw ${q(r.events)} (wasClean ${r.wasClean})`);
            check(hs.length === 1 && hs[0].origin === foreign && hs[0].status === 101,
                  `handshake: expected one socket with Origin ${foreign} answered 101; saw ${q(hs)}`);
        });
    } finally {
        await within(new Promise((resolve) => { pageSrv.srv.closeAllConnections?.(); pageSrv.srv.close(resolve); }),
                     STEP_MS, 'the page server to close');
    }
}

const TESTS = [
    ['chromium: demo page echoes typed text and binary; 256-byte ArrayBuffer and 1 MiB text via window.squallSocket', testDemoPage],
    ['chromium: server close 4000 "bye now" reaches CloseEvent', testServerClose],
    ['chromium: foreign origin refused with 403 by default, accepted with --allowed-origin', testForeignOrigin],
];

try {
    browser = await within(chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: LAUNCH_MS,
        args: [
            '--no-sandbox', // CI runs as root
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-default-apps',
            '--disable-extensions',
            '--disable-dev-shm-usage',
            '--disable-gpu',
            // Loopback only: no name resolves, so Chromium can reach nothing else.
            '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
            // Local Network Access would block the close test's socket: its page is a response
            // Playwright fulfils, which has no IP address and so counts as a public page, and a
            // public page may not open a socket to 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_
            // ACCESS_CHECKS). The other pages come from 127.0.0.1 and are not affected.
            '--disable-features=LocalNetworkAccessChecks',
        ],
    }), LAUNCH_MS + 5000, `${CHROMIUM} to start`);
} catch (e) {
    die(`FAIL: cannot start ${CHROMIUM} through playwright-core ${pwVersion}: ${e.message}`);
}
console.log(`node ${process.version}, playwright-core ${pwVersion}, Chromium ${browser.version()} (${CHROMIUM})`);

let passed = 0;
let failed = 0;
for (const [name, fn] of TESTS) {
    const t0 = performance.now();
    try {
        await fn();
        ++passed;
        console.log(`PASS ${name} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    } catch (e) {
        ++failed;
        console.log(`FAIL ${name}: ${e instanceof Failure ? e.message : e.stack || e}`);
    }
}
await within(browser.close(), STEP_MS, 'the browser to close').catch((e) => console.log(`note: ${e.message}`));
browser = null;
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
