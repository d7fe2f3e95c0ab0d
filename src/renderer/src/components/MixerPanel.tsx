import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDb } from '../../../shared/intl';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { PRO_PRESET, channelChoices, type InputSettings, type InputStrip } from '../audio/inputStrip';
import type { LevelTap } from '../audio/levelTap';
import type { SoundboardPlayer } from '../audio/soundboardPlayer';
import { QUALITY_PRESETS, type BroadcastQuality } from '../audio/opus';
import type { DeviceInventoryState } from '../devices/useDeviceInventory';
import { ExternalInputStrip } from '../devices/ExternalInputStrip';
import { Meter } from './Meter';
import { MonitorModeSelect } from './MonitorModeSelect';
import { errorText } from '../errors';

type Device = { deviceId: string; label: string };

/** A vertical fader with its value; the label names the slider for assistive technology. */
export function Fader({ label, value, onChange, min = -24, max = 24, testId }: { label: string; value: number; onChange: (db: number) => void; min?: number; max?: number; testId?: string }) {
  const { i18n } = useTranslation();
  return (
    <div className="fader">
      <input aria-label={label} type="range" min={min} max={max} step={1} value={value} aria-valuetext={formatDb(value, i18n.language)} onChange={(e) => onChange(Number(e.target.value))} />
      <output data-testid={testId}>{formatDb(value, i18n.language)}</output>
    </div>
  );
}

/** One channel strip: name, meter beside the fader, then buttons. */
export function Strip({ name, region, testId, meter, fader, children, settings }: { name: string; region: string; testId?: string; meter: ReactNode; fader: ReactNode; children?: ReactNode; settings?: ReactNode }) {
  return (
    <section className="strip" aria-label={region} data-testid={testId}>
      <h3 className="strip-name">{name}</h3>
      <div className="strip-body">
        {meter}
        {fader}
      </div>
      <div className="strip-controls">{children}</div>
      {settings}
    </section>
  );
}

/**
 * The mixer: vertical strips side by side (mic, soundboard, external input, stage return), each
 * with a meter, a fader, mute and monitoring; the mic's input settings open from its strip.
 */
