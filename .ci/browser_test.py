#!/usr/bin/env python3
"""Browser test of the viewer: JupyterLab (started here, on 127.0.0.1, with a token) in headless Chromium (Debian's
/usr/bin/chromium and /usr/bin/chromedriver through selenium; nothing downloads a browser). It opens a notebook that
shows `nlfgs.viewer.view_gaussians`, runs it, moves the azimuth slider by a real mouse drag and the scale slider by
real key presses, and asserts after each that the image the browser shows has changed (and the slider's readout and
the status line with it). It fails when the image does not change: `--broken` runs the same test on a viewer whose
sliders are disconnected, which must fail. Prints 'browser: N passed, N failed'.

  python3 .ci/browser_test.py [--screenshot PNG] [--broken] [--timeout S]
"""
import argparse, io, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = '/usr/bin/chromium', '/usr/bin/chromedriver'
CELL = """from nlfgs.viewer import view_gaussians
from nlfgs.render import random_gaussians, scene_cameras
v = view_gaussians(random_gaussians(20_000, seed=5), cameras=scene_cameras(4, 128), size=384)
{broken}v"""

def notebook(broken: bool) -> dict:
    src = CELL.format(broken='for c in v.controls: c.unobserve_all()    # broken on purpose\n' if broken else '')
    return dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
                cells=[dict(cell_type='code', id='viewer', metadata={}, execution_count=None, outputs=[], source=src)])

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_lab(root: Path, port: int, token: str):
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}', '--ServerApp.open_browser=False',
           '--allow-root', '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
           '--LabApp.extension_manager=readonly']
    own = {k: str(root.parent / k.lower()) for k in ('JUPYTER_RUNTIME_DIR', 'JUPYTERLAB_WORKSPACES_DIR', 'JUPYTERLAB_SETTINGS_DIR')}
    news = Path(own['JUPYTERLAB_SETTINGS_DIR']) / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings'
    news.parent.mkdir(parents=True); news.write_text('{"fetchNews": "false"}')          # no news prompt, no fetch
    env = dict(os.environ, MPLBACKEND='Agg', OMP_WAIT_POLICY='PASSIVE', **own)     # a fresh lab: no user settings or layout
    proc = subprocess.Popen(cmd, stdout=open(root.parent / 'lab.log', 'w'), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, cwd=root)
    url = f'http://127.0.0.1:{port}/api/status?token={token}'
    for _ in range(120):
        if proc.poll() is not None: raise RuntimeError('JupyterLab exited: ' + (root.parent / 'lab.log').read_text()[-2000:])
        try:
            urllib.request.urlopen(url, timeout=2); return proc
        except Exception: time.sleep(.5)
    raise RuntimeError('JupyterLab did not answer in 60 s')

def browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', f'--user-data-dir={profile}',
              '--window-size=1400,1200'):
        o.add_argument(a)
    return webdriver.Chrome(options=o, service=Service(CHROMEDRIVER))

def pixels(png: bytes):
    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert('RGB')).astype(float)

def wait(cond, timeout: float, what: str):
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            r = cond()
            if r: return r
        except Exception: pass
        time.sleep(.25)
    raise AssertionError(f'timed out after {timeout:.0f} s waiting for {what}')

