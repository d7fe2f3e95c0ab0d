import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConnectionStatus, HostedSpace, Settings } from '../../shared/ipc';
import { mayEnd as roleMayEnd, isHost, isOnStageRole, isStaff as roleIsStaff, mayGoLive } from '../../shared/roles';
import { studio } from './api';
import { QUALITY_PRESETS, type BroadcastQuality } from './audio/opus';
import { AccountPanel } from './components/AccountPanel';
import { MixerPanel } from './components/MixerPanel';
import { SoundboardPanel } from './components/SoundboardPanel';
import { StaffPanel, useStaffDesk } from './components/StaffPanel';
import { RecordingIndicator } from './components/RecordingIndicator';
import { SpaceCard, SpaceHeader } from './components/SpaceCard';
import { TopBar } from './components/TopBar';
import { ViewTabs, type View } from './components/ViewTabs';
import { SettingsView } from './components/SettingsView';
import { useConsole } from './hooks/useConsole';
import { useDeviceInventory } from './devices/useDeviceInventory';
import { useMicFallback } from './devices/useMicFallback';
import { useProgramOutput } from './devices/useProgramOutput';
import { useDeviceProfiles } from './devices/useDeviceProfiles';
import { MicFallbackNotice } from './devices/MicFallbackNotice';
import { RoutingPanel } from './devices/RoutingPanel';
import { PeoplePanel } from './components/PeoplePanel';
import { SchedulePanel } from './components/SchedulePanel';
import { TranscriptPanel, useTranscriptFeed } from './transcript/TranscriptPanel';
import { useSpeechEngine } from './transcript/SpeechModelSettings';
import { useAccount } from './hooks/useAccount';
import { RecordPanel } from './multitrack/RecordPanel';
import { usePeople } from './hooks/usePeople';
import { errorMessage as message, useRunner } from './hooks/useRunner';
import { connectionProblemText } from './errors';
import { useStageSession } from './stage/useStageSession';
import { MarkChapter } from './podcast/MarkChapter';
import { PastSpacesView } from './podcast/PastSpacesView';

type AudioDevice = { deviceId: string; label: string };

/**
 * Composes the Studio: the top bar, the views (Live console, Schedule, Devices, Settings) and
 * the panels in them. State that crosses panels lives here; the stage session, the console's
 * audio graph and the people of the Space live in their own modules.
 */
