import { useEffect, useState } from 'react';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { PRO_PRESET, channelChoices, type InputSettings, type InputStrip } from '../audio/inputStrip';
import { Meter } from './Meter';
import { MonitorModeSelect } from './MonitorModeSelect';


type Device = { deviceId: string; label: string };

/** The microphone's input strip, as a pro expects it: device, channels, processing, gain, meters, mute, cough, monitor. */
export function InputStripPanel(props: {
  engine: ConsoleEngine;
  strip: InputStrip | null;
  input: InputSettings;
  inputs: Device[];
  onDevice: (deviceId: string | null) => void;
  onChange: (patch: Partial<InputSettings>) => void;
  onError: (message: string) => void;
}) {
  const { engine, strip, input, onChange } = props;
  const [muted, setMuted] = useState(false);
  const [lufs, setLufs] = useState(-Infinity);
  const [recording, setRecording] = useState<'idle' | 'recording' | 'ready'>('idle');
  const [take, setTake] = useState<string | null>(null);

  useEffect(() => {
    const t = setInterval(() => setLufs(engine.shortTermLufs()), 250);
    return () => clearInterval(t);
  }, [engine]);
  useEffect(() => strip?.setMuted(muted), [strip, muted]);

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
      props.onError(`Test recording: ${err instanceof Error ? err.message : String(err)}`);
      setRecording('idle');
    }
  };
  const applied = strip?.applied;

  return (
    <section className="panel strip" aria-label="Input strip">
      <h2>Input</h2>
      <label>
        Microphone
        <select aria-label="Microphone" value={input.deviceId ?? ''} onChange={(e) => props.onDevice(e.target.value || null)}>
          <option value="">System default</option>
          {props.inputs.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Channel
        <select aria-label="Channel" value={input.channel} onChange={(e) => onChange({ channel: e.target.value as InputSettings['channel'] })}>
          {channelChoices(strip?.channelCount ?? 1).map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="processing">
        <legend>Processing</legend>
        <label className="check">
          <input type="checkbox" checked={input.echoCancellation} onChange={(e) => onChange({ echoCancellation: e.target.checked })} /> Echo cancellation
        </label>
        <label className="check">
          <input type="checkbox" checked={input.noiseSuppression} onChange={(e) => onChange({ noiseSuppression: e.target.checked })} /> Noise suppression
        </label>
        <label className="check">
          <input type="checkbox" checked={input.autoGainControl} onChange={(e) => onChange({ autoGainControl: e.target.checked })} /> Auto gain
        </label>
        <button type="button" className={pro ? 'chip active' : 'chip'} aria-pressed={pro} onClick={() => onChange({ ...PRO_PRESET })}>
          Pro microphone
        </button>
      </fieldset>
      <label>
        Gain <output data-testid="gain-db">{input.gainDb > 0 ? `+${input.gainDb}` : input.gainDb} dB</output>
        <input aria-label="Gain" type="range" min={-24} max={24} step={1} value={input.gainDb} onChange={(e) => onChange({ gainDb: Number(e.target.value) })} />
      </label>
      <Meter read={strip ? strip.levels : null} />
      <p className="loudness" data-testid="loudness">
        Broadcast loudness (short-term): {Number.isFinite(lufs) ? `${lufs.toFixed(1)} LUFS` : '—'}
      </p>
      <div className="row">
        <button type="button" aria-pressed={muted} className={muted ? 'danger' : ''} onClick={() => setMuted(!muted)}>
          {muted ? 'Unmute mic' : 'Mute mic'}
        </button>
        <button
          type="button"
          className="secondary"
          onPointerDown={() => strip?.setCough(true)}
          onPointerUp={() => strip?.setCough(false)}
          onPointerLeave={() => strip?.setCough(false)}
          title="Hold to cough: the mic is silent while you hold it"
        >
          Cough (hold)
        </button>
      </div>
      <MonitorModeSelect label="Mic monitoring" value={input.monitorMode} onChange={(monitorMode) => onChange({ monitorMode })} />
      <div className="row">
        <button type="button" className="secondary" onClick={() => void record()} disabled={!strip || recording === 'recording'}>
          {recording === 'recording' ? 'Recording 10 s…' : 'Test recording (10 s)'}
        </button>
        {take && <audio controls src={take} aria-label="Your test recording" />}
      </div>
      {applied && (
        <p className="muted" data-testid="capture-settings">
          {strip?.label}: {applied.sampleRate ? `${applied.sampleRate / 1000} kHz` : ''} {applied.channelCount ?? 1} ch · EC {applied.echoCancellation ? 'on' : 'off'} · NS{' '}
          {applied.noiseSuppression ? 'on' : 'off'} · AGC {applied.autoGainControl ? 'on' : 'off'}
        </p>
      )}
    </section>
  );
}
