import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelStatus, SpeechEngineInfo, SpeechEngineName } from '../../../shared/transcript';
import { SPEECH_ENGINES } from '../../../shared/transcript';
import { studio } from '../api';

const ENGINE_KEY = 'spaces.transcriptEngine';

/** The engine the user picked last on this computer (pocketsphinx until they choose). */
export function useSpeechEngine(): [SpeechEngineName, (e: SpeechEngineName) => void] {
  const [engine, setEngine] = useState<SpeechEngineName>(() => {
    const saved = localStorage.getItem(ENGINE_KEY);
    return (SPEECH_ENGINES as readonly string[]).includes(saved ?? '') ? (saved as SpeechEngineName) : 'pocketsphinx';
  });
  return [engine, (e) => (localStorage.setItem(ENGINE_KEY, e), setEngine(e))];
}


/**
 * Engine choice, and for sherpa-onnx its model: status (missing / downloading / ready / corrupt),
 * a download with a progress bar that resumes where it stopped, the error if it fails, and why an
 * engine is unavailable on this computer.
 */
export function SpeechModelSettings({ engine, onEngine, disabled }: { engine: SpeechEngineName; onEngine: (e: SpeechEngineName) => void; disabled: boolean }) {
  const { t, i18n } = useTranslation();
  const mb = (bytes: number): string => `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(bytes / 1e6)} MB`;
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
    } catch {
      // An interrupted or refused download (network, checksum): the same sentence in the person's language.
      setError(t('transcript.downloadFailed'));
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
        {t('transcript.engine')}{' '}
        <select aria-label={t('transcript.speechEngine')} value={engine} disabled={disabled} onChange={(e) => onEngine(e.target.value as SpeechEngineName)}>
          {SPEECH_ENGINES.map((name) => {
            const i = engines.find((x) => x.name === name);
            return (
              <option key={name} value={name}>
                {t(`transcript.engines.${name}`)}
                {i && !i.available ? ` — ${t('transcript.unavailable')}` : ''}
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
            {t('transcript.model', { state: t(`transcript.modelStates.${model.state}`) })}
            {model.state === 'ready' ? ` (${mb(model.bytes)})` : ''}
            {model.message ? ` — ${model.message}` : ''}
          </p>
          {(downloading || partial) && (
            <p>
              <progress aria-label={t('transcript.modelDownload')} value={model.bytes} max={model.totalBytes ?? undefined} />{' '}
              <span className="muted">
                {mb(model.bytes)}
                {model.totalBytes ? ` ${t('transcript.of', { total: mb(model.totalBytes) })}` : ''}
                {partial ? ` ${t('transcript.soFar')}` : ''}
              </span>
            </p>
          )}
          {model.state !== 'ready' && (
            <>
              <p className="muted">
                {t('transcript.modelHint')}
              </p>
              <input type="url" aria-label={t('transcript.modelUrl')} placeholder="https://…/sherpa-onnx-streaming-zipformer-en-….tar.bz2" value={url} onChange={(e) => setUrl(e.target.value)} disabled={downloading} />
              <input type="text" aria-label={t('transcript.modelSha')} placeholder={t('transcript.shaPlaceholder')} value={sha256} onChange={(e) => setSha256(e.target.value)} disabled={downloading} />
              <button type="button" className="secondary" disabled={downloading || !url.trim() || !/^[0-9a-fA-F]{64}$/.test(sha256.trim())} onClick={() => void download()}>
                {downloading ? t('transcript.downloading') : partial ? t('transcript.resume') : model.state === 'corrupt' ? t('transcript.downloadAgain') : t('transcript.download')}
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
