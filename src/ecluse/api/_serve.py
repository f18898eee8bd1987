"""Running the API with uvicorn: each worker process opens the installation itself."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

__all__ = ["app_from_environment", "serve"]

_DATA_DIR_VAR = "ECLUSE_DATA_DIR"
_BENCH_VAR = "ECLUSE_API_BENCH"


def app_from_environment() -> FastAPI:
    """uvicorn factory: the installation named by ``ECLUSE_DATA_DIR`` (set by :func:`serve`)."""
    from ecluse.api._app import create_app
    from ecluse.installation import open_installation

    data_dir = os.environ.get(_DATA_DIR_VAR)
    inst = open_installation(Path(data_dir) if data_dir else None)
    return create_app(inst, bench=os.environ.get(_BENCH_VAR) == "1")


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    *,
    secure_cookie: bool | None = None,
    access_log: bool = True,
    bench: bool = False,
) -> None:
    """Serve the API until interrupted (``workers`` processes; each opens the installation)."""
    import uvicorn

    from ecluse.installation import open_installation

    # Open once here so a bad data directory fails with a clear message before forking;
    # migrations run once, not in every worker.
    open_installation(data_dir).close()
    os.environ[_DATA_DIR_VAR] = str(Path(data_dir).resolve())
    if secure_cookie is not None:
        os.environ["ECLUSE_API_SECURE_COOKIE"] = "1" if secure_cookie else "0"
    if bench:
        os.environ[_BENCH_VAR] = "1"
    uvicorn.run(
        "ecluse.api._serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
        proxy_headers=True,
        # A worker that is still importing on a busy machine must not be taken for hung
        # (uvicorn's default of 5 s kills and respawns it forever).
        timeout_worker_healthcheck=120,
    )
