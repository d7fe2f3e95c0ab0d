import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConnectionStatus, HostedSpace, Settings } from '../../shared/ipc';
import { studio } from './api';
import { openStageLink, type StageLink } from './audio/stageLink';
import { QUALITY_PRESETS, applySenderQuality, type BroadcastQuality } from './audio/opus';
import { AccountPanel, AccountSummary } from './components/AccountPanel';
import { InputStripPanel } from './components/InputStripPanel';
import { SoundboardPanel } from './components/SoundboardPanel';
import { StaffPanel, useStaffDesk } from './components/StaffPanel';
import { RecordingIndicator } from './components/RecordingIndicator';
import { ROLE_TEXT } from './people';
import { useConsole } from './hooks/useConsole';
import { useDeviceInventory } from './devices/useDeviceInventory';
import { useMicFallback } from './devices/useMicFallback';
import { useProgramOutput } from './devices/useProgramOutput';
import { useDeviceProfiles } from './devices/useDeviceProfiles';
import { MicFallbackNotice } from './devices/MicFallbackNotice';
import { ExternalInputPanel } from './devices/ExternalInputPanel';
import { RoutingPanel } from './devices/RoutingPanel';
import { PeoplePanel } from './components/PeoplePanel';
import { SchedulePanel } from './components/SchedulePanel';
import { TranscriptPanel, useTranscriptFeed } from './transcript/TranscriptPanel';
import { useAccount } from './hooks/useAccount';
import { RecordPanel } from './multitrack/RecordPanel';
import { usePeople } from './hooks/usePeople';
import { errorMessage as message, useRunner } from './hooks/useRunner';

type AudioDevice = { deviceId: string; label: string };

/** A Space id from a listener link (…/s/<id>) or the bare id. */
function spaceIdOf(text: string): string | null {
  const m = /(?:\/s\/)?([a-z0-9]{10})\/?\s*$/.exec(text.trim());
  return m ? m[1]! : null;
}

