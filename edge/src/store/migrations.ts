/**
 * The schema, as an ordered list of migrations. Version N is reached by running migration N on a
 * database at N-1; released migrations are never edited, only appended to, because devices in the
 * field hold databases at every earlier version.
 *
 * Tables are STRICT so a wrong type is refused rather than stored, and the enum CHECKs repeat the
 * values in validation.ts for any writer that bypasses the repositories.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, camera health, segments',
    up: (db) => {
      db.exec(`
        CREATE TABLE events (
          id            TEXT PRIMARY KEY NOT NULL,
          camera        TEXT NOT NULL,
          zone          TEXT NOT NULL,
          behaviour     TEXT NOT NULL CHECK (behaviour IN ('phone_at_atm', 'emoney_lingering')),
          severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
          track_id      INTEGER NOT NULL,
          started_at    INTEGER NOT NULL,
          updated_at    INTEGER NOT NULL,
          ended_at      INTEGER CHECK (ended_at IS NULL OR ended_at >= started_at),
          dwell_seconds REAL NOT NULL CHECK (dwell_seconds >= 0),
          phone         TEXT NOT NULL CHECK (phone IN ('call', 'hand', 'none')),
          snapshot_path TEXT,
          clip_start    INTEGER,
          clip_end      INTEGER CHECK (clip_end IS NULL OR clip_start IS NULL OR clip_end >= clip_start),
          details       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
        ) STRICT;
        CREATE INDEX events_started ON events (started_at);
        CREATE INDEX events_camera_started ON events (camera, started_at);
        -- Events still open, e.g. after a crash: few rows, looked up at pipeline start.
        CREATE INDEX events_open ON events (started_at) WHERE ended_at IS NULL;

        CREATE TABLE camera_health (
          id      INTEGER PRIMARY KEY,
          camera  TEXT NOT NULL,
          at      INTEGER NOT NULL,
          state   TEXT NOT NULL CHECK (state IN ('connecting', 'streaming', 'backoff', 'stopped', 'failed')),
          detail  TEXT,
          fps_in  REAL CHECK (fps_in IS NULL OR fps_in >= 0),
          fps_out REAL CHECK (fps_out IS NULL OR fps_out >= 0),
          dropped INTEGER CHECK (dropped IS NULL OR dropped >= 0)
        ) STRICT;
        CREATE INDEX camera_health_camera_at ON camera_health (camera, at);
        CREATE INDEX camera_health_at ON camera_health (at);

        CREATE TABLE segments (
          id         INTEGER PRIMARY KEY,
          camera     TEXT NOT NULL,
          path       TEXT NOT NULL UNIQUE,
          start_ms   INTEGER NOT NULL,
          end_ms     INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms),
          bytes      INTEGER CHECK (bytes IS NULL OR bytes >= 0),
          container  TEXT NOT NULL CHECK (container IN ('mpegts', 'mp4')),
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX segments_camera_start ON segments (camera, start_ms);
        CREATE INDEX segments_end ON segments (end_ms);
      `);
    },
  },
  {
    version: 2,
    name: 'mqtt outbox',
    up: (db) => {
      // Every MQTT message is written here before it is sent and marked once the broker has it,
      // so neither a broker outage nor an agent restart loses one. AUTOINCREMENT: a seq is never
      // reused, even after pruning, because subscribers de-duplicate by it.
      db.exec(`
        CREATE TABLE outbox (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          topic        TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 256),
          payload      TEXT NOT NULL CHECK (json_valid(payload)),
          qos          INTEGER NOT NULL CHECK (qos IN (0, 1)),
          retain       INTEGER NOT NULL CHECK (retain IN (0, 1)),
          created_at   INTEGER NOT NULL,
          published_at INTEGER,
          attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          last_error   TEXT
        ) STRICT;
        CREATE INDEX outbox_published ON outbox (published_at);
      `);
    },
  },
  {
    version: 3,
    name: 'event acknowledgements',
    up: (db) => {
      // Acks arrive during and after an event; ended events are immutable evidence, so an ack is
      // a row of its own that refers to the event rather than a change to it.
      db.exec(`
        CREATE TABLE event_acks (
          id          INTEGER PRIMARY KEY,
          event_id    TEXT NOT NULL REFERENCES events (id),
          by          TEXT NOT NULL CHECK (length(by) BETWEEN 1 AND 64),
          acked_at    INTEGER NOT NULL,
          received_at INTEGER NOT NULL,
          source      TEXT NOT NULL CHECK (source IN ('mqtt', 'dashboard'))
        ) STRICT;
        CREATE INDEX event_acks_event ON event_acks (event_id);
      `);
    },
  },
  {
    version: 4,
    name: 'legal holds',
    up: (db) => {
      // A hold is a police request to keep footage and events of a time range. It is never deleted,
      // only released, so what was protected and why stays answerable; cameras is a JSON array of
      // camera ids, empty meaning every camera of the site.
      db.exec(`
        CREATE TABLE holds (
          id             TEXT PRIMARY KEY NOT NULL,
          case_number    TEXT NOT NULL CHECK (length(case_number) BETWEEN 1 AND 64),
          officer        TEXT NOT NULL CHECK (length(officer) BETWEEN 1 AND 128),
          station        TEXT NOT NULL CHECK (length(station) BETWEEN 1 AND 128),
          reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
          from_ms        INTEGER NOT NULL,
          to_ms          INTEGER NOT NULL CHECK (to_ms > from_ms),
          cameras        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(cameras) AND json_type(cameras) = 'array'),
          created_at     INTEGER NOT NULL,
          created_by     TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 64),
          expires_at     INTEGER CHECK (expires_at IS NULL OR expires_at > created_at),
          released_at    INTEGER CHECK (released_at IS NULL OR released_at >= created_at),
          released_by    TEXT CHECK (released_by IS NULL OR length(released_by) BETWEEN 1 AND 64),
          release_reason TEXT
        ) STRICT;
        CREATE INDEX holds_active ON holds (from_ms, to_ms) WHERE released_at IS NULL;
      `);
    },
  },
  {
    version: 5,
    name: 'hash-chained audit log',
    up: (db) => {
      // Append-only: each entry carries the SHA-256 of the previous one, so an edited or removed
      // entry breaks the chain. AUTOINCREMENT keeps a seq from ever being reused.
      db.exec(`
        CREATE TABLE audit_log (
          seq       INTEGER PRIMARY KEY AUTOINCREMENT,
          at        INTEGER NOT NULL,
          actor     TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
          action    TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
          subject   TEXT,
          details   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
          prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
          hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
        ) STRICT;
      `);
    },
  },
  {
    version: 6,
    name: 'dashboard users, sessions and ATM kiosk tokens',
    up: (db) => {
      // Only hashes are stored: a copied database gives neither passwords nor live sessions nor
      // kiosk tokens. Users are disabled, never deleted, so the audit log's actors stay resolvable.
      db.exec(`
        CREATE TABLE users (
          id            INTEGER PRIMARY KEY,
          username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
          role          TEXT NOT NULL CHECK (role IN ('clerk', 'bank', 'investigator', 'admin')),
          password_hash TEXT NOT NULL,
          created_at    INTEGER NOT NULL,
          disabled_at   INTEGER
        ) STRICT;

        CREATE TABLE sessions (
          token_hash   TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),
          user_id      INTEGER NOT NULL REFERENCES users (id),
          created_at   INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL CHECK (expires_at > created_at)
        ) STRICT;
        CREATE INDEX sessions_expires ON sessions (expires_at);

        CREATE TABLE kiosk_tokens (
          token_hash TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),
          atm_id     TEXT NOT NULL CHECK (length(atm_id) BETWEEN 1 AND 64),
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        ) STRICT;
      `);
    },
  },
  {
    version: 7,
    name: 'segments: the camera codec transcoded from',
    up: (db) => {
      // NULL: the camera's stream as it came (every segment before this version was a copy).
      db.exec(`ALTER TABLE segments ADD COLUMN transcoded_from TEXT CHECK (transcoded_from IS NULL OR length(transcoded_from) BETWEEN 1 AND 64);`);
    },
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS.length;
