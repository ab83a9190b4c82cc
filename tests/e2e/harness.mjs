// The browser tests' shared harness: one real `strata serve` on a free port
// (its embedded PostgreSQL in a temporary data directory, or an external
// server when STRATA_E2E_DATABASE_URL is set), Debian's chromium through
// playwright-core, screenshots, and the server's output printed on failure.
//
// Environment:
//   STRATA_BIN               path to the strata binary (required)
//   CHROMIUM_PATH            chromium executable (default /usr/bin/chromium)
//   STRATA_SCREENSHOTS       a directory that also receives the screenshots
//   STRATA_E2E_DATABASE_URL  run against this PostgreSQL instead of the embedded one

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, chmod, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HEALTH_TIMEOUT_MS = 60_000;
export const SHUTDOWN_TIMEOUT_MS = 10_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', // we run as root in CI, where chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** One running `strata serve` and a browser pointed at it. */
export class Harness {
  /** Everything the server printed, in order, for the failure report. */
  serverLog = [];
  /** Set by any failed step so `stop` knows to print the server's output. */
  failed = false;
  /** The exit once it happened; null while the server runs. */
  exitStatus = null;
  dataDir;
  baseUrl;
  browser;
  server;
  serverExit;

  /** The strata binary. */
  get bin() {
    return path.resolve(process.env.STRATA_BIN);
  }

  /**
   * The database the tests work in: the embedded default `main`, or on an
   * external server a fresh one made through the API (and dropped at the end).
   */
  database = 'main';

  /** The external server's URL, or undefined for the embedded one. */
  get externalUrl() {
    return process.env.STRATA_E2E_DATABASE_URL || undefined;
  }

  /** The database flags every CLI call against this server needs. */
  get databaseArgs() {
    if (!this.externalUrl) return ['--data-dir', this.dataDir];
    const url = new URL(this.externalUrl);
    url.pathname = `/${encodeURIComponent(this.database)}`;
    return ['--database-url', url.toString()];
  }

  /** `it`, but a failure also marks the run as failed so the server log is printed. */
  step(name, options, fn) {
    it(name, options, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        this.failed = true;
        throw err;
      }
    });
  }

  /** Starts the server and the browser (for `before`). */
  async start() {
    try {
      const bin = process.env.STRATA_BIN;
      assert.ok(bin, 'STRATA_BIN is not set: point it at the strata binary, e.g. STRATA_BIN=target/release/strata');
      await access(bin, constants.X_OK).catch(() => {
        assert.fail(`STRATA_BIN=${bin} is not an executable file; build it with cargo build first`);
      });
      this.dataDir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-'));
      // As root, the server runs PostgreSQL as `postgres`, which must be able
      // to traverse this directory.
      await chmod(this.dataDir, 0o755);
      const port = await freePort();
      this.baseUrl = `http://127.0.0.1:${port}`;
      this.#spawn(port, this.externalUrl ? ['--database-url', this.externalUrl] : this.databaseArgs);
      await this.waitForHealth();
      if (this.externalUrl) {
        const name = `strata_e2e_${process.pid}_${Date.now()}`;
        const created = await this.api('POST', '/databases', { name });
        assert.equal(created.status, 201, `creating ${name}: ${JSON.stringify(created.body)}`);
        this.database = name;
      }
      this.browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
      });
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /** Stops the browser and the server, prints the log on failure, removes the data (for `after`). */
  async finish() {
    await this.browser?.close();
    let exit = null;
    if (this.server && !this.exitStatus) exit = await this.stopServer();
    if (this.failed || exit?.timedOut || (exit && exit.code !== 0)) {
      process.stderr.write(`\n----- strata serve output -----\n${this.serverLog.join('')}----- end -----\n`);
    }
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    if (this.externalUrl && this.database !== 'main') {
      const drop = `DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`;
      await this.#run(['psql', '--database-url', this.externalUrl, '--', '-c', drop]);
    }
    if (exit) {
      assert.ok(!exit.timedOut, `strata serve did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`);
      assert.equal(exit.code, 0, `strata serve exited with ${JSON.stringify(exit)} after SIGTERM`);
    }
  }

  #spawn(port, databaseArgs) {
    const child = spawn(this.bin, ['serve', '--listen', `127.0.0.1:${port}`, ...databaseArgs], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.server = child;
    // Never leave a server behind, even when the runner exits early.
    process.once('exit', () => {
      if (!this.exitStatus) child.kill('SIGKILL');
    });
    for (const [name, stream] of [
      ['out', child.stdout],
      ['err', child.stderr],
    ]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => this.serverLog.push(`[${name}] ${chunk}`));
    }
    this.serverExit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
      child.once('error', (err) => {
        this.serverLog.push(`[spawn] ${err.message}\n`);
        this.exitStatus = { code: null, signal: null, error: err };
        resolve(this.exitStatus);
      });
    });
  }

  /** Polls /api/v1/health until it answers 200; fails early if the server exits. */
  async waitForHealth() {
    const url = `${this.baseUrl}/api/v1/health`;
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = 'no attempt yet';
    while (Date.now() < deadline) {
      if (this.exitStatus) {
        assert.fail(`strata serve exited before it was healthy: ${JSON.stringify(this.exitStatus)}`);
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return response.json();
        last = `HTTP ${response.status}: ${await response.text()}`;
      } catch (err) {
        last = err.cause?.code ?? err.message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.fail(`${url} did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})`);
  }

  /** Sends SIGTERM and waits for the exit; a server still running after the timeout is killed. */
  async stopServer() {
    if (this.exitStatus) return this.exitStatus;
    const started = Date.now();
    this.server.kill('SIGTERM');
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS, 'timeout');
    });
    const outcome = await Promise.race([this.serverExit, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.server.kill('SIGKILL');
      await this.serverExit;
      return { timedOut: true, ...this.exitStatus };
    }
    return { ...outcome, ms: Date.now() - started };
  }

  /** A fresh page with uncaught page errors collected in `errors`. */
  async newPage() {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // The browser may be closing meanwhile (the run's last page), which rejects: nothing to do then.
    page.on('close', () => void context.close().catch(() => {}));
    return { page, errors, context };
  }

  /** Runs the strata CLI against this server's database; resolves with its stdout. */
  cli(args) {
    return this.#run([...args, ...this.databaseArgs]);
  }

  #run(args) {
    return new Promise((resolve, reject) => {
      execFile(this.bin, args, { env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
        if (err) reject(new Error(`strata ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** Calls the JSON API; resolves with `{ status, body }`. */
  async api(method, apiPath, body) {
    const response = await fetch(`${this.baseUrl}/api/v1${apiPath}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
}

/** Saves a screenshot to target/e2e/NAME and, with STRATA_SCREENSHOTS, to the README's directory. */
export async function screenshot(page, name, options = {}) {
  const outputs = [path.join(REPO, 'target/e2e', name)];
  if (process.env.STRATA_SCREENSHOTS) outputs.push(path.resolve(REPO, process.env.STRATA_SCREENSHOTS, name));
  for (const out of outputs) {
    await mkdir(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, ...options });
  }
}

async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
