// squall against the Node.js `ws` client (npm package ws 8.x, pinned in package-lock.json).
//
//     node test_ws_client.mjs ECHO_SERVER CLOSE_SERVER
//
// ECHO_SERVER is examples/echo_server, CLOSE_SERVER tests/interop/close_server (echoes, and
// closes with 4000 "bye now" on the text "please close"). Each test starts its own server on
// 127.0.0.1 with --port 0, reads the first stdout line `listening on HOST:PORT`, and stops it by
// process id (SIGTERM, exit 0 checked). Every wait is bounded, and a global 120 s watchdog kills
// the servers and exits non-zero. Prints `N passed, M failed`; exits non-zero on any failure.
//
// ws is installed by `npm ci --prefix tests/interop/node` (tools/test.sh does it). The
// 1,000-client test needs ~1,000 descriptors in this process and in the server (a child, which
// inherits the limit): CTest runs this under `ulimit -n 4096` (tests/interop/CMakeLists.txt).

import { Failure, check, within, servers, startServer, stopServer } from '../servers.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WATCHDOG_MS = 120_000;
const STEP_MS = 15_000; // per client operation
const CLIENTS = 1000;
const MESSAGES = 100;

// ---- setup ---------------------------------------------------------------------------------


function die(msg) {
    process.stderr.write(`test_ws_client: ${msg}\n`);
    for (const c of servers) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
    process.exit(1);
}

if (process.argv.length !== 4) die('usage: node test_ws_client.mjs ECHO_SERVER CLOSE_SERVER');
const [ECHO_BIN, CLOSE_BIN] = process.argv.slice(2).map((p) => path.resolve(p));
for (const p of [ECHO_BIN, CLOSE_BIN]) {
    try { fs.accessSync(p, fs.constants.X_OK); } catch { die(`not an executable: ${p}`); }
}

const wsPkg = path.join(HERE, 'node_modules', 'ws', 'package.json');
if (!fs.existsSync(wsPkg)) {
    die(`FAIL: the npm package ws is not installed (${path.join(HERE, 'node_modules')} is missing): ` +
        'run npm ci --prefix tests/interop/node');
}
let WebSocket;
try {
    WebSocket = (await import('ws')).default;
} catch (e) {
    die(`FAIL: cannot import ws (${e.message}): run npm ci --prefix tests/interop/node`);
}
const wsVersion = JSON.parse(fs.readFileSync(wsPkg, 'utf8')).version;

let fdLimit = 'unknown';
try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) fdLimit = `${m[1]} (hard ${m[2]})`;
} catch { /* not Linux */ }
console.log(`node ${process.version}, ws ${wsVersion}, open-file limit ${fdLimit}`);

const watchdog = setTimeout(() => die(`FAIL: watchdog: not finished after ${WATCHDOG_MS / 1000} s`), WATCHDOG_MS);

// ---- helpers -------------------------------------------------------------------------------

function short(x) {
    const s = typeof x === 'string' ? JSON.stringify(x) : `<${x.length} bytes>`;
    return s.length < 120 ? s : `${s.slice(0, 100)}...(${x.length})`;
}

// A ws client with a queue of received messages and a promise of its 'close' event.
class Client {
    constructor(url, opts = {}) {
        this.ws = new WebSocket(url, { maxPayload: 16 << 20, handshakeTimeout: STEP_MS, ...opts });
        this.queue = [];
        this.waiters = [];
        this.error = null;
        this.ws.on('message', (data, isBinary) => {
            const m = { data, isBinary };
            if (this.waiters.length) this.waiters.shift().resolve(m);
            else this.queue.push(m);
        });
        this.ws.on('error', (e) => { this.error = e; });
        this.closed = new Promise((resolve) => {
            this.ws.on('close', (code, reason) => {
                const r = { code, reason: reason.toString() };
                for (const w of this.waiters.splice(0)) w.reject(new Failure(`connection closed (${code} ${JSON.stringify(r.reason)}) while waiting for a message`));
                resolve(r);
            });
        });
        this.opened = new Promise((resolve, reject) => {
            this.ws.once('open', resolve);
            this.ws.once('close', (code) => reject(new Failure(`connect to ${url} failed: ${this.error ? this.error.message : `closed ${code}`}`)));
        });
        this.opened.catch(() => {}); // handled by whoever awaits it
    }