export function App() {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [status, setStatus] = useState<ConnectionStatus | null>(null);
  const [hosted, setHosted] = useState<HostedSpace | null>(null);
  const [inputs, setInputs] = useState<AudioDevice[]>([]);
  const [outputs, setOutputs] = useState<AudioDevice[]>([]);
  const [quality, setQuality] = useState<BroadcastQuality>(QUALITY_PRESETS[0]!.quality);
  const [view, setView] = useState<View>('live');
  /** The Space to open in Past Spaces (the one that just ended, issue 22). */
  const [pastFocus, setPastFocus] = useState<string | null>(null);
  const { busy, error, setError, run } = useRunner();
  const [account, setAccount] = useAccount();
  const [speechEngine, setSpeechEngine] = useSpeechEngine();
  const monitor = useRef<HTMLAudioElement>(null);
  const stageHold = useRef<HTMLAudioElement>(null);

  const live = hosted?.space.state === 'live';
  const open = hosted !== null && hosted.space.state !== 'ended';
  const people = usePeople(open ? hosted.space.id : null);
  const myRole = people.self?.role;
  const mayEnd = live && !!myRole && roleMayEnd(myRole);
  const mayGoOnStage = !!myRole && isOnStageRole(myRole);
  const isStaff = !!myRole && roleIsStaff(myRole);
  const amHost = !!myRole && isHost(myRole);
  const staffDesk = useStaffDesk();

  const refreshDevices = useCallback(async () => {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind): AudioDevice[] =>
      all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || t(kind === 'audioinput' ? 'devices.unnamedInput' : 'devices.unnamedOutput', { n: i + 1 }) }));
    setInputs(pick('audioinput'));
    setOutputs(pick('audiooutput'));
  }, [t]);

  // Start-up: settings, connection status, events from the main process.
  useEffect(() => {
    void (async () => {
      const s = await studio.getSettings({});
      setSettings(s);
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
  const console_ = useConsole(micFallback.effectiveDeviceId, setError);
  const { engine, strip } = console_;
  const program = useProgramOutput(engine, devices);
  const transcriptFeed = useTranscriptFeed(engine);
  useDeviceProfiles(strip?.label ?? null, console_.input, console_.update);
  useEffect(() => {
    if (strip) void refreshDevices(); // labels appear once the microphone is open
  }, [strip, refreshDevices]);
  useEffect(() => {
    if (monitor.current) monitor.current.srcObject = engine.monitorStream;
  }, [engine]);

  // The stage: its own module (peer connection, retries, media resets); the mix fans out here.
  const stage = useStageSession(engine, (stream) => {
    // Chromium only feeds a remote stream to Web Audio while a media element plays it too.
    if (stageHold.current) stageHold.current.srcObject = stream;
    engine.setStage(stream);
    program.setStage(stream);
    transcriptFeed.setStage(stream);
  });

  const updateSettings = async (patch: Partial<Settings>): Promise<void> => {
    try {
      setSettings(await studio.updateSettings(patch));
    } catch (err) {
      setError(message(err));
    }
  };

  const goLive = (): Promise<void> =>
    run(async () => {
      if (hosted) await stage.session.join(hosted.space.id);
    });
  const end = (): Promise<void> =>
    run(async () => {
      if (!hosted) return;
      setHosted(await studio.endSpace({ spaceId: hosted.space.id }));
      people.reset();
      await stage.session.leave();
    });

  // Ended elsewhere (e.g. by the server): stop sending to the stage.
  const ended = hosted?.space.state === 'ended';
  useEffect(() => {
    if (ended && stage.session.spaceId) void stage.session.leave().catch((err: unknown) => setError(message(err)));
  }, [ended, stage.session, setError]);

  // Headphones: the stage mix goes to the chosen output device.
  useEffect(() => {
    const el = monitor.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (el?.setSinkId && settings?.monitorDeviceId != null) void el.setSinkId(settings.monitorDeviceId).catch((err: unknown) => setError(t('devices.monitorFailed', { reason: message(err) })));
  }, [settings?.monitorDeviceId, setError, t]);

  const connected = status?.state === 'connected';
  const action = mayEnd ? (
    <button type="button" className="end" onClick={end} disabled={busy}>
      {t('top.end')}
    </button>
  ) : open && mayGoOnStage && stage.state === 'off' ? (
    <button type="button" className="go-live" onClick={goLive} disabled={busy || !strip || !connected}>
      {myRole && mayGoLive(myRole) ? t('top.goLive') : t('top.joinStage')}
    </button>
  ) : null;

  return (
    <div className="studio">
      <TopBar status={status} account={account ?? null} hosted={hosted} busy={busy} run={run} onSignedOut={() => setAccount(null)}
        action={action}
        recording={open ? <RecordingIndicator spaceId={hosted.space.id} isHost={amHost} onError={setError} /> : null}
      />
      <ViewTabs view={view} onView={setView} />
      {(status?.error || error || micFallback.state) && (
        <div className="messages">
          {status?.error && <p className="warning">{connectionProblemText(status)}</p>}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <MicFallbackNotice fallback={micFallback} />
        </div>
      )}
      {status?.certificate && status.state !== 'connected' && (
        <section className="panel trust" aria-label={t('trust.label')}>
          <p>
            {t('trust.compare')}
            <br />
            <code data-testid="certificate-fingerprint">{status.certificate.fingerprint256}</code>
            <br />
            <span className="muted">
              {t('trust.details', { subject: status.certificate.subject, issuer: status.certificate.issuer || t('trust.unknownIssuer'), until: status.certificate.validTo.slice(0, 10) })}
            </span>
          </p>
          <button
            type="button"
            disabled={busy}
            onClick={() => run(async () => setStatus(await studio.trustCertificate({ serverUrl: status.serverUrl, fingerprint256: status.certificate!.fingerprint256 })))}
          >
            {t('trust.button', { server: status.serverUrl })}
          </button>
        </section>
      )}
      <main className="view view-live" id="view-live" role="tabpanel" aria-labelledby="tab-live" hidden={view !== 'live'}>
        <div className="col-people">
          {open ? (
            <PeoplePanel
              spaceId={hosted.space.id}
              people={people}
              busy={busy}
              run={run}
              header={<SpaceHeader hosted={hosted} self={people.self} stageState={stage.state} busy={busy} run={run} />}
            />
          ) : (
            <>
              <SpaceCard hosted={hosted} connected={connected} signedIn={!!account} busy={busy} run={run} onOpening={people.reset} onOpened={setHosted} />
              {hosted?.space.state === 'ended' && account && hosted.space.hostHandle === account.handle && (
                <button type="button" className="secondary" onClick={() => (setPastFocus(hosted.space.id), setView('past'))}>
                  {t('podcast.afterEnd')}
                </button>
              )}
              {account === null && <AccountPanel connected={connected} busy={busy} run={run} onAccount={setAccount} />}
            </>
          )}
        </div>
        <MixerPanel
          engine={engine}
          strip={strip}
          input={console_.input}
          inputs={inputs}
          player={console_.player}
          devices={devices}
          quality={quality}
          onQuality={(q) => {
            setQuality(q);
            void stage.session.setQuality(q).catch((err: unknown) => setError(message(err)));
          }}
          onDevice={(deviceId) => void updateSettings({ micDeviceId: deviceId })}
          onChange={console_.update}
          onError={setError}
        />
        <div className="col-pads">
          <SoundboardPanel player={console_.player} run={run} onError={setError} hostOf={open && amHost ? hosted.space.id : null} />
          {open && isStaff && (
            <StaffPanel
              spaceId={hosted.space.id}
              isHost={amHost}
              desk={staffDesk}
              busy={busy}
              run={run}
              extra={live ? <MarkChapter spaceId={hosted.space.id} busy={busy} run={run} /> : null}
            />
          )}
          <RecordPanel engine={engine} player={console_.player} mic={strip?.track ?? null} spaceId={open ? hosted.space.id : null} role={myRole} />
        </div>
        {open && <TranscriptPanel spaceId={hosted.space.id} live={live} feed={transcriptFeed} engine={speechEngine} />}
      </main>
      <section className="view view-schedule" id="view-schedule" role="tabpanel" aria-labelledby="tab-schedule" hidden={view !== 'schedule'}>
        {(account || !connected) ? <SchedulePanel onStarted={setHosted} /> : <p className="muted panel">{t('schedule.signInFirst')}</p>}
      </section>
      <section className="view view-devices" id="view-devices" role="tabpanel" aria-labelledby="tab-devices" hidden={view !== 'devices'}>
        <section className="panel" aria-label={t('devices.monitoring')}>
          <h2>{t('devices.monitoring')}</h2>
          <label>
            {t('devices.monitorOutput')}
            <select aria-label={t('devices.monitorOutput')} value={settings?.monitorDeviceId ?? ''} onChange={(e) => void updateSettings({ monitorDeviceId: e.target.value || null })}>
              <option value="">{t('common.systemDefault')}</option>
              {outputs.map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <p className="muted">{t('devices.monitorHint')}</p>
          <p className="muted">{t('devices.stereoNote')}</p>
        </section>
        <RoutingPanel devices={devices} program={program} />
      </section>
      <section className="view view-settings" id="view-settings" role="tabpanel" aria-labelledby="tab-settings" hidden={view !== 'settings'}>
        <SettingsView
          status={status}
          initialServerUrl={settings?.serverUrl ?? ''}
          account={account ?? null}
          busy={busy}
          run={run}
          onStatus={setStatus}
          onAccount={setAccount}
          speechEngine={speechEngine}
          onSpeechEngine={setSpeechEngine}
        />
      </section>
      <section className="view view-past" id="view-past" role="tabpanel" aria-labelledby="tab-past" hidden={view !== 'past'}>
        <PastSpacesView active={view === 'past'} focus={pastFocus} signedIn={!!account} busy={busy} run={run} />
      </section>
      <audio ref={monitor} autoPlay data-testid="monitor" />
      <audio ref={stageHold} autoPlay muted data-testid="stage-mix" />
    </div>
  );
}
