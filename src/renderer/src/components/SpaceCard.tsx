import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HostedSpace } from '../../../shared/ipc';
import type { SelfState } from '../../../shared/space';
import { isHost } from '../../../shared/roles';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';
import type { StageState } from '../stage/stageSession';
import { Sentence } from '../errors';

/** A Space id from a listener link (…/s/<id>) or the bare id. */
export function spaceIdOf(text: string): string | null {
  const m = /(?:\/s\/)?([a-z0-9]{10})\/?\s*$/.exec(text.trim());
  return m ? m[1]! : null;
}

/** No Space open: create one, or join one as co-host or producer by its link. */
export function SpaceCard({ hosted, connected, signedIn, busy, run, onOpening, onOpened }: {
  hosted: HostedSpace | null;
  connected: boolean;
  signedIn: boolean;
  busy: boolean;
  run: Run;
  /** Before the request: the new Space's roster and our own state arrive before it resolves. */
  onOpening: () => void;
  onOpened: (h: HostedSpace) => void;
}) {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [joinTarget, setJoinTarget] = useState('');
  const create = (): Promise<void> =>
    run(async () => {
      onOpening();
      onOpened(await studio.createSpace({ title }));
    });
  const join = (): Promise<void> =>
    run(async () => {
      const spaceId = spaceIdOf(joinTarget);
      if (!spaceId) throw new Sentence(t('space.badLink'));
      onOpening();
      onOpened(await studio.joinSpace({ spaceId }));
    });
  return (
    <section className="panel space-card" aria-label={t('space.region')}>
      <h2>{t('space.title')}</h2>
      <form
        aria-label={t('space.createForm')}
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        {hosted && <p className="ended">{t('space.ended', { title: hosted.space.title })}</p>}
        <label>
          {t('space.titleLabel')}
          <input value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} placeholder={t('space.titlePlaceholder')} />
        </label>
        <button type="submit" disabled={!connected || !signedIn || busy || !title.trim()} aria-describedby={signedIn ? undefined : 'create-hint'}>
          {t('space.create')}
        </button>
        {!signedIn && (
          <p className="muted" id="create-hint">
            {t('space.signInToCreate')}
          </p>
        )}
      </form>
      <form
        aria-label={t('space.joinForm')}
        onSubmit={(e) => {
          e.preventDefault();
          void join();
        }}
      >
        <label>
          {t('space.joinLabel')}
          <input value={joinTarget} onChange={(e) => setJoinTarget(e.target.value)} placeholder="http://…/s/abc123defg" />
        </label>
        <button type="submit" className="secondary" disabled={!connected || !signedIn || busy || !spaceIdOf(joinTarget)}>
          {t('space.join')}
        </button>
      </form>
    </section>
  );
}

/** The open Space above its people: the link to share, the stage link's state, an invitation, our role. */
export function SpaceHeader({ hosted, self, stageState, busy, run }: { hosted: HostedSpace; self: SelfState | null; stageState: StageState; busy: boolean; run: Run }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const spaceId = hosted.space.id;
  return (
    <div className="space-header">
      <p className="listener-link">
        {t('space.listenerLink')}{' '}
        <a href={hosted.listenerUrl} target="_blank" rel="noreferrer" data-testid="listener-link">
          {hosted.listenerUrl}
        </a>{' '}
        <button
          type="button"
          className="secondary small"
          onClick={() =>
            void navigator.clipboard?.writeText(hosted.listenerUrl).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? t('space.copied') : t('space.copyInvite')}
        </button>
      </p>
      <p className="muted small-print" data-testid="stage-state">
        {t('space.stage', { state: t(`stageState.${stageState}`) })}
      </p>
      {self?.invited && (
        <div className="row invite" role="group" aria-label={t('space.invitation')}>
          <span>{t('space.invited')}</span>
          <button type="button" disabled={busy} onClick={() => void run(async () => void (await studio.spaceAction({ type: 'invite.accept', params: { spaceId } })))}>
            {t('common.accept')}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void run(async () => void (await studio.spaceAction({ type: 'invite.decline', params: { spaceId } })))}>
            {t('common.decline')}
          </button>
        </div>
      )}
      {self && !isHost(self.role) && (
        <p className="muted" data-testid="my-role">
          {t('space.youAre', { role: t(`rolesInline.${self.role}`) })}
        </p>
      )}
    </div>
  );
}
