/**
 * Turns behaviour lifecycle steps into stored events: the record is written first (events are
 * evidence), then the snapshot, whose path is added to the record. Severity escalations get a
 * fresh snapshot, since the frame that raised the severity is the one an investigator wants.
 */
import type { Logger } from '../../log/logger.js';
import type { EventRecord, Store } from '../../store/store.js';
import { WriteGuard } from '../../store/write-guard.js';
import type { BehaviourEvent } from '../behaviours/types.js';
import type { CameraFrame, EventSink } from '../camera-pipeline.js';
import { writeSnapshot } from './snapshot-writer.js';

const SEVERITY_RANK = { low: 0, medium: 1, high: 2 } as const;

export interface RecordedEvent {
  step: BehaviourEvent;
  record: EventRecord;
}

export class EventRecorder implements EventSink {
  /** Behaviour episode key → stored event id, for episodes still open. */
  private readonly open = new Map<string, { id: string; severity: BehaviourEvent['severity'] }>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    /** Called after each step is stored (MQTT publishing hooks in here). */
    private readonly onRecorded: (e: RecordedEvent) => void = () => {},
    /**
     * Event rows are evidence: they are persisted (reserve on a full disk, retried while the
     * database is locked) rather than dropped; handle() waits until the row is in.
     */
    private readonly writes: WriteGuard = new WriteGuard({ log }),
  ) {}

  async handle(step: BehaviourEvent, frame: CameraFrame | null): Promise<void> {
    const details = { eventKey: step.eventKey, trackIds: step.trackIds, zoneKind: step.zoneKind, ...(step.atmId ? { atmId: step.atmId } : {}) };
    if (step.type === 'start') {
      const record = await this.writes.persist(`events.start(${step.cameraId})`, () => this.store.events.start({
        camera: step.cameraId,
        zone: step.zoneId,
        behaviour: step.behaviour,
        severity: step.severity,
        trackId: step.trackId,
        startedAt: step.startedAtMs,
        dwellSeconds: step.dwellSeconds,
        phone: step.phone,
        // Footage from when the person entered the zone; the end is set when the event ends.
        clipStart: Math.round(step.atMs - step.dwellSeconds * 1000),
        details,
      }));
      this.open.set(step.eventKey, { id: record.id, severity: step.severity });
      this.log.info('event started', { event: record.id, camera: step.cameraId, zone: step.zoneId, behaviour: step.behaviour, severity: step.severity });
      this.onRecorded({ step, record: await this.snapshot(record, step, frame) });
      return;
    }
    const open = this.open.get(step.eventKey);
    if (!open) {
      this.log.warn('lifecycle step for an unknown event ignored', { eventKey: step.eventKey, type: step.type });
      return;
    }
    if (step.type === 'update') {
      let record = await this.writes.persist(`events.update(${open.id})`, () => this.store.events.update(open.id, {
        severity: step.severity, dwellSeconds: step.dwellSeconds, phone: step.phone, updatedAt: step.atMs, details,
      }));
      if (SEVERITY_RANK[step.severity] > SEVERITY_RANK[open.severity]) {
        open.severity = step.severity;
        this.log.info('event escalated', { event: open.id, camera: step.cameraId, severity: step.severity });
        record = await this.snapshot(record, step, frame);
      }
      this.onRecorded({ step, record });
      return;
    }
    const endedAt = step.endedAtMs ?? step.atMs;
    const record = await this.writes.persist(
      `events.end(${open.id})`,
      () => this.store.events.end(open.id, endedAt, { dwellSeconds: step.dwellSeconds, phone: step.phone, clipEnd: endedAt, details }),
    );
    this.open.delete(step.eventKey);
    this.log.info('event ended', { event: open.id, camera: step.cameraId, dwellSeconds: step.dwellSeconds });
    this.onRecorded({ step, record });
  }

  private async snapshot(record: EventRecord, step: BehaviourEvent, frame: CameraFrame | null): Promise<EventRecord> {
    if (!frame || frame.data.length === 0) return record;
    // A JPEG is tens of KB: the room the reserve gave back is kept for the alerts' commits.
    if (this.writes.shortOfSpace) {
      this.writes.skip(`snapshot(${record.id})`);
      return record;
    }
    try {
      const path = await writeSnapshot(this.store.dataDir, {
        frame, box: step.box, label: `${step.behaviour} ${step.phone}`, camera: step.cameraId, eventId: record.id, atMs: step.atMs,
      });
      return this.writes.critical(`events.update(${record.id})`, () => this.store.events.update(record.id, { snapshotPath: path, updatedAt: step.atMs }));
    } catch (err) {
      // The event is already stored; a missing snapshot must not lose it.
      this.log.error('snapshot not written', { event: record.id, camera: step.cameraId, err });
      return record;
    }
  }
}