export function MixerPanel(props: {
  engine: ConsoleEngine;
  strip: InputStrip | null;
  input: InputSettings;
  inputs: Device[];
  player: SoundboardPlayer;
  devices: DeviceInventoryState;
  quality: BroadcastQuality;
  onQuality: (q: BroadcastQuality) => void;
  onDevice: (deviceId: string | null) => void;
  onChange: (patch: Partial<InputSettings>) => void;
  onError: (message: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const { engine } = props;
  const lufs = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const timer = setInterval(() => {
      const v = engine.shortTermLufs();
      if (lufs.current) lufs.current.textContent = Number.isFinite(v) ? `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v)} LUFS` : '—';
    }, 250);
    return () => clearInterval(timer);
  }, [engine, i18n.language]);
  const [boardDb, setBoardDb] = useState(0);
  const [boardMode, setBoardMode] = useState(props.player.monitorMode);
  const [stageDb, setStageDb] = useState(0);

  return (
    <section className="panel mixer" aria-label={t('mixer.region')}>
      <div className="panel-head">
        <h2>{t('mixer.title')}</h2>
        <label className="inline">
          {t('mixer.quality')}
          <select
            aria-label={t('mixer.quality')}
            value={QUALITY_PRESETS.findIndex((p) => p.quality.bitrate === props.quality.bitrate)}
            onChange={(e) => props.onQuality(QUALITY_PRESETS[Number(e.target.value)]!.quality)}
          >
            {QUALITY_PRESETS.map((p, i) => (
              <option key={p.key} value={i}>
                {t(`quality.${p.key}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="strips">
        <MicStrip {...props} />
        <Strip
          name={t('mixer.soundboard')}
          region={t('mixer.soundboardRegion')}
          meter={<Meter tap={props.player.meter} label={t('mixer.soundboardLevel')} vertical />}
          fader={
            <Fader
              label={t('mixer.soundboardFader')}
              value={boardDb}
              onChange={(db) => {
                props.player.setGainDb(db);
                setBoardDb(db);
              }}
            />
          }
        >
          <MonitorModeSelect
            label={t('mixer.soundboardMonitoring')}
            value={boardMode}
            onChange={(m) => {
              props.player.setMonitorMode(m);
              setBoardMode(m);
            }}
          />
        </Strip>
        <ExternalInputStrip engine={engine} devices={props.devices} onError={props.onError} />
        <Strip
          name={t('mixer.stage')}
          region={t('mixer.stageRegion')}
          meter={<Meter tap={engine.stageMeter} label={t('mixer.stageLevel')} vertical />}
          fader={
            <Fader
              label={t('mixer.stageFader')}
              value={stageDb}
              onChange={(db) => {
                engine.setStageGainDb(db);
                setStageDb(db);
              }}
            />
          }
        >
          <p className="muted small-print">{t('mixer.stageNote')}</p>
        </Strip>
      </div>
      <p className="loudness" data-testid="loudness">
        {t('mixer.loudness')} <span ref={lufs}>—</span>
      </p>
    </section>
  );
}

/** What the mic strip and its input settings both work on. */
interface MicProps {
  strip: InputStrip | null;
  input: InputSettings;
  inputs: Device[];
  onDevice: (deviceId: string | null) => void;
  onChange: (patch: Partial<InputSettings>) => void;
  onError: (message: string) => void;
}

/** The microphone's strip: fader, meter, mute, cough, monitoring; device and processing in its settings. */
function MicStrip(props: MicProps & { engine: ConsoleEngine }) {
  const { t } = useTranslation();
  const { strip, input, onChange } = props;
  const [muted, setMuted] = useState(false);
  const [open, setOpen] = useState(false);
  useEffect(() => strip?.setMuted(muted), [strip, muted]);
  const settingsId = useId();
  return (
    <Strip
      name={t('mixer.mic')}
      region={t('mixer.micRegion')}
      meter={<Meter tap={strip?.meter ?? null} label={t('mixer.micLevel')} vertical />}
      fader={<Fader label={t('mixer.micFader')} value={input.gainDb} onChange={(gainDb) => onChange({ gainDb })} testId="gain-db" />}
      settings={open && <InputSettingsDrawer id={settingsId} {...props} onClose={() => setOpen(false)} />}
    >
      <button type="button" aria-pressed={muted} className={muted ? 'danger small' : 'small'} onClick={() => setMuted(!muted)}>
        {muted ? t('mixer.unmuteMic') : t('mixer.muteMic')}
      </button>
      <button
        type="button"
        className="secondary small"
        onPointerDown={() => strip?.setCough(true)}
        onPointerUp={() => strip?.setCough(false)}
        onPointerLeave={() => strip?.setCough(false)}
        onKeyDown={(e) => e.key === ' ' && !e.repeat && strip?.setCough(true)}
        onKeyUp={(e) => e.key === ' ' && strip?.setCough(false)}
        title={t('mixer.coughHint')}
      >
        {t('mixer.cough')}
      </button>
      <MonitorModeSelect label={t('mixer.micMonitoring')} value={input.monitorMode} onChange={(monitorMode) => onChange({ monitorMode })} />
      <button type="button" className="secondary small" aria-expanded={open} aria-controls={settingsId} onClick={() => setOpen(!open)}>
        {t('mixer.inputSettings')}
      </button>
    </Strip>
  );
}

/** Device, channels, processing and a test recording: opened from the mic strip. */
function InputSettingsDrawer(props: MicProps & { id: string; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { strip, input, onChange } = props;
  const [recording, setRecording] = useState<'idle' | 'recording' | 'ready'>('idle');
  const [take, setTake] = useState<string | null>(null);
  const pro = !input.echoCancellation && !input.noiseSuppression && !input.autoGainControl;
  const record = async (): Promise<void> => {
    if (!strip) return;
    setRecording('recording');
    try {
      const blob = await strip.testRecording(10_000);
      if (take) URL.revokeObjectURL(take);
      setTake(URL.createObjectURL(blob));
      setRecording('ready');
    } catch (err) {
      props.onError(t('mixer.testRecordingFailed', { reason: errorText(err) }));
      setRecording('idle');
    }
  };
  const applied = strip?.applied;
  const onOff = (v: boolean | undefined): string => (v ? t('common.on') : t('common.off'));
  return (
    <div className="drawer" id={props.id} role="dialog" aria-label={t('mixer.inputSettings')}>
      <div className="panel-head">
        <h3>{t('mixer.inputSettings')}</h3>
        <button type="button" className="secondary small" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </div>
      <label>
        {t('mixer.microphone')}
        <select aria-label={t('mixer.microphone')} value={input.deviceId ?? ''} onChange={(e) => props.onDevice(e.target.value || null)}>
          <option value="">{t('common.systemDefault')}</option>
          {props.inputs.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('mixer.channel')}
        <select aria-label={t('mixer.channel')} value={input.channel} onChange={(e) => onChange({ channel: e.target.value as InputSettings['channel'] })}>
          {channelChoices(strip?.channelCount ?? 1).map((c) => (
            <option key={c.value} value={c.value}>
              {t(`mixer.channels.${c.kind}`, { n: c.n, m: c.m })}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="processing">
        <legend>{t('mixer.processing')}</legend>
        <label className="check">
          <input type="checkbox" checked={input.echoCancellation} onChange={(e) => onChange({ echoCancellation: e.target.checked })} /> {t('mixer.echoCancellation')}
        </label>
        <label className="check">
          <input type="checkbox" checked={input.noiseSuppression} onChange={(e) => onChange({ noiseSuppression: e.target.checked })} /> {t('mixer.noiseSuppression')}
        </label>
        <label className="check">
          <input type="checkbox" checked={input.autoGainControl} onChange={(e) => onChange({ autoGainControl: e.target.checked })} /> {t('mixer.autoGain')}
        </label>
        <button type="button" className={pro ? 'chip active' : 'chip'} aria-pressed={pro} onClick={() => onChange({ ...PRO_PRESET })}>
          {t('mixer.proMic')}
        </button>
      </fieldset>
      <div className="row">
        <button type="button" className="secondary small" onClick={() => void record()} disabled={!strip || recording === 'recording'}>
          {recording === 'recording' ? t('mixer.recording') : t('mixer.testRecording')}
        </button>
        {take && <audio controls src={take} aria-label={t('mixer.yourTake')} />}
      </div>
      {applied && (
        <p className="muted" data-testid="capture-settings">
          {strip?.label}: {applied.sampleRate ? `${new Intl.NumberFormat(i18n.language).format(applied.sampleRate / 1000)} kHz` : ''} {applied.channelCount ?? 1} ch · EC {onOff(applied.echoCancellation as boolean | undefined)} · NS{' '}
          {onOff(applied.noiseSuppression as boolean | undefined)} · AGC {onOff(applied.autoGainControl as boolean | undefined)}
        </p>
      )}
    </div>
  );
}
