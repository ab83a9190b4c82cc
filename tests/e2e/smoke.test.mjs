// Browser smoke test: one real `strata serve` with its embedded PostgreSQL on
// a free port, driven by Debian's chromium through playwright-core.
//
//   STRATA_BIN=target/release/strata npm test
//
// It checks that the server answers /api/v1/health, that the web app shell
// renders and shows the PostgreSQL it is connected to, that Swagger UI is
// served at /api/docs/, and that SIGTERM stops the server cleanly with exit
// code 0. The home page screenshot goes to target/e2e/home.png (and to
// $STRATA_SCREENSHOTS/home.png when set). If anything fails, the server's
// output is printed.
//
// Environment:
//   STRATA_BIN     path to the strata binary (required)
//   CHROMIUM_PATH  chromium executable (default /usr/bin/chromium)
//   STRATA_SCREENSHOTS  a directory that also receives the screenshots

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, chmod, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HEALTH_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', // we run as root in CI, where chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Everything the server printed, in order, for the failure report. */
const serverLog = [];
/** Set by any failed step so `after` knows to print the server's output. */
let failed = false;

let dataDir;
let server;
/** Resolves with `{ code, signal }` once the server process has exited. */
let serverExit;
/** The exit once it happened; null while the server runs. */
let exitStatus = null;
let baseUrl;
let browser;