    next(what, ms = STEP_MS) {
        if (this.queue.length) return Promise.resolve(this.queue.shift());
        return within(new Promise((resolve, reject) => this.waiters.push({ resolve, reject })), ms, what);
    }

    send(data) {
        return new Promise((resolve, reject) => this.ws.send(data, (e) => (e ? reject(e) : resolve())));
    }
}

async function open(srv, urlPath = '/') {
    const c = new Client(`ws://${srv.host}:${srv.port}${urlPath}`);
    await within(c.opened, STEP_MS, 'the handshake');
    return c;
}

// Run fn(server) against a fresh server; the server is always stopped (SIGTERM, exit 0 checked).
async function withServer(bin, args, fn) {
    const srv = await startServer(bin, args);
    const clients = [];
    let failure = null;
    try {
        await fn(srv, clients);
    } catch (e) {
        failure = e;
    } finally {
        for (const c of clients) c.ws.terminate();
        try {
            await stopServer(srv);
        } catch (e) {
            failure = failure || e;
        }
    }
    if (failure) throw failure;
}

async function echoCase(c, data, isBinary) {
    await within(c.send(data), STEP_MS * 4, `send of ${short(data)}`);
    const m = await c.next(`echo of ${short(data)}`, STEP_MS * 4);
    check(m.isBinary === isBinary, `sent ${isBinary ? 'binary' : 'text'} ${short(data)}, got a ${m.isBinary ? 'binary' : 'text'} message`);
    const got = isBinary ? m.data : m.data.toString('utf8');
    const same = isBinary ? Buffer.compare(got, data) === 0 : got === data;
    check(same, `sent ${short(data)}, echo differs: ${short(got)}`);
}

async function closeNormally(c) {
    c.ws.close(1000);
    const r = await within(c.closed, STEP_MS, 'the close handshake');
    check(r.code === 1000, `client closed with 1000; got ${r.code} ${JSON.stringify(r.reason)}`);
}

// ---- tests ---------------------------------------------------------------------------------

async function testEchoText() {
    await withServer(ECHO_BIN, [], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        for (const s of ['hello, squall', 'h\u00e9llo \u{1F600}', '']) await echoCase(c, s, false);
        await closeNormally(c);
    });
}

async function testEchoBinary() {
    await withServer(ECHO_BIN, [], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        const all = Buffer.alloc(256);
        for (let i = 0; i < 256; ++i) all[i] = i;
        for (const b of [Buffer.from([0, 1, 0xfe, 0xff]), all, Buffer.alloc(0)]) await echoCase(c, b, true);
        await closeNormally(c);
    });
}

async function testEchoLarge() {
    await withServer(ECHO_BIN, [], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        const bin = Buffer.alloc(4 << 20);
        for (let i = 0; i < bin.length; ++i) bin[i] = i & 0xff;
        await echoCase(c, bin, true);
        const text = 'squall-'.repeat(Math.ceil((4 << 20) / 7)).slice(0, 4 << 20);
        await echoCase(c, text, false);
        await closeNormally(c);
    });
}

async function testServerClose() {
    await withServer(CLOSE_BIN, [], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        await echoCase(c, 'before', false);
        await c.send('please close');
        const r = await within(c.closed, STEP_MS, "the server's close");
        console.log(`    ws saw the server's close as ${r.code} ${JSON.stringify(r.reason)}`);
        check(r.code === 4000 && r.reason === 'bye now', `server closed with 4000 "bye now"; ws saw ${r.code} ${JSON.stringify(r.reason)}`);
        check(c.queue.length === 0, `unexpected messages before the close: ${c.queue.length}`);
    });
}

