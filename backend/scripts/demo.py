"""`make demo`: the service on the embedded database (loaded from the root db.json when empty)
and the front end pointed at it, in one command; Ctrl-C stops both.

Run from backend/: `python -m scripts.demo`. PORT (3000) is the API's, DEMO_PORT (5173) the
front end's."""

import os
import signal
import subprocess
import sys
import time

import httpx

from app.config import BACKEND_DIR, PROJECT_DIR

VITE_BIN = PROJECT_DIR / "node_modules" / ".bin" / "vite"


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url} did not start (exit code {process.returncode}).")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} was not ready within {timeout:.0f} seconds.")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    api_port = os.environ.get("PORT", "3000")
    app_port = os.environ.get("DEMO_PORT", "5173")
    api_url = f"http://127.0.0.1:{api_port}"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    service = subprocess.Popen(
        [sys.executable, "-m", "app.runner"],
        cwd=BACKEND_DIR,
        env={**env, "HOST": "127.0.0.1", "PORT": api_port},
    )
    front_end = None
    try:
        wait_for(f"{api_url}/health/ready", service)
        front_end = subprocess.Popen(
            [str(VITE_BIN), "--host", "127.0.0.1", "--port", app_port, "--strictPort"],
            cwd=PROJECT_DIR,
            env={**env, "VITE_API_URL": api_url},
            stdout=subprocess.DEVNULL,
        )
        app_url = f"http://127.0.0.1:{app_port}"
        wait_for(app_url, front_end)
        print(f"\nThe front end: {app_url}/patients  (the API: {api_url})  Ctrl-C stops both.\n")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        service.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if front_end is not None:
            stop(front_end)
        stop(service)


if __name__ == "__main__":
    main()
