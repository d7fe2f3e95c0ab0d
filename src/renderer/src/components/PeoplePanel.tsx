import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS, type Member, type MemberId, type Roster, type SelfState } from '../../../shared/space';
import { showsRole } from '../../../shared/roles';
import { studio } from '../api';
import type { People } from '../hooks/usePeople';
import type { Run } from '../hooks/useRunner';
import { audienceActions, mayAnswerRequests, producerActions, seats, stageActions, type AudienceAction, type ProducerAction, type StageAction } from '../people';
import { Reactions } from './Reactions';
import { AudienceList } from './AudienceList';

type MemberCall = (spaceId: string, memberId: MemberId) => Promise<unknown>;
interface ActionButton {
  /** Catalogue key of the button's text. */
  label: string;
  className?: string;
  call: MemberCall;
}

const STAGE_BUTTONS: Record<StageAction, ActionButton> = {
  unmute: { label: 'people.unmute', call: (spaceId) => studio.spaceAction({ type: 'member.unmute', params: { spaceId } }) },
  mute: { label: 'people.mute', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'member.mute', params: { spaceId, memberId } }) },
  toAudience: { label: 'people.toAudience', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'stage.toAudience', params: { spaceId, memberId } }) },
  addCohost: { label: 'people.addCohost', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'cohost.add', params: { spaceId, memberId } }) },
  removeCohost: { label: 'people.removeCohost', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'cohost.remove', params: { spaceId, memberId } }) },
  remove: { label: 'people.remove', className: 'danger', call: (spaceId, memberId) => studio.spaceAction({ type: 'member.remove', params: { spaceId, memberId } }) },
};

const AUDIENCE_BUTTONS: Record<AudienceAction, ActionButton> = {
  invite: { label: 'people.invite', call: (spaceId, memberId) => studio.spaceAction({ type: 'invite.send', params: { spaceId, memberId } }) },
  addProducer: { label: 'people.addProducer', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'producer.add', params: { spaceId, memberId } }) },
  remove: STAGE_BUTTONS.remove,
};

const PRODUCER_BUTTONS: Record<ProducerAction, ActionButton> = {
  removeProducer: { label: 'people.removeProducer', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'producer.remove', params: { spaceId, memberId } }) },
  remove: STAGE_BUTTONS.remove,
};

const APPROVE: ActionButton = { label: 'people.approve', call: (spaceId, memberId) => studio.spaceAction({ type: 'request.approve', params: { spaceId, memberId } }) };
const DENY: ActionButton = { label: 'people.deny', className: 'secondary', call: (spaceId, memberId) => studio.spaceAction({ type: 'request.deny', params: { spaceId, memberId } }) };

const STAGE_SEATS = 1 + LIMITS.cohosts + LIMITS.speakers;

/** The co-host panel: stage, requests to speak, audience and reactions of the open Space. */
export function PeoplePanel({ spaceId, people, busy, run, header }: { spaceId: string; people: People; busy: boolean; run: Run; header?: ReactNode }) {
  const { t } = useTranslation();
  const { roster, self, reactions } = people;
  return (
    <section className="panel people" aria-label={t('people.region')}>
      {header}
      <Reactions spaceId={spaceId} incoming={reactions} busy={busy} run={run} />
      {roster ? <Sections spaceId={spaceId} roster={roster} self={self} busy={busy} run={run} /> : <p className="muted">{t('people.joining')}</p>}
    </section>
  );
}

