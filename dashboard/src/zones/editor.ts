/**
 * The zones editor: one camera's zones as a draft, drawn over its current picture (the live JPEG
 * without the agent's own zone drawing) and listed as forms. Corners are normalised [x, y] in
 * 0..1 of the frame, as in the config file. Clicking the picture adds a corner to the zone being
 * edited, dragging a corner moves it; the corners are also a text field, so the editor works from
 * a keyboard too. Nothing is checked here that the agent checks: the save is validated by the
 * agent with the config's own schema, and its message (naming the zone by path) is shown as is.
 */
import { el } from '../shared/dom.js';
import { ZONE_COLOUR, ZONE_KIND_LABEL } from '../live/labels.js';
import type { Point, Zone, ZoneKind } from '../live/types.js';

const SVG = 'http://www.w3.org/2000/svg';
const KINDS: ZoneKind[] = ['emoney_rack', 'atm', 'register', 'entrance'];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

const round = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;

export function cornersText(polygon: Point[]): string {
  return polygon.map(([x, y]) => `${x},${y}`).join('; ');
}

/** "x,y; x,y; …" → points, or null when a corner is not two numbers. */
export function parseCorners(text: string): Point[] | null {
  const parts = text.split(';').map((p) => p.trim()).filter((p) => p !== '');
  const points: Point[] = [];
  for (const part of parts) {
    const xy = part.split(',').map((v) => Number(v.trim()));
    if (xy.length !== 2 || xy.some((v) => !Number.isFinite(v))) return null;
    points.push([xy[0]!, xy[1]!]);
  }
  return points;
}

export class ZonesEditor {
  private zones: Zone[] = [];
  private selected = -1;
  private width = 640;
  private height = 480;
  private readonly img = el('img', { alt: '', width: '640', height: '480' });
  private readonly overlay = svg('svg', { viewBox: '0 0 640 480', preserveAspectRatio: 'none' });
  private drag: { zone: number; point: number } | null = null;

  constructor(private readonly stage: HTMLElement, private readonly list: HTMLUListElement) {
    this.overlay.setAttribute('role', 'img');
    this.overlay.setAttribute('aria-describedby', 'stage-help');
    stage.replaceChildren(this.img, this.overlay);
    this.overlay.addEventListener('pointerdown', (ev) => this.pointerDown(ev));
    this.overlay.addEventListener('pointermove', (ev) => this.pointerMove(ev));
    this.overlay.addEventListener('pointerup', () => {
      this.drag = null;
    });
  }

  /** A camera's zones as the new draft; the picture is set separately. */
  load(camera: string, zones: readonly Zone[], size: { width: number | null; height: number | null }): void {
    this.zones = zones.map((z) => ({ ...z, polygon: z.polygon.map(([x, y]) => [x, y] as Point) }));
    this.selected = this.zones.length > 0 ? 0 : -1;
    this.width = size.width ?? 640;
    this.height = size.height ?? 480;
    this.overlay.setAttribute('viewBox', `0 0 ${this.width} ${this.height}`);
    // The stage keeps the camera's shape before (and without) a picture, so corners land where clicked.
    this.stage.style.aspectRatio = `${this.width} / ${this.height}`;
    this.img.alt = `カメラ ${camera} の現在の画像 / Current picture of camera ${camera}`;
    this.renderList();
    this.draw();
  }

  setPicture(url: string): void {
    this.img.src = url;
  }

  /** The draft as the agent's PUT takes it. */
  draft(): Zone[] {
    return this.zones.map((z) => {
      const out: Zone = { ...z, polygon: z.polygon.map(([x, y]) => [x, y] as Point) };
      if (z.kind !== 'atm') delete out.atmId;
      return out;
    });
  }

