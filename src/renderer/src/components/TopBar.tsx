import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConnectionStatus, HostedSpace } from '../../../shared/ipc';
import type { AccountPublic } from '../../../shared/account';
import { formatClock, formatNumber } from '../../../shared/intl';
import type { Run } from '../hooks/useRunner';
import { AccountSummary } from './AccountPanel';

/** A running clock since the Space went live. */
function LiveTimer({ since }: { since: number }) {
  const { t, i18n } = useTranslation();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="live-timer" data-testid="live-timer" role="timer" aria-label={t('top.liveFor')}>
      {formatClock(now - since, i18n.language)}
    </span>
  );
}

/**
 * The top bar: server, account, the Space's title, status, LIVE timer, listeners, recording,
 * and the one big button (Go live / End).
 */
export function TopBar(props: {
  status: ConnectionStatus | null;
  account: AccountPublic | null;
  hosted: HostedSpace | null;
  busy: boolean;
  run: Run;
  onSignedOut: () => void;
  action: React.ReactNode;
  /** Whether the Space is recorded, and the host's switch (RecordingIndicator). */
  recording?: React.ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const { status, hosted } = props;
  const open = hosted !== null && hosted.space.state !== 'ended';
  const state = status?.state ?? 'disconnected';
  let server = '';
  try {
    server = status ? new URL(status.serverUrl).host : '';
  } catch {
    server = status?.serverUrl ?? '';
  }
  return (
    <header className="topbar">
      <h1 className="brand">{t('app.name')}</h1>
      <div className="server" title={status?.serverUrl}>
        <span className={`status status-${state}`} data-testid="connection-status" data-state={state}>
          {t(`connection.${state}`)}
        </span>
        <span className="muted">{server}</span>
      </div>
      {props.account && <AccountSummary account={props.account} inSpace={open} busy={props.busy} run={props.run} onSignedOut={props.onSignedOut} />}
      <div className="on-air">
        {open && (
          <>
            <span className={`badge badge-${hosted.space.state}`} data-testid="space-state" data-state={hosted.space.state}>
              {t(`spaceState.${hosted.space.state}`)}
            </span>
            <span className="space-title" title={hosted.space.title}>
              {hosted.space.title}
            </span>
            {hosted.space.state === 'live' && hosted.space.startedAt && <LiveTimer since={hosted.space.startedAt} />}
            <span className="listeners" data-testid="listener-count" data-count={hosted.space.listenerCount}>
              {t('top.listening', { count: hosted.space.listenerCount, n: formatNumber(hosted.space.listenerCount, i18n.language) })}
            </span>
            {props.recording}
          </>
        )}
        {props.action}
      </div>
    </header>
  );
}
