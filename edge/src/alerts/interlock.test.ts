import { describe, expect, it } from 'vitest';
import { InterlockAdvisor, interlockPayload, type InterlockStep } from './interlock.js';

const MAX = 300_000;
const step = (atMs: number, eventId: string, type: InterlockStep['type'], severity: InterlockStep['severity'] = 'high', atmId = 'atm1'): InterlockStep =>
  ({ atmId, eventId, type, severity, atMs });
const actions = (advice: { action: string; reason: string; eventId: string }[]): string[] => advice.map((a) => `${a.action} ${a.eventId} ${a.reason}`);

describe('InterlockAdvisor', () => {
  it('suspends on a call (not a phone in hand) and resumes on the ack by default', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX });
    expect(advisor.onStep(step(0, 'e1', 'start', 'medium'))).toEqual([]);
    expect(advisor.onStep(step(4_000, 'e1', 'update', 'high'))).toEqual([
      { action: 'suspend', atmId: 'atm1', eventId: 'e1', reason: 'phone_call', atMs: 4_000, untilMs: 4_000 + MAX },
    ]);
    expect(advisor.onStep(step(9_000, 'e1', 'update', 'high'))).toEqual([]);
    expect(advisor.suspendedAtms()).toEqual(['atm1']);
    expect(advisor.onAck('e1', 20_000)).toEqual([
      { action: 'resume', atmId: 'atm1', eventId: 'e1', reason: 'acknowledged', atMs: 20_000, untilMs: null },
    ]);
    // Staff have spoken to them: the call going on does not suspend again, and the end says nothing.
    expect(advisor.onStep(step(25_000, 'e1', 'update', 'high'))).toEqual([]);
    expect(advisor.onStep(step(30_000, 'e1', 'end'))).toEqual([]);
    expect(advisor.suspendedAtms()).toEqual([]);
  });

  it('resumes at the end of the event at the latest, never leaving the next customer blocked', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX });
    advisor.onStep(step(0, 'e1', 'start'));
    expect(actions(advisor.onStep(step(60_000, 'e1', 'end')))).toEqual(['resume e1 event_ended']);
    expect(advisor.onAck('e1', 61_000)).toEqual([]);
  });

  it('with resumeOn "end" ignores acks and resumes when the event ends', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'end', maxSuspendMs: MAX });
    expect(actions(advisor.onStep(step(0, 'e1', 'start')))).toEqual(['suspend e1 phone_call']);
    expect(advisor.onAck('e1', 1_000)).toEqual([]);
    expect(advisor.suspendedAtms()).toEqual(['atm1']);
    expect(actions(advisor.onStep(step(50_000, 'e1', 'end')))).toEqual(['resume e1 event_ended']);
  });

  it('resumes after the maximum even while the event goes on, and does not suspend for it again', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'end', maxSuspendMs: MAX });
    advisor.onStep(step(0, 'e1', 'start'));
    expect(advisor.tick(MAX - 1)).toEqual([]);
    expect(advisor.tick(MAX)).toEqual([{ action: 'resume', atmId: 'atm1', eventId: 'e1', reason: 'max_duration', atMs: MAX, untilMs: null }]);
    expect(advisor.onStep(step(MAX + 5_000, 'e1', 'update'))).toEqual([]);
    expect(advisor.onStep(step(MAX + 9_000, 'e1', 'end'))).toEqual([]);
    // A new episode may suspend again.
    expect(actions(advisor.onStep(step(MAX + 20_000, 'e2', 'start')))).toEqual(['suspend e2 phone_call']);
  });

  it('suspends an ATM once for several events and resumes when the last one lets go', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX });
    expect(actions(advisor.onStep(step(0, 'e1', 'start')))).toEqual(['suspend e1 phone_call']);
    expect(advisor.onStep(step(1_000, 'e2', 'start'))).toEqual([]);
    expect(advisor.onAck('e1', 2_000)).toEqual([]);
    expect(actions(advisor.onStep(step(3_000, 'e2', 'end')))).toEqual(['resume e2 event_ended']);
  });

  it('keeps ATMs apart and ignores acks of unknown events', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX });
    expect(actions(advisor.onStep(step(0, 'a', 'start', 'high', 'atm1')))).toEqual(['suspend a phone_call']);
    expect(actions(advisor.onStep(step(0, 'b', 'start', 'high', 'atm2')))).toEqual(['suspend b phone_call']);
    expect(advisor.onAck('nope', 1)).toEqual([]);
    expect(advisor.suspendedAtms().sort()).toEqual(['atm1', 'atm2']);
  });

  it('does not suspend for an event staff acknowledged before the call began', () => {
    const advisor = new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX });
    advisor.onStep(step(0, 'e1', 'start', 'medium'));
    expect(advisor.onAck('e1', 1_000)).toEqual([]);
    expect(advisor.onStep(step(2_000, 'e1', 'update', 'high'))).toEqual([]);
  });

  it('makes the documented payload with offset times', () => {
    expect(interlockPayload({ action: 'suspend', atmId: 'atm1', eventId: 'e1', reason: 'phone_call', atMs: Date.UTC(2026, 10, 25, 5, 3, 7, 250), untilMs: Date.UTC(2026, 10, 25, 5, 8, 7, 250) }, 540))
      .toEqual({ action: 'suspend', eventId: 'e1', reason: 'phone_call', at: '2026-11-25T14:03:07.250+09:00', until: '2026-11-25T14:08:07.250+09:00' });
    expect(new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: MAX }).tick(0)).toEqual([]);
    expect(() => new InterlockAdvisor({ resumeOn: 'ack', maxSuspendMs: 0 })).toThrow('interlock: maxSuspendMs must be > 0, got 0');
  });
});
