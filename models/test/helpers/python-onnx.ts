/** Finds a Python with the `onnx` package (Debian: apt-get install python3-onnx) to validate files independently. */
import { spawnSync } from 'node:child_process';

// Debian's package installs into the system interpreter, which a pyenv or venv `python3` on PATH may hide.
const CANDIDATES = ['/usr/bin/python3', 'python3'];

export function pythonWithOnnx(): string | undefined {
  return CANDIDATES.find((exe) => spawnSync(exe, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0);
}

/** Runs onnx.checker (full_check: also type/shape inference) on each file; returns stdout+stderr and the exit status. */
export function checkWithOnnx(python: string, files: readonly string[]): { status: number | null; output: string } {
  const script = [
    'import sys, onnx',
    'for f in sys.argv[1:]:',
    '    m = onnx.load(f)',
    '    onnx.checker.check_model(m, full_check=True)',
    '    print("ok", f, "opset", m.opset_import[0].version, "ir", m.ir_version)',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
