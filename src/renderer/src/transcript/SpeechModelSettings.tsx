import { useEffect, useState } from 'react';
import type { ModelStatus, SpeechEngineInfo, SpeechEngineName } from '../../../shared/transcript';
import { SPEECH_ENGINES } from '../../../shared/transcript';
import { studio } from '../api';

const ENGINE_KEY = 'spaces.transcriptEngine';
const ENGINE_LABEL: Record<SpeechEngineName, string> = { pocketsphinx: 'pocketsphinx (built in)', 'sherpa-onnx': 'sherpa-onnx (downloaded model)' };

/** The engine the user picked last on this computer (pocketsphinx until they choose). */
export function useSpeechEngine(): [SpeechEngineName, (e: SpeechEngineName) => void] {
  const [engine, setEngine] = useState<SpeechEngineName>(() => {
    const saved = localStorage.getItem(ENGINE_KEY);
    return (SPEECH_ENGINES as readonly string[]).includes(saved ?? '') ? (saved as SpeechEngineName) : 'pocketsphinx';
  });
  return [engine, (e) => (localStorage.setItem(ENGINE_KEY, e), setEngine(e))];
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Engine choice, and for sherpa-onnx its model: status (missing / downloading / ready / corrupt),
 * a download with a progress bar that resumes where it stopped, the error if it fails, and why an
 * engine is unavailable on this computer.
 */
export function SpeechModelSettings({ engine, onEngine, disabled }: { engine: SpeechEngineName; onEngine: (e: SpeechEngineName) => void; disabled: boolean }) {
  const [engines, setEngines] = useState<SpeechEngineInfo[]>([]);
  const [model, setModel] = useState<ModelStatus | null>(null);
  const [url, setUrl] = useState('');
  const [sha256, setSha256] = useState('');
  const [error, setError] = useState<string | null>(null);

  const refresh = (): void => {
    void studio.getSpeechEngines({}).then((r) => setEngines(r.engines), () => undefined);
  };
  useEffect(() => {
    const off = studio.onSpeechModel((s) => {
      setModel(s);
      if (s.state !== 'downloading') refresh();
    });
    void studio.getSpeechModel({}).then(setModel, () => undefined);
    refresh();
    return off;
  }, []);

  const download = async (): Promise<void> => {
    setError(null);
    try {
      setModel(await studio.downloadSpeechModel({ url: url.trim(), sha256: sha256.trim().toLowerCase() }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      void studio.getSpeechModel({}).then(setModel, () => undefined);
    }
    refresh();
  };

  const info = engines.find((e) => e.name === engine);
  const downloading = model?.state === 'downloading';
  const partial = model?.state === 'missing' && model.bytes > 0;
  return (
    <div className="speech-engine" data-testid="speech-engine">
      <label>
        Engine{' '}
        <select aria-label="Speech engine" value={engine} disabled={disabled} onChange={(e) => onEngine(e.target.value as SpeechEngineName)}>
          {SPEECH_ENGINES.map((name) => {
            const i = engines.find((x) => x.name === name);
            return (
              <option key={name} value={name}>
                {ENGINE_LABEL[name]}
                {i && !i.available ? ' — unavailable' : ''}
              </option>
            );
          })}
        </select>
      </label>
      {info && !info.available && (
        <p className="muted" data-testid="engine-unavailable">
          {info.reason}
        </p>
      )}
      {engine === 'sherpa-onnx' && model && (
        <div className="speech-model" data-testid="speech-model" data-state={model.state}>
          <p className="muted" role="status">
            Model: {model.state}
            {model.state === 'ready' ? ` (${mb(model.bytes)})` : ''}
            {model.message ? ` — ${model.message}` : ''}
          </p>
          {(downloading || partial) && (
            <p>
              <progress aria-label="Model download" value={model.bytes} max={model.totalBytes ?? undefined} />{' '}
              <span className="muted">
                {mb(model.bytes)}
                {model.totalBytes ? ` of ${mb(model.totalBytes)}` : ''}
                {partial ? ' downloaded so far' : ''}
              </span>
            </p>
          )}
          {model.state !== 'ready' && (
            <>
              <p className="muted">
                A streaming zipformer model archive (.tar.bz2 from the sherpa-onnx releases, with encoder, decoder, joiner .onnx and tokens.txt) and its SHA-256.
              </p>
              <input type="url" aria-label="Model URL" placeholder="https://…/sherpa-onnx-streaming-zipformer-en-….tar.bz2" value={url} onChange={(e) => setUrl(e.target.value)} disabled={downloading} />
              <input type="text" aria-label="Model SHA-256" placeholder="SHA-256 (64 hex digits)" value={sha256} onChange={(e) => setSha256(e.target.value)} disabled={downloading} />
              <button type="button" className="secondary" disabled={downloading || !url.trim() || !/^[0-9a-fA-F]{64}$/.test(sha256.trim())} onClick={() => void download()}>
                {downloading ? 'Downloading…' : partial ? 'Resume download' : model.state === 'corrupt' ? 'Download again' : 'Download model'}
              </button>
            </>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