function Sections({ spaceId, roster, self, busy, run }: { spaceId: string; roster: Roster; self: SelfState | null; busy: boolean; run: Run }) {
  const { t } = useTranslation();
  const free = seats(roster);
  const requesting = new Set(roster.requests.map((m) => m.id));
  const button = (b: ActionButton, memberId: MemberId, blocked?: string): ReactNode => (
    <button
      key={b.label}
      type="button"
      className={`small ${b.className ?? ''}`.trim()}
      disabled={busy || !!blocked}
      title={blocked}
      onClick={() => void run(async () => void (await b.call(spaceId, memberId)))}
    >
      {t(b.label)}
    </button>
  );
  const speakerSeatBlocked = free.speakers <= 0 ? t('people.stageFull', { n: LIMITS.speakers }) : undefined;
  const cohostSeatBlocked = free.cohosts <= 0 ? t('people.cohostsFull', { n: LIMITS.cohosts }) : undefined;

  return (
    <div className="people-columns">
      <div className="people-col">
        <SectionHead title={t('people.stage')} count={`${roster.stage.length}/${STAGE_SEATS}`} />
        <ul className="people-list" aria-label={t('people.stage')}>
          {roster.stage.map((m) => (
            <PersonRow key={m.id} testId={`member-${m.id}`} member={m} you={m.id === self?.memberId}>
              {stageActions(self, m).map((a) => button(STAGE_BUTTONS[a], m.id, a === 'addCohost' ? cohostSeatBlocked : undefined))}
            </PersonRow>
          ))}
        </ul>
        {roster.producers.length > 0 && (
          <>
            <SectionHead title={t('people.producers')} count={String(roster.producers.length)} />
            <ul className="people-list" aria-label={t('people.producers')}>
              {roster.producers.map((m) => (
                <PersonRow key={m.id} testId={`member-${m.id}`} member={m} you={m.id === self?.memberId}>
                  {producerActions(self, m).map((a) => button(PRODUCER_BUTTONS[a], m.id))}
                </PersonRow>
              ))}
            </ul>
          </>
        )}
      </div>
      <div className="people-col">
        <SectionHead title={t('people.requests')} count={String(roster.requests.length)} highlight={roster.requests.length > 0} />
        <ul className="people-list" aria-label={t('people.requests')}>
          {roster.requests.map((m) => (
            <PersonRow key={m.id} testId={`request-${m.id}`} member={m} you={m.id === self?.memberId}>
              {mayAnswerRequests(self) && [button(APPROVE, m.id, speakerSeatBlocked), button(DENY, m.id)]}
            </PersonRow>
          ))}
        </ul>
        {roster.requests.length === 0 && <p className="muted empty">{t('people.noRequests')}</p>}
        <AudienceList spaceId={spaceId} newest={roster.audience} searchable={mayAnswerRequests(self)}>
          {(m) => (
            <PersonRow key={m.id} testId={`member-${m.id}`} member={m} you={m.id === self?.memberId} requested={requesting.has(m.id)}>
              {audienceActions(self, m).map((a) => button(AUDIENCE_BUTTONS[a], m.id, a === 'invite' ? speakerSeatBlocked : undefined))}
            </PersonRow>
          )}
        </AudienceList>
      </div>
    </div>
  );
}

export function SectionHead({ title, count, highlight = false }: { title: string; count: string; highlight?: boolean }) {
  return (
    <div className="section-head">
      <h3>{title}</h3>
      <span className={highlight ? 'count attention' : 'count'}>{count}</span>
    </div>
  );
}

function PersonRow({ testId, member, you, requested = false, children }: { testId: string; member: Member; you: boolean; requested?: boolean; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <li className="person" data-testid={testId} data-speaking={String(member.speaking)} data-muted={String(member.muted)}>
      <span className="avatar" aria-hidden="true">
        {member.displayName.slice(0, 1).toUpperCase()}
      </span>
      <span className="who">
        <span className="name">{member.displayName}</span>
        <span className="handle">{member.handle ? `@${member.handle}` : t('people.guest')}</span>
      </span>
      {showsRole(member.role) && <span className={`role role-${member.role}`}>{t(`roles.${member.role}`)}</span>}
      {you && <span className="chip">{t('people.you')}</span>}
      {requested && <span className="chip chip-requested">{t('people.askedToSpeak')}</span>}
      {member.muted && <span className="chip chip-muted">{t('people.muted')}</span>}
      {member.speaking && <span className="chip chip-speaking">{t('people.speaking')}</span>}
      {!member.present && <span className="chip">{t('people.away')}</span>}
      <span className="actions">{children}</span>
    </li>
  );
}
