import { spawn } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import type { DownloadFormat } from '../../shared/recording.js';

/** What a download is built from: the run numbers on disk (FLAC takes) and the HLS segment files in order. */
export interface DownloadSources {
  runs: () => number[];
  segmentFiles: () => string[];
}

/**
 * The download files of ended recordings (`recording.m4a|flac` in the Space's folder), remuxed or
 * concatenated once with ffmpeg on first request; concurrent requests wait for the same build.
 */
export class DownloadBuilds {
  private readonly builds = new Map<string, Promise<void>>();

  constructor(private readonly ffmpegBinary = 'ffmpeg') {}

  /** The file's name in `dir`, built first if it is not there yet. */
  async file(spaceId: string, dir: string, format: DownloadFormat, sources: DownloadSources): Promise<string> {
    const file = `recording.${format}`;
    if (existsSync(join(dir, file))) return file;
    const key = `${spaceId}.${format}`;
    let build = this.builds.get(key);
    if (!build) {
      build = this.build(dir, format, sources).finally(() => this.builds.delete(key));
      this.builds.set(key, build);
    }
    await build;
    return file;
  }

  private async build(dir: string, format: DownloadFormat, sources: DownloadSources): Promise<void> {
    const flacs = sources.runs().map((r) => `r${r}.flac`).filter((f) => existsSync(join(dir, f)));
    const useFlacTakes = format === 'flac' && flacs.length > 0;
    const inputs = useFlacTakes ? flacs : sources.segmentFiles();
    const list = join(dir, `concat-${format}.txt`);
    writeFileSync(list, inputs.map((f) => `file '${f}'\n`).join(''));
    const tmp = join(dir, `building.${format}`);
    const codec = format === 'm4a' ? ['-c:a', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'ipod'] : ['-c:a', 'flac', '-f', 'flac'];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.ffmpegBinary, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-vn', ...codec, tmp], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new AppError('internal', `building the ${format} download failed: ${err.trim()}`))));
    });
    renameSync(tmp, join(dir, `recording.${format}`));
    rmSync(list, { force: true });
  }
}
