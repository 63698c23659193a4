import { type ChildProcess, spawn } from 'node:child_process';
import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_TEXT } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitUntilClosed } from './ports.ts';
import { cliArgs, repo } from './serve-process.ts';

/** 40 characters with no tags: the fake estimates ceil(40 / 4) = 10 input tokens. */
const PROMPT = 'Count the tokens of this prompt, please.';
/** The fake's reply is DEFAULT_TEXT (34 characters): ceil(34 / 4) = 9 output tokens. */
const INPUT_TOKENS = 10;
const OUTPUT_TOKENS = 9;

type Started = { child: ChildProcess; env: Record<string, string>; stdout: string };

const children: ChildProcess[] = [];

/** Runs `tokenwatch fake-provider …` as a user would; resolves once its banner is printed. */
function startFakeProvider(...args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [...cliArgs, 'fake-provider', ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('Ctrl-C stops it.')) return;
      const env = Object.fromEntries(
        [...stdout.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      resolve({ child, env, stdout });
    });
    child.on('exit', (code) => reject(new Error(`fake-provider exited (${code}): ${stderr}`)));
  });
}

/** Runs the CLI to completion and returns its exit code and output. */
function runCli(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs, ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

afterEach(() => {
  vi.unstubAllEnvs();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('tokenwatch fake-provider', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves the real SDKs from the printed variables and exits 0 on %s',
    async (signal) => {
      const { child, env, stdout } = await startFakeProvider('--port', '0');
      const port = Number(/OpenAI base URL: +http:\/\/127\.0\.0\.1:(\d+)\/v1$/m.exec(stdout)?.[1]);
      expect(port).toBeGreaterThan(0);
      expect(env).toEqual({
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        OPENAI_API_KEY: expect.any(String),
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
        ANTHROPIC_API_KEY: expect.any(String),
      });

      // The SDKs read these variables themselves: the clients get no options.
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const openai = new OpenAI();
      const chat = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: PROMPT }],
      });
      expect(chat.choices[0]?.message.content).toBe(DEFAULT_TEXT);
      expect(chat.usage).toMatchObject({
        prompt_tokens: INPUT_TOKENS,
        completion_tokens: OUTPUT_TOKENS,
        total_tokens: INPUT_TOKENS + OUTPUT_TOKENS,
        prompt_tokens_details: { cached_tokens: 0 },
      });
      const response = await openai.responses.create({ model: 'gpt-4o-mini', input: PROMPT });
      expect(response.output_text).toBe(DEFAULT_TEXT);
      expect(response.usage).toMatchObject({
        input_tokens: INPUT_TOKENS,
        output_tokens: OUTPUT_TOKENS,
      });

      const message = await new Anthropic().messages.create({
        model: 'claude-opus-4-6',
        max_tokens: 256,
        messages: [{ role: 'user', content: PROMPT }],
      });
      expect(message.content[0]).toMatchObject({ type: 'text', text: DEFAULT_TEXT });
      expect(message.usage).toMatchObject({
        input_tokens: INPUT_TOKENS,
        output_tokens: OUTPUT_TOKENS,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      });

      child.kill(signal);
      expect(await exited(child)).toEqual({ code: 0, signal: null });
      expect(await waitUntilClosed(port, 5_000)).toBe('ECONNREFUSED');
    },
  );

  it('lists the endpoints it serves in --help', async () => {
    const { code, stdout } = await runCli('fake-provider', '--help');
    expect(code).toBe(0);
    for (const line of [
      /POST +\/v1\/chat\/completions +OpenAI/,
      /POST +\/v1\/responses +OpenAI/,
      /POST +\/v1\/embeddings +OpenAI/,
      /GET +\/v1\/models +OpenAI/,
      /POST +\/v1\/messages +Anthropic/,
      /POST +\/v1\/messages\/count_tokens +Anthropic/,
    ])
      expect(stdout).toMatch(line);
    expect(stdout).toMatch(/--port <port> .*\(default: 8787\)/);
  });

  it('refuses a non-loopback address unless --insecure', async () => {
    const { code, stderr } = await runCli('fake-provider', '--host', '0.0.0.0', '--port', '0');
    expect(code).toBe(1);
    expect(stderr).toContain('Refusing to listen on 0.0.0.0');

    const { child, env } = await startFakeProvider(
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--insecure',
    );
    // Listening on every address, it is reached (and advertised) through loopback.
    expect(env.OPENAI_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = await fetch(`${env.OPENAI_BASE_URL}/models`);
    expect(models.status).toBe(200);
    child.kill('SIGTERM');
    expect((await exited(child)).code).toBe(0);
  });
});
