/**
 * `/zones` (admins): draw and edit a camera's zones over its current picture and save them into
 * the site's config file; the agent applies them without a restart. A page of its own rather
 * than a part of `/`: only admins need the editor's code, and clerks' handhelds load `/`.
 */
import '../shared/base.css';
import '../live/live.css';
import '../zones/zones.css';
import { api } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { topbar } from '../live/nav.js';
import type { CameraInfo, CameraList, ZonesBody, ZonesSaved } from '../live/types.js';
import { ZonesEditor } from '../zones/editor.js';
import type { ErrorBody } from '../../../edge/src/wire/api/error.js';

const access = byId('zones-access');
const errorBox = byId('zones-error');
const statusBox = byId('zones-status');
const cameraSelect = byId<HTMLSelectElement>('zone-camera');
const editor = new ZonesEditor(byId('stage'), byId<HTMLUListElement>('zone-list'));
let cameras: CameraInfo[] = [];
let picture: string | null = null;

async function main(): Promise<void> {
  const session = await topbar();
  if (session.role !== 'admin') {
    access.hidden = false;
    access.textContent = 'ゾーンの編集は管理者のみです / Only admins can edit zones';
    return;
  }
  const list = await api<CameraList>('/api/cameras');
  cameras = list.cameras;
  byId('editor').hidden = false;
  if (!list.zonesSavable) {
    access.hidden = false;
    access.textContent = 'このエージェントは設定ファイルなしで起動したため保存できません / This agent was started without a config file: zones cannot be saved';
  }
  if (cameras.length === 0) {
    statusBox.textContent = 'カメラがありません / No cameras';
    return;
  }
  cameraSelect.replaceChildren(...cameras.map((c) => el('option', { value: c.id }, c.id)));
  cameraSelect.addEventListener('change', () => void show(cameraSelect.value));
  byId('refresh-picture').addEventListener('click', () => void loadPicture(cameraSelect.value));
  byId('add-zone').addEventListener('click', () => editor.addZone());
  byId('save-zones').addEventListener('click', () => void save());
  await show(cameras[0]!.id);
}

async function show(id: string): Promise<void> {
  const camera = cameras.find((c) => c.id === id);
  if (!camera) return;
  errorBox.textContent = '';
  statusBox.textContent = '';
  editor.load(camera.id, camera.zones, camera);
  await loadPicture(camera.id);
}

/** The camera's current picture, without the agent's zone drawing (the editor draws the draft). */
async function loadPicture(id: string): Promise<void> {
  const res = await fetch(`/api/cameras/${encodeURIComponent(id)}/live.jpg?zones=0`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
    statusBox.textContent = body.error ?? res.statusText;
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  editor.setPicture(url);
  if (picture) URL.revokeObjectURL(picture);
  picture = url;
}

async function save(): Promise<void> {
  const id = cameraSelect.value;
  errorBox.textContent = '';
  statusBox.textContent = '保存中… / Saving…';
  try {
    const body: ZonesBody = { zones: editor.draft() };
    const saved = await api<ZonesSaved>(`/api/cameras/${encodeURIComponent(id)}/zones`, { method: 'PUT', body });
    const camera = cameras.find((c) => c.id === id);
    if (camera) camera.zones = saved.zones;
    statusBox.textContent = `保存しました。再起動なしで使用中です / Saved to the config file and in use now, without a restart (${saved.zones.length} zones)`;
  } catch (err) {
    statusBox.textContent = '';
    errorBox.textContent = err instanceof Error ? err.message : String(err);
  }
}

main().catch((err: unknown) => {
  access.hidden = false;
  access.textContent = err instanceof Error ? err.message : String(err);
});