def run(args) -> list:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
    tmp = Path(tempfile.mkdtemp(prefix='nlfgs_browser_')); root = tmp / 'root'; root.mkdir()
    (root / 'viewer_test.ipynb').write_text(json.dumps(notebook(args.broken)))
    port, token, lab, drv, results = free_port(), secrets.token_hex(16), None, None, []
    try:
        lab = start_lab(root, port, token)
        drv = browser(tmp / 'profile')
        t0 = time.time()
        drv.get(f'http://127.0.0.1:{port}/lab/tree/viewer_test.ipynb?token={token}')
        editor = wait(lambda: drv.find_element(By.CSS_SELECTOR, '.jp-Notebook .jp-Cell .cm-content'), args.timeout, 'the notebook')
        def kernel_ready():                       # accept the kernel dialog if JupyterLab asks, then wait for 'Idle'
            for b in drv.find_elements(By.CSS_SELECTOR, '.jp-Dialog .jp-Dialog-button.jp-mod-accept'): b.click()
            return 'Idle' in drv.find_element(By.CSS_SELECTOR, '.jp-StatusBar-Widget, #jp-main-statusbar').text \
                and not drv.find_elements(By.CSS_SELECTOR, '.jp-Dialog')
        wait(kernel_ready, args.timeout, 'the kernel')
        editor = drv.find_element(By.CSS_SELECTOR, '.jp-Notebook .jp-Cell .cm-content')     # found again: re-rendered
        ActionChains(drv).click(editor).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
        img = wait(lambda: next(i for i in drv.find_elements(By.CSS_SELECTOR, '.jp-OutputArea img.widget-image')
                                if drv.execute_script('return arguments[0].naturalWidth', i) > 0), args.timeout, 'the viewer image')
        status = lambda: next(l.text for l in drv.find_elements(By.CSS_SELECTOR, '.jp-OutputArea .widget-label') if 'Gaussians visible' in l.text)
        wait(status, 30, 'the status line')
        print(f'viewer shown after {time.time() - t0:.1f} s: {status()}')
        time.sleep(1)

        def slider(name):
            box = drv.find_element(By.XPATH, f"//div[contains(@class,'widget-slider')][.//label[normalize-space()='{name}']]")
            return box.find_element(By.CSS_SELECTOR, '.noUi-handle'), box.find_element(By.CSS_SELECTOR, '.widget-readout')

        def check(name, act):
            handle, readout = slider(name)
            before, text0, st0 = pixels(img.screenshot_as_png), readout.text, status()
            t1 = time.time(); act(handle)
            try:
                diff = wait(lambda: (d := abs(pixels(img.screenshot_as_png) - before).mean()) > 1 and d, 30,
                            f'the image to change after moving {name}')
                ok = readout.text != text0
                print(f'{name}: readout {text0} -> {readout.text}, image changed by {diff:.1f}/255 on average after '
                      f'{time.time() - t1:.1f} s; status {st0!r} -> {status()!r}')
                results.append(ok)
                if not ok: print(f'FAIL {name}: the readout did not change')
            except AssertionError as e:
                print(f'FAIL {name}: {e} (readout {text0} -> {readout.text})'); results.append(False)

        check('azimuth', lambda h: ActionChains(drv).click_and_hold(h).move_by_offset(60, 0).pause(.3).move_by_offset(20, 0).release().perform())
        check('scale ×', lambda h: ActionChains(drv).click(h).send_keys(*[Keys.ARROW_RIGHT] * 30).perform())
        if args.screenshot:
            Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
            drv.save_screenshot(str(args.screenshot)); print(f'screenshot: {args.screenshot}')
    except Exception:
        if drv is not None and args.screenshot:
            drv.save_screenshot(str(Path(args.screenshot).with_suffix('.fail.png')))
            print(f"page at the failure: {Path(args.screenshot).with_suffix('.fail.png')}")
        print('JupyterLab log (end):\n' + (tmp / 'lab.log').read_text()[-3000:])
        raise
    finally:
        if drv is not None: drv.quit()
        if lab is not None:
            os.killpg(lab.pid, signal.SIGTERM)
            try: lab.wait(15)
            except subprocess.TimeoutExpired: os.killpg(lab.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    return results

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--screenshot', default=None); p.add_argument('--broken', action='store_true')
    p.add_argument('--timeout', type=float, default=240)
    a = p.parse_args()
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not Path(exe).is_file(): sys.exit(f'{exe} missing: apt-get install chromium chromium-driver')
    t0 = time.time()
    try: res = run(a)
    except Exception as e: print(f'FAIL: {type(e).__name__}: {e}'); res = [False]
    print(f'browser test took {time.time() - t0:.0f} s')
    print(f'browser: {sum(res)} passed, {len(res) - sum(res)} failed')
    sys.exit(0 if res and all(res) else 1)
