/**
 * Verification on the desk, as `mimamori verify` does it: an uploaded manifest.json + manifest.sig
 * (+ an optional public key or fingerprint) to POST /api/verify, or a whole bundle zip to POST
 * /api/verify/bundle. The verdict is shown large: VERIFIED, INTEGRITY ONLY (a valid signature by a
 * key that is not this device's nor the fingerprint given: anyone can sign with a key of their
 * own) or NOT VERIFIED, then what was proven and every problem.
 */
import { api, ApiError } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { showTime } from './time.js';
import type { ErrorBody } from '../../../edge/src/wire/api/error.js';
import type { Desk, VerifyBody, VerifyVerdict } from './types.js';

const KEY_TEXT: Record<VerifyVerdict['key']['source'], string> = {
  given: '指定された公開鍵 / the public key given',
  device: 'この端末の鍵 / this device\'s key',
  bundled: 'zip 内の鍵（出所は未証明） / the key inside the zip (origin not proven)',
  none: '鍵なし / no usable key',
};

function originText(v: VerifyVerdict): string {
  if (v.originProven) {
    return v.key.fingerprint === v.expectedFingerprint
      ? '証明済み（指定フィンガープリントの鍵で署名） / proven (signed by the key with the fingerprint given)'
      : '証明済み（この端末の鍵で署名） / proven (signed by this device\'s key)';
  }
  if (v.integrity) {
    return '未証明：この端末の鍵でも指定フィンガープリントの鍵でもありません / NOT proven: signed by a key that is neither this device\'s nor the fingerprint given';
  }
  return '未証明 / NOT proven';
}

function show(v: VerifyVerdict): void {
  const facts: Node[] = [];
  const fact = (term: string, value: string): void => {
    facts.push(el('dt', {}, term), el('dd', {}, value));
  };
  fact('署名 / Signature', v.signature === 'valid' ? '有効 / valid' : v.signature === 'invalid' ? '無効 / INVALID' : '未検査 / not checked');
  fact('鍵 / Key', `${KEY_TEXT[v.key.source]}${v.key.fingerprint ? ` — ${v.key.fingerprint}` : ''}`);
  fact('出所 / Origin', originText(v));
  fact('この端末の鍵 / This device\'s key', v.deviceFingerprint ?? 'なし（まだ何も署名していません） / none (it has signed nothing yet)');
  if (v.expectedFingerprint) fact('指定フィンガープリント / Fingerprint given', v.expectedFingerprint);
  if (v.manifest) {
    const m = v.manifest;
    fact('事件番号 / Case', m.caseNumber);
    fact('保全 / Hold', m.holdId);
    fact('期間 / Range', `${showTime(m.from)} 〜 ${showTime(m.to)}`);
    fact('端末 / Device', m.deviceId);
    fact('書き出し / Exported', `${showTime(m.exportedAt)}${m.exportedBy ? ` (${m.exportedBy})` : ''}`);
  }
  fact('ファイル / Files', v.filesChecked
    ? `${v.filesMatched} / ${v.filesListed} 一致 / match`
    : `${v.filesListed} 件記載（マニフェストのみ検証、ファイル本体は未検査） / listed (manifest only: the files themselves were not checked)`);
  if (v.manifestSha256) fact('マニフェスト SHA-256 / Manifest SHA-256', v.manifestSha256);
  const title = v.verified ? '検証済み / VERIFIED'
    : v.integrity ? '完全性のみ・出所未証明 / INTEGRITY ONLY, origin NOT proven' : '検証失敗 / NOT VERIFIED';
  byId('verify-result').replaceChildren(el('div', { class: `verdict-box ${v.verified ? 'verdict-ok' : 'verdict-fail'}`, id: 'verify-verdict' },
    el('p', { class: 'verdict-title' }, title),
    el('dl', {}, ...facts),
    ...(v.problems.length > 0
      ? [el('p', {}, '問題 / Problems:'), el('ul', {}, ...v.problems.map((p) => el('li', {}, `${p.file}: ${p.message}`)))]
      : []),
  ));
}

/** The zip goes as the raw body (no multipart): the agent streams it to a temporary file. */
async function postZip(file: File, key: string, fingerprint: string): Promise<VerifyVerdict> {
  const query = `key=${encodeURIComponent(key)}${fingerprint ? `&fingerprint=${encodeURIComponent(fingerprint)}` : ''}`;
  const res = await fetch(`/api/verify/bundle?${query}`, {
    method: 'POST', headers: { 'content-type': 'application/zip' }, body: file, credentials: 'same-origin',
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, (data as Partial<ErrorBody> | null)?.error ?? res.statusText);
  return data as VerifyVerdict;
}

function fileOf(id: string): File | null {
  return byId<HTMLInputElement>(id).files?.[0] ?? null;
}

export function setUpVerify(desk: Desk): void {
  byId<HTMLFormElement>('verify-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    desk.clearError();
    byId('verify-result').replaceChildren();
    const manifest = fileOf('verify-manifest');
    const signature = fileOf('verify-signature');
    const key = fileOf('verify-key');
    if (!manifest || !signature) {
      desk.fail(new Error('manifest.json と manifest.sig を選んでください / Choose manifest.json and manifest.sig'));
      return;
    }
    void (async () => {
      // Text, as saved by the export: the signature is over the manifest's exact UTF-8 bytes.
      const fingerprint = byId<HTMLInputElement>('verify-fingerprint').value.trim();
      const body: VerifyBody = {
        manifest: await manifest.text(), signature: await signature.text(), ...(key ? { publicKeyPem: await key.text() } : {}),
        ...(fingerprint ? { fingerprint } : {}),
      };
      show(await api<VerifyVerdict>('/api/verify', { body }));
    })().catch((err: unknown) => desk.fail(err));
  });
  byId<HTMLFormElement>('verify-zip-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    desk.clearError();
    byId('verify-result').replaceChildren();
    const zip = fileOf('verify-zip');
    if (!zip) {
      desk.fail(new Error('zip を選んでください / Choose a bundle zip'));
      return;
    }
    postZip(zip, byId<HTMLSelectElement>('verify-zip-key').value, byId<HTMLInputElement>('verify-zip-fingerprint').value.trim())
      .then(show, (err: unknown) => desk.fail(err));
  });
}
