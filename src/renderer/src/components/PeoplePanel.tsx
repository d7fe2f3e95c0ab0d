import type { ReactNode } from 'react';
import { LIMITS, type Member, type MemberId, type Roster, type SelfState } from '../../../shared/space';
import { studio } from '../api';
import type { People } from '../hooks/usePeople';
import type { Run } from '../hooks/useRunner';
import { ROLE_TEXT, audienceActions, mayAnswerRequests, producerActions, seats, stageActions, type AudienceAction, type ProducerAction, type StageAction } from '../people';
import { Reactions } from './Reactions';
import { AudienceList } from './AudienceList';

type MemberCall = (spaceId: string, memberId: MemberId) => Promise<unknown>;
interface ActionButton {
  label: string;
  className?: string;
  call: MemberCall;
}

const STAGE_BUTTONS: Record<StageAction, ActionButton> = {
  unmute: { label: 'Unmute', call: (spaceId) => studio.unmuteSelf({ spaceId }) },
  mute: { label: 'Mute', className: 'secondary', call: (spaceId, memberId) => studio.muteMember({ spaceId, memberId }) },
  toAudience: { label: 'Move to audience', className: 'secondary', call: (spaceId, memberId) => studio.moveToAudience({ spaceId, memberId }) },
  addCohost: { label: 'Make co-host', className: 'secondary', call: (spaceId, memberId) => studio.addCohost({ spaceId, memberId }) },
  removeCohost: { label: 'Remove co-host', className: 'secondary', call: (spaceId, memberId) => studio.removeCohost({ spaceId, memberId }) },
  remove: { label: 'Remove', className: 'danger', call: (spaceId, memberId) => studio.removeMember({ spaceId, memberId }) },
};

const AUDIENCE_BUTTONS: Record<AudienceAction, ActionButton> = {
  invite: { label: 'Invite to speak', call: (spaceId, memberId) => studio.inviteToSpeak({ spaceId, memberId }) },
  addProducer: { label: 'Make producer', className: 'secondary', call: (spaceId, memberId) => studio.addProducer({ spaceId, memberId }) },
  remove: STAGE_BUTTONS.remove,
};

const PRODUCER_BUTTONS: Record<ProducerAction, ActionButton> = {
  removeProducer: { label: 'Remove producer', className: 'secondary', call: (spaceId, memberId) => studio.removeProducer({ spaceId, memberId }) },
  remove: STAGE_BUTTONS.remove,
};

const APPROVE: ActionButton = { label: 'Approve', call: (spaceId, memberId) => studio.approveRequest({ spaceId, memberId }) };
const DENY: ActionButton = { label: 'Deny', className: 'secondary', call: (spaceId, memberId) => studio.denyRequest({ spaceId, memberId }) };

const STAGE_SEATS = 1 + LIMITS.cohosts + LIMITS.speakers;

/** The co-host panel: stage, requests to speak, audience and reactions of the open Space. */
export function PeoplePanel({ spaceId, people, busy, run }: { spaceId: string; people: People; busy: boolean; run: Run }) {
  const { roster, self, reactions } = people;
  return (
    <section className="panel people" aria-label="People">
      <h2>People</h2>
      <Reactions spaceId={spaceId} incoming={reactions} busy={busy} run={run} />
      {roster ? <Sections spaceId={spaceId} roster={roster} self={self} busy={busy} run={run} /> : <p className="muted">Joining the Space…</p>}
    </section>
  );
}

function Sections({ spaceId, roster, self, busy, run }: { spaceId: string; roster: Roster; self: SelfState | null; busy: boolean; run: Run }) {
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
      {b.label}
    </button>
  );
  const speakerSeatBlocked = free.speakers <= 0 ? `The stage is full (${LIMITS.speakers} speakers)` : undefined;
  const cohostSeatBlocked = free.cohosts <= 0 ? `A Space has at most ${LIMITS.cohosts} co-hosts` : undefined;

  return (
    <div className="people-columns">
      <div>
        <SectionHead title="Stage" count={`${roster.stage.length}/${STAGE_SEATS}`} />
        <ul className="people-list">
          {roster.stage.map((m) => (
            <PersonRow key={m.id} testId={`member-${m.id}`} member={m} you={m.id === self?.memberId}>
              {stageActions(self, m).map((a) => button(STAGE_BUTTONS[a], m.id, a === 'addCohost' ? cohostSeatBlocked : undefined))}
            </PersonRow>
          ))}
        </ul>
        {roster.producers.length > 0 && (
          <>
            <SectionHead title="Producers" count={String(roster.producers.length)} />
            <ul className="people-list">
              {roster.producers.map((m) => (
                <PersonRow key={m.id} testId={`member-${m.id}`} member={m} you={m.id === self?.memberId}>
                  {producerActions(self, m).map((a) => button(PRODUCER_BUTTONS[a], m.id))}
                </PersonRow>
              ))}
            </ul>
          </>
        )}
      </div>
      <div>
        <SectionHead title="Requests" count={String(roster.requests.length)} />
        <ul className="people-list">
          {roster.requests.map((m) => (
            <PersonRow key={m.id} testId={`request-${m.id}`} member={m} you={m.id === self?.memberId}>
              {mayAnswerRequests(self) && [button(APPROVE, m.id, speakerSeatBlocked), button(DENY, m.id)]}
            </PersonRow>
          ))}
        </ul>
        {roster.requests.length === 0 && <p className="muted empty">No requests to speak.</p>}
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

export function SectionHead({ title, count }: { title: string; count: string }) {
  return (
    <div className="section-head">
      <h3>{title}</h3>
      <span className="count">{count}</span>
    </div>
  );
}

function PersonRow({ testId, member, you, requested = false, children }: { testId: string; member: Member; you: boolean; requested?: boolean; children?: ReactNode }) {
  return (
    <li className="person" data-testid={testId} data-speaking={String(member.speaking)} data-muted={String(member.muted)}>
      <span className="avatar" aria-hidden="true">
        {member.displayName.slice(0, 1).toUpperCase()}
      </span>
      <span className="who">
        <span className="name">{member.displayName}</span>
        <span className="handle">{member.handle ? `@${member.handle}` : 'guest'}</span>
      </span>
      {member.role !== 'listener' && <span className={`role role-${member.role}`}>{ROLE_TEXT[member.role]}</span>}
      {you && <span className="chip">You</span>}
      {requested && <span className="chip chip-requested">Asked to speak</span>}
      {member.muted && <span className="chip chip-muted">Muted</span>}
      {member.speaking && <span className="chip chip-speaking">Speaking</span>}
      {!member.present && <span className="chip">Away</span>}
      <span className="actions">{children}</span>
    </li>
  );
}