export function App() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [status, setStatus] = useState<ConnectionStatus | null>(null);
  const [serverUrl, setServerUrl] = useState('');
  const [title, setTitle] = useState('');
  const [hosted, setHosted] = useState<HostedSpace | null>(null);
  const [inputs, setInputs] = useState<AudioDevice[]>([]);
  const [outputs, setOutputs] = useState<AudioDevice[]>([]);
  const [quality, setQuality] = useState<BroadcastQuality>(QUALITY_PRESETS[0]!.quality);
  const [stageState, setStageState] = useState<RTCPeerConnectionState | 'off'>('off');
  const { busy, error, setError, run } = useRunner();
  const [account, setAccount] = useAccount();
  const stage = useRef<StageLink | null>(null);
  const monitor = useRef<HTMLAudioElement>(null);
  const stageHold = useRef<HTMLAudioElement>(null);

  const live = hosted?.space.state === 'live';
  const open = hosted !== null && hosted.space.state !== 'ended';
  const people = usePeople(open ? hosted.space.id : null);
  const myRole = people.self?.role;
  const mayEnd = live && myRole === 'host';
  const mayGoOnStage = myRole === 'host' || myRole === 'cohost' || myRole === 'speaker';
  const isStaff = myRole === 'host' || myRole === 'cohost' || myRole === 'producer';
  const staffDesk = useStaffDesk();

  const refreshDevices = useCallback(async () => {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind): AudioDevice[] =>
      all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind === 'audioinput' ? 'Microphone' : 'Output'} ${i + 1}` }));
    setInputs(pick('audioinput'));
    setOutputs(pick('audiooutput'));
  }, []);

  // Start-up: settings, connection status, events from the main process.
  useEffect(() => {
    void (async () => {
      const s = await studio.getSettings({});
      setSettings(s);
      setServerUrl(s.serverUrl);
      // Connect to the last server (the local one by default) without asking.
      const current = await studio.getStatus({});
      setStatus(current.state === 'disconnected' && !current.error ? await studio.connect({ serverUrl: s.serverUrl }) : current);
    })().catch((err: unknown) => setError(message(err)));
    // The Space's state (going live, listener count, ended) arrives here after createSpace.
    const offs = [
      studio.onStatus(setStatus),
      studio.onSpaceUpdated((h) => setHosted((cur) => (cur && cur.space.id === h.space.id ? h : cur))),
    ];
    navigator.mediaDevices.addEventListener('devicechange', refreshDevices);
    return () => {
      offs.forEach((off) => off());
      navigator.mediaDevices.removeEventListener('devicechange', refreshDevices);
    };
  }, [refreshDevices, setError]);

  // The console's audio graph: mic strip + soundboard -> broadcast bus -> stage; stage mix -> monitor.
  // Local audio routing (issue 5): OS inventory; if the chosen mic disappears, fall back to the default input.
  const devices = useDeviceInventory();
  const micFallback = useMicFallback(settings?.micDeviceId ?? null, devices);
  const micDeviceId = micFallback.effectiveDeviceId;
  const console_ = useConsole(micDeviceId, setError);
  const { engine, strip } = console_;
  const program = useProgramOutput(engine, devices);
  const transcriptFeed = useTranscriptFeed(engine);
  useDeviceProfiles(strip?.label ?? null, console_.input, console_.update);
  // Labels appear once the microphone is open (permission granted).
  useEffect(() => {
    if (strip) void refreshDevices();
  }, [strip, refreshDevices]);
  useEffect(() => {
    if (monitor.current) monitor.current.srcObject = engine.monitorStream;
  }, [engine]);

  const updateSettings = async (patch: Partial<Settings>): Promise<void> => {
    try {
      setSettings(await studio.updateSettings(patch));
    } catch (err) {
      setError(message(err));
    }
  };

  const connect = (): Promise<void> => run(async () => setStatus(await studio.connect({ serverUrl })));
  const [joinTarget, setJoinTarget] = useState('');
  const join = (): Promise<void> =>
    run(async () => {
      const spaceId = spaceIdOf(joinTarget);
      if (!spaceId) throw new Error('paste the Space link or its 10-character id');
      people.reset();
      setHosted(await studio.joinSpace({ spaceId }));
    });
  const create = (): Promise<void> =>
    run(async () => {
      // The new Space's roster and our own state arrive before createSpace resolves.
      people.reset();
      setHosted(await studio.createSpace({ title }));
    });

  // Whether we should be on the stage: survives a lost link, a media-server or Space-server restart.
  const onStage = useRef<string | null>(null);
  const joinStage = useCallback(async (spaceId: string) => {
    onStage.current = spaceId;
    stage.current?.close();
    await engine.resume();
    const { iceServers } = await studio.getIceServers({});
    stage.current = await openStageLink({
      track: engine.broadcastTrack,
      quality,
      iceServers,
      // The Space going live arrives as an onSpaceUpdated event.
      negotiate: async (sdp) => (await studio.goLive({ spaceId, sdp })).sdp,
      onMonitorStream: (stream) => {
        // Chromium only feeds a remote stream to Web Audio while a media element plays it too.
        if (stageHold.current) stageHold.current.srcObject = stream;
        engine.setStage(stream);
        program.setStage(stream);
        transcriptFeed.setStage(stream);
      },
      onState: (state) => {
        setStageState(state);
        // The link dropped and ICE gave up (or has not recovered within 3 s): negotiate a fresh
        // connection through the server, and keep trying until the link is back.
        if (state === 'failed' && onStage.current === spaceId) rejoinSoon(spaceId);
        if (state === 'disconnected' && onStage.current === spaceId) {
          const link = stage.current;
          setTimeout(() => {
            if (stage.current === link && link?.pc.connectionState === 'disconnected') rejoinSoon(spaceId);
          }, 3000);
        }
      },
    });
    await studio.setOnAir({ onAir: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rejoinSoon is stable (refs only)
  }, [engine, quality]);

  /** Keeps trying to get back on stage (link restored, server back) until it works or we left. */
  const rejoinTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const rejoinSoon = (spaceId: string, delay = 250): void => {
    if (rejoinTimer.current) return;
    rejoinTimer.current = setTimeout(() => {
      rejoinTimer.current = null;
      if (onStage.current !== spaceId) return;
      setStageState('connecting');
      joinStageRef.current(spaceId).catch(() => rejoinSoon(spaceId, 1000));
    }, delay);
  };
  const joinStageRef = useRef(joinStage);
  joinStageRef.current = joinStage;

  // The media path was rebuilt (media server restart, reconnect to the Space server): back on stage.
  useEffect(
    () =>
      studio.onMediaReset(({ spaceId }) => {
        if (onStage.current === spaceId) rejoinSoon(spaceId, 0);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rejoinSoon is stable (refs only)
    [],
  );

  const goLive = (): Promise<void> => run(async () => {
    if (hosted) await joinStage(hosted.space.id);
  });
  const leaveStage = useCallback(async () => {
    onStage.current = null;
    stage.current?.close();
    stage.current = null;
    engine.setStage(null);
    program.setStage(null);
    transcriptFeed.setStage(null);
    setStageState('off');
    await studio.setOnAir({ onAir: false });
  }, [engine]);
  const end = (): Promise<void> =>
    run(async () => {
      if (!hosted) return;
      setHosted(await studio.endSpace({ spaceId: hosted.space.id }));
      people.reset();
      await leaveStage();
    });

  // Ended elsewhere (e.g. by the server): stop sending to the stage.
  const ended = hosted?.space.state === 'ended';
  useEffect(() => {
    if (ended && stage.current) void leaveStage().catch((err: unknown) => setError(message(err)));
  }, [ended, leaveStage, setError]);

  // Headphones: the stage mix goes to the chosen output device.
  useEffect(() => {
    const el = monitor.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (el?.setSinkId && settings?.monitorDeviceId != null) void el.setSinkId(settings.monitorDeviceId).catch((err: unknown) => setError(`Monitor: ${message(err)}`));
  }, [settings?.monitorDeviceId, setError]);

  const connected = status?.state === 'connected';
  return (
    <div className="studio">
      <header>
        <h1>Spaces Studio</h1>
        {account && <AccountSummary account={account} inSpace={open} busy={busy} run={run} onSignedOut={() => setAccount(null)} />}
        <div className="connection">
          <input aria-label="Server URL" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} />
          <button type="button" onClick={connect} disabled={busy}>
            {connected ? 'Reconnect' : 'Connect'}
          </button>
          <span className={`status status-${status?.state ?? 'disconnected'}`} data-testid="connection-status">
            {status?.state ?? 'disconnected'}
          </span>
        </div>
      </header>
      {status?.error && <p className="warning">{status.error}</p>}
      {status?.certificate && status.state !== 'connected' && (
        <section className="panel trust" aria-label="Untrusted certificate">
          <p>
            Only trust this certificate if the server's operator gives you the same SHA-256 fingerprint:
            <br />
            <code data-testid="certificate-fingerprint">{status.certificate.fingerprint256}</code>
            <br />
            <span className="muted">
              {status.certificate.subject} · issued by {status.certificate.issuer || 'unknown'} · valid until {status.certificate.validTo.slice(0, 10)}
            </span>
          </p>
          <button
            type="button"
            disabled={busy}
            onClick={() => run(async () => setStatus(await studio.trustCertificate({ serverUrl: status.serverUrl, fingerprint256: status.certificate!.fingerprint256 })))}
          >
            Trust this certificate for {status.serverUrl}
          </button>
        </section>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main>
        {account === null && <AccountPanel connected={connected} busy={busy} run={run} onAccount={setAccount} />}
        <section className="panel">
          <h2>Space</h2>
          {!hosted || hosted.space.state === 'ended' ? (
            <form
              aria-label="Create a Space"
              onSubmit={(e) => {
                e.preventDefault();
                void create();
              }}
            >
              {hosted && <p className="ended">“{hosted.space.title}” has ended.</p>}
              <label>
                Title
                <input value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} placeholder="What's happening?" />
              </label>
              <button type="submit" disabled={!connected || !account || busy || !title.trim()} aria-describedby={account ? undefined : 'create-hint'}>
                Create Space
              </button>
              {!account && (
                <p className="muted" id="create-hint">
                  Sign in to create a Space.
                </p>
              )}
            </form>
          ) : null}
          {(!hosted || hosted.space.state === 'ended') && (
            <form
              aria-label="Join a Space"
              onSubmit={(e) => {
                e.preventDefault();
                void join();
              }}
            >
              <label>
                Join as co-host or producer (link or id)
                <input value={joinTarget} onChange={(e) => setJoinTarget(e.target.value)} placeholder="http://…/s/abc123defg" />
              </label>
              <button type="submit" className="secondary" disabled={!connected || !account || busy || !spaceIdOf(joinTarget)}>
                Join Space
              </button>
            </form>
          )}
          {!hosted || hosted.space.state === 'ended' ? null : (
            <div className="space">
              <p className={`badge badge-${hosted.space.state}`} data-testid="space-state">
                {hosted.space.state}
              </p>
              <h3>{hosted.space.title}</h3>
              <p>
                Listener link: <a href={hosted.listenerUrl} target="_blank" rel="noreferrer" data-testid="listener-link">{hosted.listenerUrl}</a>
              </p>
              <p data-testid="listener-count">{hosted.space.listenerCount} listening</p>
              <RecordingIndicator spaceId={hosted.space.id} isHost={people.self?.role === 'host'} onError={setError} />
              <p className="muted">Stage: {stageState}</p>
              <label>
                Broadcast quality
                <select
                  aria-label="Broadcast quality"
                  value={QUALITY_PRESETS.findIndex((p) => p.quality.bitrate === quality.bitrate)}
                  onChange={(e) => {
                    const q = QUALITY_PRESETS[Number(e.target.value)]!.quality;
                    setQuality(q);
                    // The bitrate changes on air; DTX applies from the next Go live.
                    if (stage.current) void applySenderQuality(stage.current.sender, q).catch((err: unknown) => setError(message(err)));
                  }}
                >
                  {QUALITY_PRESETS.map((p, i) => (
                    <option key={p.label} value={i}>
                      {p.label}
                    </option>
                  ))}
                </select>
              </label>
              <p className="muted">Stereo: off (this server's stage mixes in mono).</p>
              {people.self?.invited && (
                <div className="row invite" role="group" aria-label="Invitation to speak">
                  <span>The host invited you to speak.</span>
                  <button type="button" disabled={busy} onClick={() => void run(async () => void (await studio.acceptInvite({ spaceId: hosted.space.id })))}>
                    Accept
                  </button>
                  <button type="button" className="secondary" disabled={busy} onClick={() => void run(async () => void (await studio.declineInvite({ spaceId: hosted.space.id })))}>
                    Decline
                  </button>
                </div>
              )}
              {people.self && people.self.role !== 'host' && (
                <p className="muted" data-testid="my-role">
                  You are {ROLE_TEXT[people.self.role].toLowerCase()} in this Space.
                </p>
              )}
              {mayEnd ? (
                <button type="button" className="end" onClick={end} disabled={busy}>
                  End
                </button>
              ) : mayGoOnStage && stageState === 'off' ? (
                <button type="button" className="go-live" onClick={goLive} disabled={busy || !strip || !connected}>
                  {people.self?.role === 'host' ? 'Go live' : 'Join the stage'}
                </button>
              ) : null}
            </div>
          )}
        </section>
        <MicFallbackNotice fallback={micFallback} />
        <InputStripPanel
          engine={engine}
          strip={strip}
          input={console_.input}
          inputs={inputs}
          onDevice={(deviceId) => void updateSettings({ micDeviceId: deviceId })}
          onChange={console_.update}
          onError={setError}
        />
        <section className="panel" aria-label="Monitoring">
          <h2>Monitoring</h2>
          <label>
            Monitor (headphones)
            <select
              aria-label="Monitor output"
              value={settings?.monitorDeviceId ?? ''}
              onChange={(e) => void updateSettings({ monitorDeviceId: e.target.value || null })}
            >
              <option value="">System default</option>
              {outputs.map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <p className="muted">The stage always plays here; your mic and the soundboard only as their monitoring says.</p>
          <audio ref={monitor} autoPlay data-testid="monitor" />
          <audio ref={stageHold} autoPlay muted data-testid="stage-mix" />
        </section>
        <ExternalInputPanel engine={engine} devices={devices} onError={setError} />
        <SoundboardPanel player={console_.player} run={run} onError={setError} hostOf={open && people.self?.role === 'host' ? hosted.space.id : null} />
        {open && isStaff && <StaffPanel spaceId={hosted.space.id} isHost={people.self?.role === 'host'} desk={staffDesk} busy={busy} run={run} />}
        <RoutingPanel devices={devices} program={program} />
        {open && <PeoplePanel spaceId={hosted.space.id} people={people} busy={busy} run={run} />}
        {(account || status?.state !== 'connected') && <SchedulePanel onStarted={setHosted} />}
        {open && <TranscriptPanel spaceId={hosted.space.id} live={live} feed={transcriptFeed} />}
        <RecordPanel engine={engine} player={console_.player} mic={strip?.track ?? null} spaceId={open ? hosted.space.id : null} role={myRole} />
      </main>
    </div>
  );
}