/** `it`, but a failure also marks the run as failed so the server log is printed. */
function step(name, options, fn) {
  it(name, options, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr. */
function run(bin, args) {
  return new Promise((resolve, reject) => {
    execFile(path.resolve(bin), args, { env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
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

function startServer(bin, port) {
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a server behind, even when the runner exits early.
  process.once('exit', () => {
    if (!exitStatus) child.kill('SIGKILL');
  });
  for (const [name, stream] of [
    ['out', child.stdout],
    ['err', child.stderr],
  ]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => serverLog.push(`[${name}] ${chunk}`));
  }
  serverExit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
    child.once('error', (err) => {
      serverLog.push(`[spawn] ${err.message}\n`);
      exitStatus = { code: null, signal: null, error: err };
      resolve(exitStatus);
    });
  });
  return child;
}

/** Polls /api/v1/health until it answers 200; fails early if the server exits. */
async function waitForHealth() {
  const url = `${baseUrl}/api/v1/health`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no attempt yet';
  while (Date.now() < deadline) {
    if (exitStatus) {
      assert.fail(`strata serve exited before it was healthy: ${JSON.stringify(exitStatus)}`);
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
async function stopServer() {
  if (exitStatus) return exitStatus;
  const started = Date.now();
  server.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS, 'timeout');
  });
  const outcome = await Promise.race([serverExit, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    server.kill('SIGKILL');
    await serverExit;
    return { timedOut: true, ...exitStatus };
  }
  return { ...outcome, ms: Date.now() - started };
}

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

describe('strata serve with the web app', { timeout: 180_000 }, () => {
  before(async () => {
    try {
      const bin = process.env.STRATA_BIN;
      assert.ok(
        bin,
        'STRATA_BIN is not set: point it at the strata binary, e.g. STRATA_BIN=target/release/strata',
      );
      await access(bin, constants.X_OK).catch(() => {
        assert.fail(`STRATA_BIN=${bin} is not an executable file; build it with cargo build first`);
      });
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-'));
      // As root, the server runs PostgreSQL as `postgres`, which must be able
      // to traverse this directory.
      await chmod(dataDir, 0o755);
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      server = startServer(path.resolve(bin), port);
      await waitForHealth();
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
      });
    } catch (err) {
      failed = true;
      throw err;
    }
  });

  after(async () => {
    await browser?.close();
    let exit = null;
    if (server && !exitStatus) {
      exit = await stopServer();
    }
    if (failed || exit) {
      process.stderr.write(`\n----- strata serve output -----\n${serverLog.join('')}----- end -----\n`);
    }
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
    }
    if (exit) {
      // Only reached when the shutdown step did not run (e.g. `before` failed).
      assert.ok(!exit.timedOut, `strata serve did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`);
      assert.equal(exit.code, 0, `strata serve exited with ${JSON.stringify(exit)} after SIGTERM`);
    }
  });

  step('answers /api/v1/health with the embedded database', {}, async () => {
    const response = await fetch(`${baseUrl}/api/v1/health`);
    assert.equal(response.status, 200);
    const health = await response.json();
    assert.equal(health.status, 'ok');
    assert.equal(health.database, 'embedded');
    assert.match(health.postgres_version, /^\d+/);
  });

  step('shows the app shell connected to PostgreSQL', { timeout: 60_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${baseUrl}/`);
      const title = await page.locator('header h1').textContent();
      assert.equal(title?.trim(), 'Strata');

      // data-state leaves "loading" once the health request has settled.
      const health = page.locator('[data-testid=health]:not([data-state=loading])');
      await health.waitFor({ timeout: 15_000 });
      const text = (await health.textContent()) ?? '';
      assert.match(text, /PostgreSQL/, `health line: ${text}`);
      assert.match(text, /embedded/, `health line: ${text}`);

      // `make screenshots` sets STRATA_SCREENSHOTS=docs/screenshots to refresh the README's.
      const outputs = [path.join(REPO, 'target/e2e/home.png')];
      if (process.env.STRATA_SCREENSHOTS) outputs.push(path.resolve(REPO, process.env.STRATA_SCREENSHOTS, 'home.png'));
      for (const out of outputs) {
        await mkdir(path.dirname(out), { recursive: true });
        await page.screenshot({ path: out, fullPage: true });
      }
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  step('serves Swagger UI at /api/docs/', { timeout: 60_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      const response = await page.goto(`${baseUrl}/api/docs/`);
      assert.equal(response?.status(), 200);
      await page.locator('.swagger-ui').first().waitFor({ timeout: 15_000 });
      // The title appears once Swagger UI has fetched and rendered the OpenAPI document.
      const title = page.locator('.swagger-ui .info .title');
      await title.waitFor({ timeout: 15_000 });
      assert.ok((await title.textContent())?.trim(), 'Swagger UI shows no API title');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  step('browses an imported table in the grid: sort, search, reload', { timeout: 90_000 }, async () => {
    // A file with a hostile table name, numbers, dates and text, imported by the CLI into the
    // running server's cluster.
    const file = path.join(dataDir, 'Fruit "stock".csv');
    const lines = ['Name,Amount,Picked'];
    for (let i = 1; i <= 300; i++) {
      lines.push(`${['Apple', 'Banana', 'Cherry'][i % 3]} ${i},${(i * 7) % 100}.5,2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
    }
    await writeFile(file, lines.join('\n') + '\n');
    const imported = await run(process.env.STRATA_BIN, ['import', file, '--data-dir', dataDir, '--json']);
    const result = JSON.parse(imported);
    assert.equal(result.table, 'Fruit "stock"');
    assert.equal(result.rows, 300);

    const { page, errors } = await newPage();
    try {
      await page.goto(`${baseUrl}/`);
      await page.getByRole('button', { name: 'main' }).click();
      await page.getByRole('button', { name: 'public' }).click();
      await page.getByRole('link', { name: 'Fruit "stock"' }).click();
      const grid = page.getByRole('grid');
      await grid.getByRole('gridcell', { name: 'Apple 3', exact: true }).waitFor();
      assert.match(await page.getByTestId('row-count').textContent(), /300 rows/);
      const headers = await grid.getByRole('columnheader').allTextContents();
      assert.deepEqual(
        headers.map((h) => h.replace(/\s+/g, ' ').trim()),
        ['#', 'id bigint', 'Name text', 'Amount numeric', 'Picked date'],
      );

      // Sorting by a column puts it in the URL and the rows in order.
      await grid.getByRole('columnheader', { name: /Amount/ }).getByRole('button').click();
      await page.waitForURL(/order=/);
      await grid.locator('[aria-sort=ascending]').waitFor();
      const firstAmount = grid.locator('#cell-0-2');
      await page.waitForFunction(() => document.querySelector('#cell-0-2')?.textContent?.trim() === '0.5');
      assert.equal((await firstAmount.textContent()).trim(), '0.5');

      // Searching narrows the rows; the search is in the URL too.
      await page.getByRole('searchbox', { name: 'Search' }).fill('Cherry 29');
      await page.waitForURL(/q=Cherry/);
      await page.waitForFunction(() => /^\s*[1-9]\d* rows/.test(document.querySelector('[data-testid=row-count]')?.textContent ?? ''));
      const names = await grid.locator('[role=row] [role=gridcell]:nth-child(3)').allTextContents();
      assert.ok(names.length > 0 && names.every((n) => n.trim().startsWith('Cherry 29')), names.join(', '));

      // A reload opens the same view.
      await page.reload();
      await grid.getByRole('gridcell', { name: /^Cherry 29/ }).first().waitFor();
      assert.equal(await grid.locator('[aria-sort=ascending]').count(), 1);

      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.waitForURL((url) => !url.search.includes('q='));
      await grid.getByRole('gridcell', { name: '0.5', exact: true }).first().waitFor();
      const outputs = [path.join(REPO, 'target/e2e/grid.png')];
      if (process.env.STRATA_SCREENSHOTS) outputs.push(path.resolve(REPO, process.env.STRATA_SCREENSHOTS, 'grid.png'));
      for (const out of outputs) {
        await mkdir(path.dirname(out), { recursive: true });
        await page.screenshot({ path: out });
      }
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  step('stops cleanly on SIGTERM', { timeout: 30_000 }, async () => {
    await browser?.close();
    browser = undefined;
    assert.ok(server, 'the server was never started');
    const exit = await stopServer();
    console.log(`strata serve exited: ${JSON.stringify(exit)}`);
    assert.ok(!exit.timedOut, `strata serve did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`);
    assert.equal(exit.code, 0, `strata serve exited with ${JSON.stringify(exit)} after SIGTERM`);
  });
});