  addZone(): void {
    const taken = new Set(this.zones.map((z) => z.id));
    let n = this.zones.length + 1;
    while (taken.has(`zone-${n}`)) n += 1;
    this.zones.push({ id: `zone-${n}`, kind: 'emoney_rack', polygon: [], dwellSeconds: 60, minSeconds: 3 });
    this.selected = this.zones.length - 1;
    this.renderList();
    this.draw();
    // Focus goes to the new zone's id (keyboard users name it first) without scrolling the
    // picture away: mouse users click corners next.
    this.list.querySelector<HTMLInputElement>(`[data-zone="${this.selected}"] input[name="id"]`)?.focus({ preventScroll: true });
  }

  private point(ev: PointerEvent): Point {
    const r = this.overlay.getBoundingClientRect();
    return [round((ev.clientX - r.left) / r.width), round((ev.clientY - r.top) / r.height)];
  }

  private pointerDown(ev: PointerEvent): void {
    const target = ev.target as Element;
    const handle = target.closest('[data-point]');
    if (handle) {
      this.drag = { zone: Number(handle.getAttribute('data-zone')), point: Number(handle.getAttribute('data-point')) };
      this.overlay.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    const zone = this.zones[this.selected];
    if (!zone) return;
    zone.polygon.push(this.point(ev));
    this.changed(this.selected);
  }

  private pointerMove(ev: PointerEvent): void {
    if (!this.drag) return;
    const zone = this.zones[this.drag.zone];
    if (!zone) return;
    zone.polygon[this.drag.point] = this.point(ev);
    this.changed(this.drag.zone);
  }

  /** A zone's corners changed on the picture: redraw and update its corners field. */
  private changed(index: number): void {
    const field = this.list.querySelector<HTMLInputElement>(`[data-zone="${index}"] input[name="corners"]`);
    if (field) field.value = cornersText(this.zones[index]!.polygon);
    this.draw();
  }

  private draw(): void {
    const stroke = Math.max(2, this.width / 320);
    const nodes: SVGElement[] = [];
    this.zones.forEach((zone, i) => {
      const colour = ZONE_COLOUR[zone.kind];
      const points = zone.polygon.map(([x, y]) => `${x * this.width},${y * this.height}`).join(' ');
      const selected = i === this.selected;
      nodes.push(svg(zone.polygon.length >= 3 ? 'polygon' : 'polyline', {
        points, fill: zone.polygon.length >= 3 ? colour : 'none', 'fill-opacity': selected ? '0.3' : '0.15', stroke: colour,
        'stroke-width': String(selected ? stroke * 2 : stroke), 'pointer-events': 'none',
      }));
      const [x0, y0] = zone.polygon[0] ?? [0, 0];
      const label = svg('text', { x: String(x0 * this.width + 6), y: String(y0 * this.height + 18), fill: colour, 'font-size': String(this.width / 40), 'font-weight': 'bold', 'pointer-events': 'none' });
      label.textContent = zone.id;
      if (zone.polygon.length > 0) nodes.push(label);
      if (!selected) return;
      zone.polygon.forEach(([x, y], p) => {
        const handle = svg('circle', {
          cx: String(x * this.width), cy: String(y * this.height), r: String(stroke * 4), fill: '#fff', stroke: colour,
          'stroke-width': String(stroke), class: 'handle', 'data-zone': String(i), 'data-point': String(p),
        });
        nodes.push(handle);
      });
    });
    this.overlay.replaceChildren(...nodes);
  }

  private renderList(): void {
    this.list.replaceChildren(...this.zones.map((zone, i) => this.zoneForm(zone, i)));
  }

  private zoneForm(zone: Zone, i: number): HTMLLIElement {
    const id = (name: string): string => `zone-${i}-${name}`;
    const input = (name: string, attrs: Record<string, string>): HTMLInputElement => el('input', { id: id(name), name, ...attrs });
    const selectRadio = input('selected', { type: 'radio', value: String(i) });
    selectRadio.name = 'selected-zone';
    selectRadio.checked = i === this.selected;
    selectRadio.addEventListener('change', () => {
      this.selected = i;
      this.list.querySelectorAll('fieldset').forEach((f, n) => f.classList.toggle('selected', n === i));
      this.draw();
    });
    const idField = input('id', { type: 'text', value: zone.id, required: '', autocomplete: 'off' });
    idField.addEventListener('input', () => {
      zone.id = idField.value.trim();
      legend.textContent = zone.id;
      this.draw();
    });
    const kind = el('select', { id: id('kind'), name: 'kind' }, ...KINDS.map((k) => el('option', { value: k }, ZONE_KIND_LABEL[k])));
    kind.value = zone.kind;
    const atmId = input('atmId', { type: 'text', value: zone.atmId ?? '', autocomplete: 'off' });
    const atmRow = el('div', {}, el('label', { for: id('atmId') }, 'ATM ID'), atmId);
    atmRow.hidden = zone.kind !== 'atm';
    kind.addEventListener('change', () => {
      zone.kind = kind.value as ZoneKind;
      atmRow.hidden = zone.kind !== 'atm';
      this.draw();
    });
    atmId.addEventListener('input', () => {
      const v = atmId.value.trim();
      if (v === '') delete zone.atmId;
      else zone.atmId = v;
    });
    const number = (name: 'dwellSeconds' | 'minSeconds', label: string): HTMLDivElement => {
      const field = input(name, { type: 'number', min: '0.1', step: '0.1', value: String(zone[name] ?? '') });
      field.addEventListener('input', () => {
        // An emptied field falls back to the agent's default.
        if (field.value === '') delete zone[name];
        else zone[name] = field.valueAsNumber;
      });
      return el('div', {}, el('label', { for: id(name) }, label), field);
    };
    const corners = input('corners', { type: 'text', class: 'corners', value: cornersText(zone.polygon), autocomplete: 'off', spellcheck: 'false' });
    const cornersError = el('span', { class: 'error', id: id('corners-error') });
    corners.setAttribute('aria-describedby', id('corners-error'));
    corners.addEventListener('change', () => {
      const parsed = parseCorners(corners.value);
      corners.setAttribute('aria-invalid', parsed ? 'false' : 'true');
      cornersError.textContent = parsed ? '' : '角は「x,y; x,y」の数で / corners are numbers: x,y; x,y';
      if (!parsed) return;
      zone.polygon = parsed;
      this.draw();
    });
    const button = (label: string, name: string, act: () => void): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `${name} (${zone.id})` }, label);
      b.addEventListener('click', act);
      return b;
    };
    const legend = el('legend', {}, zone.id);
    const fieldset = el('fieldset', { class: i === this.selected ? 'selected' : '' },
      legend,
      el('div', { class: 'row' },
        el('div', {}, selectRadio, el('label', { for: id('selected'), style: 'display:inline' }, ' 編集中 / Editing')),
        el('div', {}, el('label', { for: id('id') }, 'ゾーンID / Zone id'), idField),
        el('div', {}, el('label', { for: id('kind') }, '種類 / Kind'), kind),
        atmRow,
        number('dwellSeconds', '滞留秒 / dwellSeconds'),
        number('minSeconds', '通話秒 / minSeconds')),
      el('div', {}, el('label', { for: id('corners') }, '角 (x,y; …) / Corners'), corners, ' ', cornersError),
      el('div', { class: 'row' },
        button('最後の角を削除 / Undo corner', 'Undo corner', () => {
          zone.polygon.pop();
          this.changed(i);
        }),
        button('角を消去 / Clear corners', 'Clear corners', () => {
          zone.polygon = [];
          this.changed(i);
        }),
        button('ゾーンを削除 / Delete zone', 'Delete zone', () => {
          this.zones.splice(i, 1);
          this.selected = Math.min(this.selected, this.zones.length - 1);
          this.renderList();
          this.draw();
        })));
    return el('li', { 'data-zone': String(i) }, fieldset);
  }
}
