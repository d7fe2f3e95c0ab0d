/**
 * Benchmark runner: `npm run bench -- <name> [options]`.
 *
 * Each benchmark is a module `bench/<name>.ts` exporting `description` and `run(args)`; register
 * it in BENCHES below. `run` gets the remaining command-line arguments, prints its results (human
 * table by default, one JSON object on stdout with --json) and resolves with the exit code.
 * Benchmarks that need media run inside the network namespace made by scripts/in-netns.sh
 * (the npm script does that).
 */

export interface BenchModule {
  /** One line for the list of available benchmarks. */
  description: string;
  /** Runs the benchmark; resolves with the process exit code. Must release everything it started. */
  run(args: string[]): Promise<number>;
}

const BENCHES: Record<string, () => Promise<BenchModule>> = {
  latency: () => import('./latency.js'),
  signaling: () => import('./signaling.js'),
  schedule: () => import('./schedule.js'),
  soundboard: () => import('./soundboard.js'),
  recovery: () => import('./recovery.js'),
  audience: () => import('./audience.js'),
  transcript: () => import('./transcript.js'),
  turn: () => import('./turn.js'),
  multitrack: () => import('./multitrack.js'),
  hls: () => import('./hls.js'),
};

async function listBenches(): Promise<string> {
  const lines: string[] = [];
  for (const [name, load] of Object.entries(BENCHES)) {
    const description = await load().then(
      (m) => m.description,
      (err: unknown) => `(cannot be loaded: ${err instanceof Error ? err.message : String(err)})`,
    );
    lines.push(`  ${name.padEnd(12)} ${description}`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stderr.write(`usage: npm run bench -- <name> [options]   (e.g. npm run bench -- latency --json)\n\navailable benches:\n${await listBenches()}\n`);
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(BENCHES, name) ? BENCHES[name] : undefined;
  if (!load) {
    process.stderr.write(`unknown bench "${name}"\n\navailable benches:\n${await listBenches()}\n`);
    return 2;
  }
  const bench = await load();
  return bench.run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
