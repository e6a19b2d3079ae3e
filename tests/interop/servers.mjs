// tests/interop/servers.mjs: what the Node interop tests (node/test_ws_client.mjs and
// browser/test_chromium.mjs) share: failures, bounded waits, and squall example servers
// started on 127.0.0.1 with --port 0 and stopped by PID with SIGTERM (exit 0 expected).
import { spawn } from 'node:child_process';
import path from 'node:path';

export const START_MS = 30_000; // server start (ASan builds start slowly on a loaded machine)
export const STOP_MS = 15_000; // server stop after SIGTERM (it shuts down within 5 s)
export const servers = new Set(); // live child processes, for the scripts' watchdogs to kill

export class Failure extends Error {}

export function check(cond, msg) {
    if (!cond) throw new Failure(msg);
}

export function within(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Failure(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Start a server with --port 0; resolves { child, name, host, port, exited } after its first line.
export function startServer(bin, args = []) {
    const name = path.basename(bin);
    const child = spawn(bin, [...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(child);
    const exited = new Promise((resolve) => {
        child.on('exit', (code, signal) => { servers.delete(child); resolve({ code, signal }); });
    });
    child.stderr.on('data', (d) => process.stderr.write(`[${name} stderr] ${d}`));
    const first = new Promise((resolve, reject) => {
        let buf = '';
        let done = false;
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d) => { // keeps draining after the first line
            if (done) return;
            buf += d;
            const nl = buf.indexOf('\n');
            if (nl >= 0) { done = true; resolve(buf.slice(0, nl)); }
        });
        child.on('error', (e) => reject(new Failure(`cannot start ${bin}: ${e.message}`)));
        exited.then(({ code, signal }) => {
            if (!done) reject(new Failure(`${name} exited (code ${code}, signal ${signal}) before its first line`));
        });
    });
    return within(first, START_MS, `${name}'s first line`).then((line) => {
        const m = /^listening on (\S+):(\d+)$/.exec(line.trim());
        check(m, `${name}: expected a first line "listening on 127.0.0.1:PORT", got ${JSON.stringify(line)}`);
        check(m[1] === '127.0.0.1', `${name}: expected to listen on 127.0.0.1, got ${m[1]}`);
        return { child, name, host: m[1], port: Number(m[2]), exited };
    }).catch((e) => { child.kill('SIGKILL'); throw e; });
}

export async function stopServer(srv) {
    srv.child.kill('SIGTERM');
    let r;
    try {
        r = await within(srv.exited, STOP_MS, `${srv.name} to exit after SIGTERM`);
    } catch (e) {
        srv.child.kill('SIGKILL');
        throw e;
    }
    check(r.code === 0 && r.signal === null,
          `${srv.name} after SIGTERM: expected exit code 0, got code ${r.code}, signal ${r.signal}`);
}
