"""Notebook hygiene that CI checks: saved outputs stay small (each notebook <= 1 MB, each picture <= 200 KB),
every exported module's first line says what stage it is (a one-line description), and no notebook keeps
execution counts or outputs of GPU/slow cells (which a CPU reader could not reproduce)."""
import base64, json, re, sys
from pathlib import Path

MAX_NB, MAX_IMG = 1_000_000, 200_000
root = Path(__file__).resolve().parents[1]
bad = []
for nb in sorted((root / 'nbs').glob('*.ipynb')):
    size = nb.stat().st_size
    if size > MAX_NB: bad.append(f'{nb.name}: {size / 1e6:.2f} MB > 1 MB (make the pictures smaller)')
    cells = json.loads(nb.read_text())['cells']
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        for o in c.get('outputs', []):
            png = o.get('data', {}).get('image/png')
            if png and len(base64.b64decode(''.join(png))) > MAX_IMG:
                bad.append(f'{nb.name} cell {i}: a picture of {len(base64.b64decode("".join(png))) // 1000} KB > {MAX_IMG // 1000} KB')
        if c.get('execution_count') is not None: bad.append(f'{nb.name} cell {i}: execution count saved (run nbdev_clean)')
    m = re.search(r'^> (.+)$', ''.join(''.join(c['source']) + '\n' for c in cells if c['cell_type'] == 'markdown'), re.M)
    exp = next((''.join(c['source']) for c in cells if ''.join(c['source']).startswith('#| default_exp')), None)
    if exp and not m: bad.append(f'{nb.name}: no one-line `> description` (the module docstring)')
for p in sorted((root / 'nlfgs').glob('*.py')):
    if p.name in ('__init__.py', '_modidx.py'): continue
    first = p.read_text().split('\n', 1)[0]
    if not (first.startswith('"""') and first.endswith('"""') and len(first) > 20):
        bad.append(f'{p.name}: the first line is not a one-line description of the stage: {first[:80]!r}')
print('\n'.join(bad) if bad else f'notebooks ok: {len(list((root / "nbs").glob("*.ipynb")))} notebooks within the size budget')
sys.exit(1 if bad else 0)