async function testClientClose() {
    await withServer(ECHO_BIN, [], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        await echoCase(c, 'x', false);
        c.ws.close(4001, 'client bye');
        const r = await within(c.closed, STEP_MS, 'the close handshake');
        console.log(`    ws: client closed 4001 "client bye"; the server answered ${r.code} ${JSON.stringify(r.reason)}`);
        check(r.code === 4001, `client closed with 4001; the server's close frame carried ${r.code}, expected the echo 4001`);
    });
}

async function testPing() {
    await withServer(ECHO_BIN, ['--no-ping'], async (srv, clients) => {
        const c = await open(srv); clients.push(c);
        for (const payload of [Buffer.from('x'), Buffer.alloc(125, 'p'), Buffer.alloc(0)]) {
            const pong = new Promise((resolve) => c.ws.once('pong', resolve));
            c.ws.ping(payload);
            const got = await within(pong, STEP_MS, `the pong to a ${payload.length}-byte ping`);
            check(Buffer.compare(got, payload) === 0, `ping ${short(payload)} answered with pong ${short(got)}`);
        }
        await echoCase(c, 'after ping', false);
        await closeNormally(c);
    });
}

async function testManyClients() {
    await withServer(ECHO_BIN, [], async (srv, clients) => {
        const t0 = performance.now();
        for (let i = 0; i < CLIENTS; ++i) clients.push(new Client(`ws://${srv.host}:${srv.port}/`));
        const opened = await within(Promise.allSettled(clients.map((c) => c.opened)), 60_000, `${CLIENTS} handshakes`);
        const bad = opened.filter((r) => r.status === 'rejected');
        check(bad.length === 0, `${bad.length} of ${CLIENTS} connections failed, first: ${bad[0] && bad[0].reason.message}`);
        const t1 = performance.now();

        // All connected at once; each sends 100 numbered messages and expects the echoes in order.
        const errors = [];
        const exchange = clients.map((c, i) => new Promise((resolve) => {
            let n = 0;
            c.ws.removeAllListeners('message');
            c.ws.on('message', (data, isBinary) => {
                const want = `c${i}-${n}`;
                const got = data.toString('utf8');
                if (isBinary || got !== want) {
                    errors.push(`client ${i}: message ${n}: expected ${want}, got ${isBinary ? 'binary ' : ''}${short(got)}`);
                    resolve();
                    return;
                }
                if (++n === MESSAGES) resolve();
            });
            c.closed.then(({ code }) => {
                if (n < MESSAGES) { errors.push(`client ${i}: closed (${code}) after ${n} echoes`); resolve(); }
            });
            for (let k = 0; k < MESSAGES; ++k) c.ws.send(`c${i}-${k}`);
        }));
        await within(Promise.all(exchange), 60_000, `${CLIENTS * MESSAGES} echoes`);
        check(errors.length === 0, `${errors.length} clients failed, first: ${errors[0]}`);
        const t2 = performance.now();

        for (const c of clients) c.ws.close(1000, 'done');
        const closes = await within(Promise.all(clients.map((c) => c.closed)), 30_000, `${CLIENTS} close handshakes`);
        const unclean = closes.filter((r) => r.code !== 1000);
        check(unclean.length === 0, `${unclean.length} of ${CLIENTS} closes were not 1000, first: ${unclean[0] && unclean[0].code}`);
        const t3 = performance.now();
        const s = (a, b) => ((b - a) / 1000).toFixed(2);
        console.log(`    ${CLIENTS} clients x ${MESSAGES} messages: connect ${s(t0, t1)} s, ` +
                    `echo ${s(t1, t2)} s, close ${s(t2, t3)} s, total ${s(t0, t3)} s`);
        clients.length = 0; // all closed; nothing to terminate
    });
}

const TESTS = [
    ['ws: echo text', testEchoText],
    ['ws: echo binary', testEchoBinary],
    ['ws: echo 4 MiB binary and text', testEchoLarge],
    ['ws: server closes with 4000 "bye now"', testServerClose],
    ['ws: client closes with 4001, server echoes the code', testClientClose],
    ['ws: ping -> pong', testPing],
    [`ws: ${CLIENTS} concurrent clients x ${MESSAGES} messages, in order`, testManyClients],
];

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
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
